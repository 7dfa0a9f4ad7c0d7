mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan

  override_resource {
    target          = module.key.aws_kms_key.this
    override_during = plan
    values = {
      arn = "arn:aws:kms:eu-west-1:123456789012:key/profiles"
    }
  }
}

variables {
  name_prefix = "loyalty-test"
  account_id  = "123456789012"
}

run "tables_follow_the_topology" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.profiles.name == "loyalty-test-profiles" && aws_dynamodb_table.profiles.hash_key == "pk" && aws_dynamodb_table.profiles.range_key == "sk"
    error_message = "the profiles table is <prefix>-profiles keyed by pk/sk"
  }

  assert {
    condition     = toset([for a in aws_dynamodb_table.profiles.attribute : "${a.name}:${a.type}"]) == toset(["pk:S", "sk:S"])
    error_message = "pk and sk are strings"
  }

  assert {
    condition     = aws_dynamodb_table.profiles.ttl[0].attribute_name == "expiresAt" && aws_dynamodb_table.profiles.ttl[0].enabled
    error_message = "conversations and turns expire by expiresAt"
  }

  assert {
    condition     = aws_dynamodb_table.idempotency.name == "loyalty-test-idempotency" && aws_dynamodb_table.idempotency.hash_key == "id" && aws_dynamodb_table.idempotency.ttl[0].attribute_name == "expiration"
    error_message = "the idempotency table follows Powertools' default schema"
  }

  assert {
    condition     = alltrue([for t in [aws_dynamodb_table.profiles, aws_dynamodb_table.idempotency] : t.point_in_time_recovery[0].enabled])
    error_message = "point-in-time recovery must be on for both tables"
  }

  assert {
    condition     = alltrue([for t in [aws_dynamodb_table.profiles, aws_dynamodb_table.idempotency] : t.server_side_encryption[0].enabled && t.server_side_encryption[0].kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/profiles"])
    error_message = "both tables must be encrypted with the customer managed key"
  }

  assert {
    condition     = alltrue([for t in [aws_dynamodb_table.profiles, aws_dynamodb_table.idempotency] : t.billing_mode == "PAY_PER_REQUEST" && t.deletion_protection_enabled])
    error_message = "tables are on demand and protected from deletion by default"
  }
}

run "dev_tables_can_be_deleted" {
  command = plan

  variables {
    deletion_protection = false
  }

  assert {
    condition     = !aws_dynamodb_table.profiles.deletion_protection_enabled && !aws_dynamodb_table.idempotency.deletion_protection_enabled
    error_message = "deletion protection follows the variable"
  }
}
