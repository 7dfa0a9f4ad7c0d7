mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan

  override_resource {
    target          = module.key.aws_kms_key.this
    override_during = plan
    values = {
      arn = "arn:aws:kms:eu-west-1:123456789012:key/notifications"
    }
  }
}

override_resource {
  target          = aws_sns_topic.this["textract_completion"]
  override_during = plan
  values = {
    arn = "arn:aws:sns:eu-west-1:123456789012:loyalty-test-textract-completion"
  }
}

variables {
  name_prefix = "loyalty-test"
  account_id  = "123456789012"
  email_subscriptions = {
    operations = ["ops@example.com"]
  }
}

run "topics_are_named_and_encrypted" {
  command = plan

  assert {
    condition     = toset([for t in aws_sns_topic.this : t.name]) == toset(["loyalty-test-curator", "loyalty-test-traveller", "loyalty-test-operations", "loyalty-test-textract-completion"])
    error_message = "the four topics are named after the prefix"
  }

  assert {
    condition     = alltrue([for t in aws_sns_topic.this : t.kms_master_key_id == "arn:aws:kms:eu-west-1:123456789012:key/notifications"])
    error_message = "every topic must be encrypted with the notifications key"
  }

  assert {
    condition     = jsondecode(aws_iam_role.textract.assume_role_policy).Statement[0].Principal.Service == "textract.amazonaws.com" && jsondecode(aws_iam_role.textract.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    error_message = "only Textract, for this account, may assume the publisher role"
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.textract.policy).Statement : s.Resource if s.Action == "sns:Publish"]) == "arn:aws:sns:eu-west-1:123456789012:loyalty-test-textract-completion"
    error_message = "Textract may publish only to the completion topic"
  }

  assert {
    condition     = aws_sns_topic_subscription.email["operations:ops@example.com"].protocol == "email" && aws_sns_topic_subscription.email["operations:ops@example.com"].endpoint == "ops@example.com"
    error_message = "e-mail subscriptions are made per topic and address"
  }
}

run "rejects_a_subscription_to_an_internal_topic" {
  command = plan

  variables {
    email_subscriptions = {
      textract_completion = ["someone@example.com"]
    }
  }

  expect_failures = [var.email_subscriptions]
}
