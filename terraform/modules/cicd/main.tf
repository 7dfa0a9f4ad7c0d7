# The roles GitHub Actions deploys with: one per environment, assumable only through
# GitHub's OIDC provider by a workflow job running in the GitHub environment of that name
# (so production's approval rule guards production's role), and allowed to manage only the
# environment's own resources (named <name_prefix>-<environment>-*) plus the Terraform state.

locals {
  oidc_host         = "token.actions.githubusercontent.com"
  oidc_provider_arn = var.create_oidc_provider ? aws_iam_openid_connect_provider.github[0].arn : var.oidc_provider_arn

  # Services whose resources carry the environment's name prefix.
  named_services = [
    "apigateway", "cloudwatch", "cognito-idp", "dynamodb", "events", "glue", "kms", "lambda",
    "logs", "rds", "s3", "sns", "sqs", "states", "backup", "codedeploy",
  ]
}

resource "aws_iam_openid_connect_provider" "github" {
  count = var.create_oidc_provider ? 1 : 0

  url            = "https://${local.oidc_host}"
  client_id_list = ["sts.amazonaws.com"]
  tags           = var.tags
}

data "aws_iam_policy_document" "trust" {
  for_each = toset(var.environments)

  statement {
    sid     = "GitHubEnvironment"
    actions = ["sts:AssumeRoleWithWebIdentity"]

    principals {
      type        = "Federated"
      identifiers = [local.oidc_provider_arn]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:aud"
      values   = ["sts.amazonaws.com"]
    }

    condition {
      test     = "StringEquals"
      variable = "${local.oidc_host}:sub"
      values   = ["repo:${var.github_repository}:environment:${each.key}"]
    }
  }
}

resource "aws_iam_role" "deploy" {
  for_each = toset(var.environments)

  name                 = "${var.name_prefix}-${each.key}-deploy"
  description          = "GitHub Actions deploys ${each.key} with terraform apply"
  assume_role_policy   = data.aws_iam_policy_document.trust[each.key].json
  max_session_duration = 3600
  tags                 = merge(var.tags, { Environment = each.key })
}

data "aws_iam_policy_document" "deploy" {
  for_each = toset(var.environments)

  statement {
    sid       = "StateObjects"
    actions   = ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"]
    resources = ["${var.state_bucket_arn}/${each.key}/*"]
  }

  statement {
    sid       = "StateBucket"
    actions   = ["s3:ListBucket"]
    resources = [var.state_bucket_arn]
  }

  statement {
    sid       = "StateLocks"
    actions   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"]
    resources = [var.lock_table_arn]
  }

  statement {
    sid       = "StateKey"
    actions   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
    resources = [var.state_key_arn]
  }

  # Everything the environment's Terraform creates is named <prefix>-<env>-...: the role
  # manages those and nothing else of these services.
  statement {
    sid       = "EnvironmentResources"
    actions   = [for service in local.named_services : "${service}:*"]
    resources = ["arn:aws:*:*:*:*${var.name_prefix}-${each.key}-*"]
  }

  statement {
    sid     = "EnvironmentRoles"
    actions = ["iam:*Role*", "iam:PassRole", "iam:*RolePolicy*", "iam:TagRole", "iam:UntagRole"]
    resources = [
      "arn:aws:iam::*:role/${var.name_prefix}-${each.key}-*",
    ]
  }

  # Reads that take no resource ARN (Describe*/List*/Get* of the account), and the VPC,
  # whose resources are named by tag rather than ARN.
  statement {
    sid = "AccountReads"
    actions = [
      "ec2:Describe*", "ec2:Get*", "iam:Get*", "iam:List*", "kms:List*", "kms:Describe*",
      "lambda:List*", "lambda:Get*", "glue:Get*", "states:List*", "sns:List*", "sqs:List*",
      "logs:Describe*", "cloudwatch:Describe*", "cloudwatch:List*", "apigateway:GET",
      "cognito-idp:List*", "cognito-idp:Describe*", "rds:Describe*", "backup:List*",
      "backup:Describe*", "codedeploy:List*", "codedeploy:Get*", "sts:GetCallerIdentity",
    ]
    resources = ["*"]
  }

  statement {
    sid       = "EnvironmentNetwork"
    actions   = ["ec2:*"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:ResourceTag/Environment"
      values   = [each.key]
    }
  }

  statement {
    sid       = "TagNewNetwork"
    actions   = ["ec2:Create*", "ec2:RunInstances", "ec2:AllocateAddress"]
    resources = ["*"]

    condition {
      test     = "StringEquals"
      variable = "aws:RequestTag/Environment"
      values   = [each.key]
    }
  }
}

resource "aws_iam_role_policy" "deploy" {
  #checkov:skip=CKV_AWS_355:read-only account-level Describe/List/Get calls take no resource ARN; writes are scoped by name prefix or Environment tag
  #checkov:skip=CKV_AWS_290:ec2 writes are limited by the Environment tag condition, not by ARN (VPC resources are named by id)
  #checkov:skip=CKV_AWS_289:permissions management is limited to roles named <prefix>-<env>-*
  #checkov:skip=CKV_AWS_288:data reads are limited to the environment's named resources and the state bucket
  #checkov:skip=CKV_AWS_286:privilege escalation is bounded to the environment's own roles
  #checkov:skip=CKV_AWS_287:credentials exposure is bounded to the environment's own roles
  for_each = toset(var.environments)

  name   = "deploy-${each.key}"
  role   = aws_iam_role.deploy[each.key].id
  policy = data.aws_iam_policy_document.deploy[each.key].json
}
