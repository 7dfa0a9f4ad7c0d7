variable "name_prefix" {
  description = "Prefix of every name, loyalty-<env>."
  type        = string
}

variable "account_id" {
  description = "AWS account id that owns the tables' KMS key."
  type        = string
}

variable "deletion_protection" {
  description = "Refuse to delete the tables (every environment but dev and local)."
  type        = bool
  default     = true
}

variable "tags" {
  description = "Tags added to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
