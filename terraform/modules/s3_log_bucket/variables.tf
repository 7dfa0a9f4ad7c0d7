variable "bucket" {
  description = "Name of the access-log bucket."
  type        = string
}

variable "account_id" {
  description = "AWS account id whose buckets may deliver access logs here."
  type        = string
}

variable "source_bucket_arns" {
  description = "ARNs of the buckets whose server access logs this bucket receives."
  type        = list(string)
}

variable "force_destroy" {
  description = "Let terraform destroy the bucket while it still holds logs (dev and local only)."
  type        = bool
  default     = false
}

variable "expiration_days" {
  description = "Days access logs are kept."
  type        = number
  default     = 365
}

variable "abort_incomplete_multipart_upload_days" {
  description = "Days after which an unfinished multipart upload is aborted."
  type        = number
  default     = 7
}

variable "tags" {
  description = "Tags added to the bucket."
  type        = map(string)
  default     = {}
}
