variable "name_prefix" {
  description = "Prefix of every name, loyalty-<env>."
  type        = string
}

variable "account_id" {
  description = "AWS account id; bucket names end with it to be globally unique."
  type        = string
}

variable "force_destroy" {
  description = "Let terraform destroy buckets that still hold objects (dev and local only)."
  type        = bool
  default     = false
}

variable "noncurrent_version_expiration_days" {
  description = "Days an overwritten or deleted object version is kept."
  type        = number
  default     = 90
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which an unfinished multipart upload is aborted."
  type        = number
  default     = 7
}

variable "archive_transition_days" {
  description = "Days after which objects under archive/ move to the archive storage class."
  type        = number
  default     = 30
}

variable "archive_storage_class" {
  description = "Storage class of ingested source files under archive/."
  type        = string
  default     = "GLACIER_IR"

  validation {
    condition     = contains(["STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER_IR", "GLACIER", "DEEP_ARCHIVE"], var.archive_storage_class)
    error_message = "archive_storage_class must be one of STANDARD_IA, ONEZONE_IA, INTELLIGENT_TIERING, GLACIER_IR, GLACIER, DEEP_ARCHIVE."
  }
}

variable "access_log_expiration_days" {
  description = "Days server access logs are kept."
  type        = number
  default     = 365
}

variable "replication_enabled" {
  description = "Replicate the documents bucket to another bucket (prod: a bucket in another region)."
  type        = bool
  default     = false
}

variable "replication_destination_bucket_arn" {
  description = "ARN of the versioned bucket replicas go to; required when replication_enabled."
  type        = string
  default     = null

  validation {
    condition     = !var.replication_enabled || var.replication_destination_bucket_arn != null
    error_message = "replication_destination_bucket_arn is required when replication_enabled is true."
  }
}

variable "replication_destination_kms_key_arn" {
  description = "KMS key in the destination region that encrypts the replicas; required when replication_enabled."
  type        = string
  default     = null

  validation {
    condition     = !var.replication_enabled || var.replication_destination_kms_key_arn != null
    error_message = "replication_destination_kms_key_arn is required when replication_enabled is true."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
