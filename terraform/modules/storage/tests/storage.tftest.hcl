mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan

  override_resource {
    target          = module.key.aws_kms_key.this
    override_during = plan
    values = {
      arn = "arn:aws:kms:eu-west-1:123456789012:key/storage"
    }
  }
}

override_resource {
  target          = module.documents.aws_s3_bucket.this
  override_during = plan
  values = {
    id  = "loyalty-test-documents-123456789012"
    arn = "arn:aws:s3:::loyalty-test-documents-123456789012"
  }
}

override_resource {
  target          = module.artifacts.aws_s3_bucket.this
  override_during = plan
  values = {
    id  = "loyalty-test-artifacts-123456789012"
    arn = "arn:aws:s3:::loyalty-test-artifacts-123456789012"
  }
}

override_resource {
  target          = module.logs.aws_s3_bucket.this
  override_during = plan
  values = {
    id  = "loyalty-test-access-logs-123456789012"
    arn = "arn:aws:s3:::loyalty-test-access-logs-123456789012"
  }
}

variables {
  name_prefix = "loyalty-test"
  account_id  = "123456789012"
}

run "buckets_named_after_prefix_and_account" {
  command = plan

  assert {
    condition     = output.documents_bucket_name == "loyalty-test-documents-123456789012" && output.artifacts_bucket_name == "loyalty-test-artifacts-123456789012" && output.log_bucket_name == "loyalty-test-access-logs-123456789012"
    error_message = "bucket names must be <prefix>-documents|artifacts|access-logs-<account>"
  }

  assert {
    condition     = output.kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/storage"
    error_message = "the buckets' key is the storage module's own key"
  }

  assert {
    condition     = output.documents_bucket_arn == "arn:aws:s3:::loyalty-test-documents-123456789012" && output.artifacts_bucket_arn == "arn:aws:s3:::loyalty-test-artifacts-123456789012"
    error_message = "the outputs name the two data buckets"
  }

  assert {
    condition     = length(aws_s3_bucket_replication_configuration.documents) == 0 && output.replication_role_arn == null
    error_message = "replication is off unless switched on"
  }
}

run "replication_for_prod" {
  command = plan

  variables {
    replication_enabled                 = true
    replication_destination_bucket_arn  = "arn:aws:s3:::loyalty-prod-documents-replica"
    replication_destination_kms_key_arn = "arn:aws:kms:eu-central-1:123456789012:key/replica"
  }

  assert {
    condition     = aws_s3_bucket_replication_configuration.documents[0].bucket == "loyalty-test-documents-123456789012" && aws_s3_bucket_replication_configuration.documents[0].rule[0].destination[0].bucket == "arn:aws:s3:::loyalty-prod-documents-replica"
    error_message = "the documents bucket must replicate to the destination bucket"
  }

  assert {
    condition     = aws_s3_bucket_replication_configuration.documents[0].rule[0].destination[0].encryption_configuration[0].replica_kms_key_id == "arn:aws:kms:eu-central-1:123456789012:key/replica" && aws_s3_bucket_replication_configuration.documents[0].rule[0].source_selection_criteria[0].sse_kms_encrypted_objects[0].status == "Enabled"
    error_message = "KMS-encrypted objects replicate and replicas are encrypted with the destination key"
  }

  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.replication[0].policy).Statement : s.Resource])) == toset([
      "arn:aws:s3:::loyalty-test-documents-123456789012",
      "arn:aws:s3:::loyalty-test-documents-123456789012/*",
      "arn:aws:s3:::loyalty-prod-documents-replica/*",
      "arn:aws:kms:eu-west-1:123456789012:key/storage",
      "arn:aws:kms:eu-central-1:123456789012:key/replica",
    ])
    error_message = "the replication role may touch only the source, the destination and their keys"
  }
}

run "rejects_invalid_inputs" {
  command = plan

  variables {
    replication_enabled   = true
    archive_storage_class = "FROZEN"
  }

  expect_failures = [
    var.replication_destination_bucket_arn,
    var.replication_destination_kms_key_arn,
    var.archive_storage_class,
  ]
}
