variable "name" {
  description = "Name of the key; its alias is alias/<name>."
  type        = string
}

variable "description" {
  description = "What the key encrypts."
  type        = string
}

variable "account_id" {
  description = "AWS account id that owns the key; its root principal administers it through IAM."
  type        = string
}

variable "deletion_window_in_days" {
  description = "Days a scheduled deletion waits before the key is destroyed."
  type        = number
  default     = 30

  validation {
    condition     = var.deletion_window_in_days >= 7 && var.deletion_window_in_days <= 30
    error_message = "deletion_window_in_days must be between 7 and 30."
  }
}

variable "service_principals" {
  description = "AWS service principals (e.g. cloudwatch.amazonaws.com) allowed to use the key for data encryption on behalf of this account."
  type        = list(string)
  default     = []
}

variable "allow_cloudwatch_logs" {
  description = "Let CloudWatch Logs encrypt this account's log groups in this region with the key."
  type        = bool
  default     = false
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
