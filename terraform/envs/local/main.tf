# Every AWS service the configuration uses is called at the local cloud with fake
# credentials; nothing here reaches AWS.
provider "aws" {
  #checkov:skip=CKV_AWS_41:"test"/"test" are the local cloud's fake credentials, not an AWS access key
  region     = var.region
  access_key = "test"
  secret_key = "test"

  skip_credentials_validation = true
  # The account id comes from the local cloud's STS: the provider needs it to build ARNs
  # (Glue tags are read by job ARN) and to tell its own security groups from another
  # account's in rule references.
  skip_requesting_account_id = false
  skip_metadata_api_check    = true
  s3_use_path_style          = true

  endpoints {
    apigatewayv2   = var.endpoint
    cloudwatch     = var.endpoint
    cloudwatchlogs = var.endpoint
    cognitoidp     = var.endpoint
    dynamodb       = var.endpoint
    ec2            = var.endpoint
    glue           = var.endpoint
    iam            = var.endpoint
    kms            = var.endpoint
    lambda         = var.endpoint
    neptune        = var.endpoint
    s3             = var.endpoint
    sfn            = var.endpoint
    sns            = var.endpoint
    sqs            = var.endpoint
    sts            = var.endpoint
  }

  default_tags {
    tags = {
      Project     = "ai-loyalty-maximizer"
      Environment = "local"
      ManagedBy   = "terraform"
    }
  }
}

locals {
  repository = "${path.root}/../../.."
}

# The same platform as in AWS; only what cannot exist in the local cloud is switched off:
# Neptune (the local cloud serves its own endpoint), VPC endpoints and flow logs, Cognito's
# paid threat protection, deletion protection.
module "platform" {
  source = "../../modules/platform"

  environment          = "local"
  account_id           = var.account_id
  artifacts_dir        = coalesce(var.artifacts_dir, "${local.repository}/build/artifacts")
  reference_facts_file = coalesce(var.reference_facts_file, "${local.repository}/samples/knowledge/reference.jsonl")
  log_retention_days   = 7

  create_neptune_cluster    = false
  neptune_endpoint_override = var.neptune_endpoint
  enable_vpc_endpoints      = false
  enable_flow_logs          = false

  deletion_protection            = false
  force_destroy_buckets          = true
  cognito_advanced_security_mode = "OFF"

  model_provider  = var.model_provider
  openai_base_url = var.openai_base_url
}
