mock_provider "aws" {
  mock_data "aws_iam_policy_document" {
    defaults = {
      json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
    }
  }
}

variables {
  github_repository = "example/ai-loyalty-maximizer"
  state_bucket_arn  = "arn:aws:s3:::loyalty-terraform-state-123456789012"
  lock_table_arn    = "arn:aws:dynamodb:us-east-1:123456789012:table/loyalty-terraform-state"
  state_key_arn     = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
}

run "one_role_per_environment_trusting_only_that_github_environment" {
  command = plan

  assert {
    condition     = sort(keys(aws_iam_role.deploy)) == tolist(["dev", "prod", "staging"])
    error_message = "a deploy role per environment"
  }

  assert {
    condition     = aws_iam_role.deploy["prod"].name == "loyalty-prod-deploy"
    error_message = "roles are named <prefix>-<env>-deploy"
  }

  assert {
    condition = flatten([
      for s in data.aws_iam_policy_document.trust["prod"].statement : [
        for c in s.condition : tolist(c.values) if c.variable == "token.actions.githubusercontent.com:sub"
      ]
    ]) == ["repo:example/ai-loyalty-maximizer:environment:prod"]
    error_message = "production's role is assumable only from the prod GitHub environment"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 1
    error_message = "the OIDC provider is created by default"
  }
}

run "environment_resources_only" {
  command = plan

  assert {
    condition = one([
      for s in data.aws_iam_policy_document.deploy["staging"].statement : s.resources if s.sid == "EnvironmentResources"
    ]) == toset(["arn:aws:*:*:*:*loyalty-staging-*"])
    error_message = "a role manages only resources named for its environment"
  }

  assert {
    condition = one([
      for s in data.aws_iam_policy_document.deploy["dev"].statement : s.resources if s.sid == "StateObjects"
    ]) == toset(["arn:aws:s3:::loyalty-terraform-state-123456789012/dev/*"])
    error_message = "a role reads and writes only its environment's state"
  }
}

run "existing_oidc_provider" {
  command = plan

  variables {
    create_oidc_provider = false
    oidc_provider_arn    = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"
  }

  assert {
    condition     = length(aws_iam_openid_connect_provider.github) == 0
    error_message = "no second provider when one exists"
  }
}

run "rejects_a_bad_repository" {
  command = plan

  variables {
    github_repository = "not a repository"
  }

  expect_failures = [var.github_repository]
}
