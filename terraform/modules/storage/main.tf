module "key" {
  source = "../kms_key"

  name        = "${var.name_prefix}-storage"
  description = "Objects of the ${var.name_prefix} documents and artifacts buckets"
  account_id  = var.account_id

  tags = var.tags
}

# Every stage of ingestion, by prefix (docs/topology.md, "Documents bucket").
module "documents" {
  source = "../s3_bucket"

  bucket            = local.documents_bucket
  force_destroy     = var.force_destroy
  kms_key_arn       = module.key.key_arn
  access_log_bucket = module.logs.bucket
  access_log_prefix = "documents/"

  noncurrent_version_expiration_days     = var.noncurrent_version_expiration_days
  abort_incomplete_multipart_upload_days = var.abort_incomplete_multipart_upload_days
  transitions = [{
    prefix        = "archive/"
    days          = var.archive_transition_days
    storage_class = var.archive_storage_class
  }]

  tags = var.tags
}

# Glue scripts, the library wheel and the Lambda layer, under versioned keys.
module "artifacts" {
  source = "../s3_bucket"

  bucket            = local.artifacts_bucket
  force_destroy     = var.force_destroy
  kms_key_arn       = module.key.key_arn
  access_log_bucket = module.logs.bucket
  access_log_prefix = "artifacts/"

  noncurrent_version_expiration_days     = var.noncurrent_version_expiration_days
  abort_incomplete_multipart_upload_days = var.abort_incomplete_multipart_upload_days

  tags = var.tags
}

# Server access logs of both buckets.
module "logs" {
  source = "../s3_log_bucket"

  bucket             = local.log_bucket
  account_id         = var.account_id
  source_bucket_arns = [module.documents.arn, module.artifacts.arn]
  force_destroy      = var.force_destroy
  expiration_days    = var.access_log_expiration_days

  abort_incomplete_multipart_upload_days = var.abort_incomplete_multipart_upload_days

  tags = var.tags
}
