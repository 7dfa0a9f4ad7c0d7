provider "aws" {
  region              = var.region
  allowed_account_ids = length(var.allowed_account_ids) > 0 ? var.allowed_account_ids : null

  default_tags {
    tags = {
      Project     = "ai-loyalty-maximizer"
      Environment = "prod"
      ManagedBy   = "terraform"
      Release     = var.release
    }
  }
}

data "aws_caller_identity" "current" {}

locals {
  repository = "${path.root}/../../.."
}

module "platform" {
  source = "../../modules/platform"

  environment          = "prod"
  account_id           = data.aws_caller_identity.current.account_id
  artifacts_dir        = coalesce(var.artifacts_dir, "${local.repository}/build/artifacts")
  reference_facts_file = coalesce(var.reference_facts_file, "${local.repository}/samples/knowledge/reference.jsonl")
  log_retention_days   = var.log_retention_days
  email_subscriptions  = var.email_subscriptions

  deletion_protection             = true
  neptune_instance_class          = var.neptune_instance_class
  neptune_instance_count          = var.neptune_instance_count
  neptune_backup_retention_period = 14

  # Documents are replicated to a bucket in another region (see terraform/README.md).
  replication_enabled                 = true
  replication_destination_bucket_arn  = var.replication_destination_bucket_arn
  replication_destination_kms_key_arn = var.replication_destination_kms_key_arn

  model_provider   = var.model_provider
  bedrock_model_id = var.bedrock_model_id
}
