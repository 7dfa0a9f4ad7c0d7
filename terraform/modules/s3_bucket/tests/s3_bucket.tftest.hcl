mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

override_resource {
  target          = aws_s3_bucket.this
  override_during = plan
  values = {
    id  = "loyalty-test-documents-123456789012"
    arn = "arn:aws:s3:::loyalty-test-documents-123456789012"
  }
}

variables {
  bucket            = "loyalty-test-documents-123456789012"
  kms_key_arn       = "arn:aws:kms:eu-west-1:123456789012:key/storage"
  access_log_bucket = "loyalty-test-access-logs-123456789012"
  access_log_prefix = "documents/"
  transitions = [{
    prefix        = "archive/"
    days          = 30
    storage_class = "GLACIER_IR"
  }]
}

run "private_encrypted_logged_bucket" {
  command = plan

  assert {
    condition     = aws_s3_bucket.this.bucket == var.bucket && !aws_s3_bucket.this.force_destroy
    error_message = "the bucket keeps its objects on destroy unless told otherwise"
  }

  assert {
    condition     = one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].sse_algorithm == "aws:kms" && one(aws_s3_bucket_server_side_encryption_configuration.this.rule).apply_server_side_encryption_by_default[0].kms_master_key_id == var.kms_key_arn && one(aws_s3_bucket_server_side_encryption_configuration.this.rule).bucket_key_enabled
    error_message = "objects are SSE-KMS with the given key and bucket keys"
  }

  assert {
    condition     = aws_s3_bucket_public_access_block.this.block_public_acls && aws_s3_bucket_public_access_block.this.block_public_policy && aws_s3_bucket_public_access_block.this.ignore_public_acls && aws_s3_bucket_public_access_block.this.restrict_public_buckets
    error_message = "public access is blocked entirely"
  }

  assert {
    condition     = aws_s3_bucket_versioning.this.versioning_configuration[0].status == "Enabled" && aws_s3_bucket_ownership_controls.this.rule[0].object_ownership == "BucketOwnerEnforced"
    error_message = "versioned, ACLs disabled"
  }

  assert {
    condition     = aws_s3_bucket_logging.this.target_bucket == var.access_log_bucket && aws_s3_bucket_logging.this.target_prefix == "documents/"
    error_message = "access logs go to the log bucket under the bucket's prefix"
  }

  assert {
    condition = jsondecode(aws_s3_bucket_policy.this.policy).Statement == [{
      Sid       = "DenyInsecureTransport"
      Effect    = "Deny"
      Principal = { AWS = "*" }
      Action    = "s3:*"
      Resource  = ["arn:aws:s3:::loyalty-test-documents-123456789012", "arn:aws:s3:::loyalty-test-documents-123456789012/*"]
      Condition = { Bool = { "aws:SecureTransport" = "false" } }
    }]
    error_message = "the policy only refuses requests without TLS"
  }

  assert {
    condition     = one([for r in aws_s3_bucket_lifecycle_configuration.this.rule : one(r.noncurrent_version_expiration).noncurrent_days == 90 && one(r.abort_incomplete_multipart_upload).days_after_initiation == 7 if r.id == "expire-noncurrent-versions"])
    error_message = "noncurrent versions expire and unfinished uploads are aborted"
  }

  assert {
    condition     = one([for r in aws_s3_bucket_lifecycle_configuration.this.rule : one(r.filter).prefix == "archive/" && one(r.transition).storage_class == "GLACIER_IR" && one(r.transition).days == 30 if r.id == "transition-archive"])
    error_message = "objects under a transition's prefix move to its storage class"
  }
}

run "rejects_an_unknown_storage_class" {
  command = plan

  variables {
    transitions = [{ prefix = "archive/", days = 30, storage_class = "FROZEN" }]
  }

  expect_failures = [var.transitions]
}
