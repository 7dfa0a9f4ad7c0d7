mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  name        = "loyalty-test-runtime"
  description = "test key"
  account_id  = "123456789012"
}

run "key_rotates_and_is_administered_by_the_account" {
  command = plan

  assert {
    condition     = aws_kms_key.this.enable_key_rotation && aws_kms_alias.this.name == "alias/loyalty-test-runtime"
    error_message = "the key must rotate and carry its alias"
  }

  assert {
    condition     = jsondecode(aws_kms_key.this.policy).Statement == [{ Sid = "AccountAdministersThroughIam", Effect = "Allow", Principal = { AWS = "arn:aws:iam::123456789012:root" }, Action = "kms:*", Resource = "*" }]
    error_message = "without services the policy only delegates to the account's IAM"
  }
}

run "services_and_logs_are_scoped_to_the_account" {
  command = plan

  variables {
    service_principals    = ["cloudwatch.amazonaws.com"]
    allow_cloudwatch_logs = true
  }

  assert {
    condition     = one([for s in jsondecode(aws_kms_key.this.policy).Statement : s.Condition.StringEquals["aws:SourceAccount"] if s.Sid == "ServicesEncryptForThisAccount"]) == "123456789012"
    error_message = "services may use the key only for this account"
  }

  assert {
    condition     = one([for s in jsondecode(aws_kms_key.this.policy).Statement : s.Principal.Service if s.Sid == "CloudWatchLogsEncryptsLogGroups"]) == "logs.eu-west-1.amazonaws.com"
    error_message = "the regional CloudWatch Logs principal must be allowed"
  }

  assert {
    condition     = one([for s in jsondecode(aws_kms_key.this.policy).Statement : s.Condition.ArnLike["kms:EncryptionContext:aws:logs:arn"] if s.Sid == "CloudWatchLogsEncryptsLogGroups"]) == "arn:aws:logs:eu-west-1:123456789012:log-group:*"
    error_message = "CloudWatch Logs may use the key only for this account's log groups"
  }
}

run "rejects_a_short_deletion_window" {
  command = plan

  variables {
    deletion_window_in_days = 3
  }

  expect_failures = [var.deletion_window_in_days]
}
