mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

override_resource {
  target          = aws_s3_bucket.this
  override_during = plan
  values = {
    id  = "loyalty-test-access-logs-123456789012"
    arn = "arn:aws:s3:::loyalty-test-access-logs-123456789012"
  }
}

variables {
  bucket             = "loyalty-test-access-logs-123456789012"
  account_id         = "123456789012"
  source_bucket_arns = ["arn:aws:s3:::loyalty-test-documents-123456789012", "arn:aws:s3:::loyalty-test-artifacts-123456789012"]
}

run "private_bucket_that_only_receives_access_logs" {
  command = plan

  assert {
    condition     = aws_s3_bucket_public_access_block.this.block_public_acls && aws_s3_bucket_public_access_block.this.block_public_policy && aws_s3_bucket_public_access_block.this.ignore_public_acls && aws_s3_bucket_public_access_block.this.restrict_public_buckets
    error_message = "the log bucket blocks public access entirely"
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "AES256" && aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled" && aws_s3_bucket_ownership_controls.this.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "the log bucket is encrypted (SSE-S3, what log delivery supports), versioned, without ACLs"
  }

  assert {
    condition     = anytrue([for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s.Effect == "Deny" && try(s.Condition.Bool["aws:SecureTransport"], "") == "false"])
    error_message = "the log bucket refuses requests without TLS"
  }

  assert {
    condition = one([for s in jsondecode(aws_s3_bucket_policy.this.policy).Statement : s if s.Effect == "Allow"]) == {
      Sid       = "S3ServerAccessLogDelivery"
      Effect    = "Allow"
      Principal = { Service = "logging.s3.amazonaws.com" }
      Action    = "s3:PutObject"
      Resource  = "arn:aws:s3:::loyalty-test-access-logs-123456789012/*"
      Condition = {
        ArnLike      = { "aws:SourceArn" = ["arn:aws:s3:::loyalty-test-documents-123456789012", "arn:aws:s3:::loyalty-test-artifacts-123456789012"] }
        StringEquals = { "aws:SourceAccount" = "123456789012" }
      }
    }
    error_message = "only S3 log delivery, for the given buckets of this account, may write"
  }

  assert {
    condition     = one([for r in aws_s3_bucket_lifecycle_configuration.this.rule : one(r.expiration).days == 365 if r.id == "expire-access-logs"])
    error_message = "access logs expire"
  }
}
