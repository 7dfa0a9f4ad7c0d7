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

# The deploy roles of the CI/CD pipeline (GitHub OIDC), when a repository is given.
module "cicd" {
  source = "../modules/cicd"
  count  = var.github_repository == null ? 0 : 1

  github_repository    = var.github_repository
  environments         = var.deploy_environments
  state_bucket_arn     = module.state_bucket.arn
  lock_table_arn       = aws_dynamodb_table.locks.arn
  state_key_arn        = module.key.key_arn
  create_oidc_provider = var.github_oidc_provider_arn == null
  oidc_provider_arn    = var.github_oidc_provider_arn
}
