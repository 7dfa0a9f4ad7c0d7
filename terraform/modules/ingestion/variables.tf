variable "name_prefix" {
  description = "Prefix of every name, loyalty-<env>."
  type        = string
}

variable "environment" {
  description = "Environment name the functions see as ENVIRONMENT."
  type        = string
}

variable "account_id" {
  description = "AWS account id, for trust conditions and permission source accounts."
  type        = string
}

variable "artifacts_dir" {
  description = "Directory built by scripts/package.py: functions/<folder>.zip, glue/..., manifest.json."
  type        = string
}

variable "layer_arns" {
  description = "Layer version ARNs every function loads (the library layer)."
  type        = list(string)
}

variable "runtime_kms_key_arn" {
  description = "KMS key for the functions' logs, environment and dead-letter queues, the state machine's logs and the Glue logs and bookmarks."
  type        = string
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the functions', the state machine's logs."
  type        = number
  default     = 30
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL of the functions."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
  }
}

variable "documents_bucket_name" {
  description = "Name of the documents bucket."
  type        = string
}

variable "documents_bucket_arn" {
  description = "ARN of the documents bucket."
  type        = string
}

variable "artifacts_bucket_name" {
  description = "Name of the artifacts bucket the Glue scripts and wheel are uploaded to."
  type        = string
}

variable "artifacts_bucket_arn" {
  description = "ARN of the artifacts bucket."
  type        = string
}

variable "storage_kms_key_arn" {
  description = "KMS key of the documents and artifacts buckets."
  type        = string
}

variable "idempotency_table_name" {
  description = "Name of the Powertools idempotency table of the trigger."
  type        = string
}

variable "idempotency_table_arn" {
  description = "ARN of the idempotency table."
  type        = string
}

variable "tables_kms_key_arn" {
  description = "KMS key of the DynamoDB tables."
  type        = string
}

variable "curator_topic_arn" {
  description = "ARN of the curator topic."
  type        = string
}

variable "traveller_topic_arn" {
  description = "ARN of the traveller topic."
  type        = string
}

variable "textract_topic_arn" {
  description = "ARN of the topic Textract publishes job completion to."
  type        = string
}

variable "textract_role_arn" {
  description = "ARN of the role Textract assumes to publish to the completion topic."
  type        = string
}

variable "notifications_kms_key_arn" {
  description = "KMS key of the SNS topics."
  type        = string
}

variable "neptune_endpoint" {
  description = "Graph endpoint (NEPTUNE_ENDPOINT)."
  type        = string
}

variable "neptune_loader_role_arn" {
  description = "Role the Neptune bulk loader assumes (NEPTUNE_LOADER_ROLE_ARN)."
  type        = string
}

variable "neptune_data_resource_arn" {
  description = "neptune-db resource ARN (arn:...:neptune-db:<region>:<account>:<cluster resource id>/*) the loader actions are scoped to."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the functions that reach Neptune; empty keeps them outside a VPC."
  type        = list(string)
  default     = []
}

variable "security_group_ids" {
  description = "Security groups of the functions that reach Neptune."
  type        = list(string)
  default     = []
}

variable "max_document_bytes" {
  description = "Largest document accepted for ingestion (MAX_DOCUMENT_BYTES, the extract job's --max-bytes)."
  type        = number
  default     = 5000000
}

variable "reference_facts_file" {
  description = "JSONL file of reference facts (programs, airlines, alliances, airports) uploaded under reference/; null leaves reference/ to the operator."
  type        = string
  default     = null
}

variable "glue_worker_type" {
  description = "Worker type of both Glue jobs."
  type        = string
  default     = "G.1X"
}

variable "glue_number_of_workers" {
  description = "Workers per Glue job run."
  type        = number
  default     = 2

  validation {
    condition     = var.glue_number_of_workers >= 2
    error_message = "glue_number_of_workers must be at least 2 (a driver and an executor)."
  }
}

variable "glue_timeout_minutes" {
  description = "Timeout of a Glue job run, in minutes."
  type        = number
  default     = 60
}

variable "extract_max_concurrent_runs" {
  description = "Extract job runs at once (one per document being ingested)."
  type        = number
  default     = 10
}

variable "tags" {
  description = "Tags added to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
