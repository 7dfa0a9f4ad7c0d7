provider "aws" {
  region              = var.region
  allowed_account_ids = length(var.allowed_account_ids) > 0 ? var.allowed_account_ids : null

  default_tags {
    tags = {
      Project     = "ai-loyalty-maximizer"
      Environment = "staging"
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

  environment          = "staging"
  account_id           = data.aws_caller_identity.current.account_id
  artifacts_dir        = coalesce(var.artifacts_dir, "${local.repository}/build/artifacts")
  reference_facts_file = coalesce(var.reference_facts_file, "${local.repository}/samples/knowledge/reference.jsonl")
  log_retention_days   = var.log_retention_days
  email_subscriptions  = var.email_subscriptions

  # Production's shape at a smaller size.
  deletion_protection    = true
  neptune_instance_class = "db.r6g.large"
  neptune_instance_count = 1

  model_provider   = var.model_provider
  bedrock_model_id = var.bedrock_model_id
}
