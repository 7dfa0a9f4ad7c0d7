variable "environment" {
  description = "Environment name: local, dev, staging or prod; names start with loyalty-<environment>."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,15}$", var.environment))
    error_message = "environment must be 2-16 lowercase letters, digits or '-', starting with a letter."
  }
}

variable "account_id" {
  description = "AWS account id the environment is deployed to."
  type        = string

  validation {
    condition     = can(regex("^[0-9]{12}$", var.account_id))
    error_message = "account_id must be 12 digits."
  }
}

variable "artifacts_dir" {
  description = "Directory built by scripts/package.py (layer.zip, functions/, glue/, manifest.json)."
  type        = string
}

variable "reference_facts_file" {
  description = "Reference facts JSONL uploaded under reference/ of the documents bucket; null leaves reference/ to the operator."
  type        = string
  default     = null
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps every log group of the environment."
  type        = number
  default     = 30
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL of every function."
  type        = string
  default     = "INFO"
}

variable "deletion_protection" {
  description = "Protect the user pool, the tables and the Neptune cluster from deletion."
  type        = bool
  default     = true
}

variable "force_destroy_buckets" {
  description = "Let terraform destroy buckets that still hold objects (dev and local only)."
  type        = bool
  default     = false
}

variable "replication_enabled" {
  description = "Replicate the documents bucket (prod)."
  type        = bool
  default     = false
}

variable "replication_destination_bucket_arn" {
  description = "Versioned bucket, usually in another region, the documents are replicated to."
  type        = string
  default     = null
}

variable "replication_destination_kms_key_arn" {
  description = "KMS key in the destination region that encrypts the replicas."
  type        = string
  default     = null
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC."
  type        = string
  default     = "10.40.0.0/16"
}

variable "az_count" {
  description = "Availability zones with a private subnet."
  type        = number
  default     = 2
}

variable "enable_vpc_endpoints" {
  description = "Create the VPC endpoints the private functions reach AWS through (off in the local cloud)."
  type        = bool
  default     = true
}

variable "enable_flow_logs" {
  description = "Record the VPC's traffic."
  type        = bool
  default     = true
}

variable "create_neptune_cluster" {
  description = "Create the Neptune cluster (false in the local cloud, which serves its own endpoint)."
  type        = bool
  default     = true
}

variable "neptune_endpoint_override" {
  description = "Graph endpoint used instead of the cluster's; required without a cluster."
  type        = string
  default     = null
}

variable "neptune_instance_class" {
  description = "Instance class of the Neptune instances."
  type        = string
  default     = "db.r6g.large"
}

variable "neptune_instance_count" {
  description = "Neptune instances: one writer, the rest readers."
  type        = number
  default     = 1
}

variable "neptune_backup_retention_period" {
  description = "Days Neptune keeps automated backups (at least 7)."
  type        = number
  default     = 7
}

variable "neptune_skip_final_snapshot" {
  description = "Delete the cluster without a final snapshot (only without deletion protection)."
  type        = bool
  default     = false
}

variable "cognito_advanced_security_mode" {
  description = "Cognito threat protection: OFF, AUDIT or ENFORCED (the last two on the PLUS plan)."
  type        = string
  default     = "ENFORCED"
}

variable "cognito_mfa_configuration" {
  description = "Cognito MFA: OFF, OPTIONAL or ON."
  type        = string
  default     = "OPTIONAL"
}

variable "model_provider" {
  description = "Model behind the agent: offline, bedrock or openai."
  type        = string
  default     = "bedrock"
}

variable "bedrock_model_id" {
  description = "The Bedrock foundation model the agent may invoke."
  type        = string
  default     = "anthropic.claude-3-5-sonnet-20240620-v1:0"
}

variable "openai_base_url" {
  description = "Base URL of an OpenAI-compatible endpoint when model_provider is openai."
  type        = string
  default     = ""
}

variable "api_throttling_burst_limit" {
  description = "Burst of requests the conversation API accepts."
  type        = number
  default     = 50
}

variable "api_throttling_rate_limit" {
  description = "Steady-state requests per second the conversation API accepts."
  type        = number
  default     = 20
}

variable "cors_allow_origins" {
  description = "Browser origins allowed to call the API."
  type        = list(string)
  default     = []
}

variable "glue_worker_type" {
  description = "Worker type of the Glue jobs."
  type        = string
  default     = "G.1X"
}

variable "glue_number_of_workers" {
  description = "Workers per Glue job run."
  type        = number
  default     = 2
}

variable "email_subscriptions" {
  description = "E-mail addresses subscribed to the curator, traveller or operations topic."
  type        = map(list(string))
  default     = {}
}

variable "tags" {
  description = "Tags added to every taggable resource (on top of the provider's default tags)."
  type        = map(string)
  default     = {}
}
