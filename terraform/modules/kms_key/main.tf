data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name

  root_statement = {
    Sid       = "AccountAdministersThroughIam"
    Effect    = "Allow"
    Principal = { AWS = "arn:${local.partition}:iam::${var.account_id}:root" }
    Action    = "kms:*"
    Resource  = "*"
  }

  service_statements = length(var.service_principals) == 0 ? [] : [{
    Sid       = "ServicesEncryptForThisAccount"
    Effect    = "Allow"
    Principal = { Service = var.service_principals }
    Action    = ["kms:Decrypt", "kms:GenerateDataKey*"]
    Resource  = "*"
    Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
  }]

  logs_statements = var.allow_cloudwatch_logs ? [{
    Sid       = "CloudWatchLogsEncryptsLogGroups"
    Effect    = "Allow"
    Principal = { Service = "logs.${local.region}.amazonaws.com" }
    Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
    Resource  = "*"
    Condition = {
      ArnLike = {
        "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${local.region}:${var.account_id}:log-group:*"
      }
    }
  }] : []

  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = concat([local.root_statement], local.service_statements, local.logs_statements)
  })
}

resource "aws_kms_key" "this" {
  description             = var.description
  enable_key_rotation     = true
  deletion_window_in_days = var.deletion_window_in_days
  policy                  = local.policy

  tags = merge(var.tags, { Name = var.name })
}

resource "aws_kms_alias" "this" {
  name          = "alias/${var.name}"
  target_key_id = aws_kms_key.this.key_id
}
