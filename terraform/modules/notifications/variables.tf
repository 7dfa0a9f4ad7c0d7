variable "name_prefix" {
  description = "Prefix of every name, loyalty-<env>."
  type        = string
}

variable "account_id" {
  description = "AWS account id that owns the topics' KMS key."
  type        = string
}

variable "email_subscriptions" {
  description = "E-mail addresses subscribed to a topic, by topic: curator, traveller or operations."
  type        = map(list(string))
  default     = {}

  validation {
    condition     = alltrue([for topic in keys(var.email_subscriptions) : contains(["curator", "traveller", "operations"], topic)])
    error_message = "email_subscriptions keys must be curator, traveller or operations."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
