variable "name_prefix" {
  description = "Prefix of every name, loyalty-<env>."
  type        = string
}

variable "account_id" {
  description = "AWS account id, for the graph key and IAM ARNs."
  type        = string
}

variable "create_cluster" {
  description = "Create the Neptune cluster; false where a Neptune-compatible endpoint is given instead (the local cloud)."
  type        = bool
  default     = true
}

variable "endpoint_override" {
  description = "Graph endpoint the functions use instead of the cluster's (http://127.0.0.1:8182 in the local cloud); required without a cluster."
  type        = string
  default     = null

  validation {
    condition     = var.create_cluster || var.endpoint_override != null
    error_message = "endpoint_override is required when create_cluster is false."
  }
}

variable "subnet_ids" {
  description = "Private subnets of the cluster (at least two availability zones)."
  type        = list(string)
  default     = []

  validation {
    condition     = !var.create_cluster || length(var.subnet_ids) >= 2
    error_message = "a Neptune cluster needs subnet_ids in at least two availability zones."
  }
}

variable "security_group_ids" {
  description = "Security groups of the cluster."
  type        = list(string)
  default     = []
}

variable "engine_version" {
  description = "Neptune engine version; the cluster parameter group family follows its first two numbers."
  type        = string
  default     = "1.4.4.0"

  validation {
    condition     = can(regex("^1\\.[3-9]\\.[0-9]+\\.[0-9]+$", var.engine_version))
    error_message = "engine_version must be a Neptune 1.3 or later version such as 1.4.4.0 (openCypher with the features the queries use)."
  }
}

variable "instance_class" {
  description = "Instance class of the cluster's instances."
  type        = string
  default     = "db.r6g.large"
}

variable "instance_count" {
  description = "Number of instances: one writer, the rest readers in other availability zones."
  type        = number
  default     = 1

  validation {
    condition     = var.instance_count >= 1 && var.instance_count <= 16
    error_message = "instance_count must be between 1 and 16."
  }
}

variable "backup_retention_period" {
  description = "Days automated backups are kept."
  type        = number
  default     = 7

  validation {
    condition     = var.backup_retention_period >= 7 && var.backup_retention_period <= 35
    error_message = "backup_retention_period must be between 7 and 35 days."
  }
}

variable "preferred_backup_window" {
  description = "Daily UTC window of automated backups."
  type        = string
  default     = "02:00-03:00"
}

variable "deletion_protection" {
  description = "Refuse to delete the cluster."
  type        = bool
  default     = true
}

variable "skip_final_snapshot" {
  description = "Delete the cluster without a final snapshot; allowed only without deletion protection."
  type        = bool
  default     = false

  validation {
    condition     = !(var.skip_final_snapshot && var.deletion_protection)
    error_message = "skip_final_snapshot may be true only when deletion_protection is false."
  }
}

variable "apply_immediately" {
  description = "Apply modifications now instead of in the maintenance window."
  type        = bool
  default     = false
}

variable "documents_bucket_arn" {
  description = "ARN of the documents bucket whose neptune-load/ prefix the bulk loader reads."
  type        = string
}

variable "documents_kms_key_arn" {
  description = "KMS key encrypting the documents bucket; the loader decrypts with it."
  type        = string
}

variable "log_kms_key_arn" {
  description = "KMS key encrypting the audit log group."
  type        = string
}

variable "log_retention_days" {
  description = "Days the audit logs are kept."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
