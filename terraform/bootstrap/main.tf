provider "aws" {
  region = var.region

  default_tags {
    tags = {
      Project     = "ai-loyalty-maximizer"
      Environment = "shared"
      ManagedBy   = "terraform"
    }
  }
}

data "aws_caller_identity" "current" {}

locals {
  account_id   = data.aws_caller_identity.current.account_id
  state_bucket = "${var.name}-${local.account_id}"
}

module "key" {
  source = "../modules/kms_key"

  name        = var.name
  description = "Terraform state and locks of the loyalty maximizer"
  account_id  = local.account_id
}

# Versioned, so an overwritten state can be recovered.
module "state_bucket" {
  source = "../modules/s3_bucket"

  bucket            = local.state_bucket
  kms_key_arn       = module.key.key_arn
  access_log_bucket = module.access_logs.bucket
  access_log_prefix = "state/"

  noncurrent_version_expiration_days = 365
}

module "access_logs" {
  source = "../modules/s3_log_bucket"

  bucket             = "${local.state_bucket}-access-logs"
  account_id         = local.account_id
  source_bucket_arns = [module.state_bucket.arn]
}

resource "aws_dynamodb_table" "locks" {
  name                        = var.name
  billing_mode                = "PAY_PER_REQUEST"
  hash_key                    = "LockID"
  deletion_protection_enabled = true

  attribute {
    name = "LockID"
    type = "S"
  }

  point_in_time_recovery {
    enabled = true
  }

  server_side_encryption {
    enabled     = true
    kms_key_arn = module.key.key_arn
  }
}
