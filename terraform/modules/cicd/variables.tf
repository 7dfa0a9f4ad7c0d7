variable "github_repository" {
  description = "GitHub repository (owner/name) whose workflows deploy, through OIDC."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$", var.github_repository))
    error_message = "github_repository must be owner/name."
  }
}

variable "environments" {
  description = "Environments with a deploy role; each role trusts only the GitHub environment of the same name."
  type        = list(string)
  default     = ["dev", "staging", "prod"]

  validation {
    condition     = length(var.environments) > 0 && alltrue([for e in var.environments : can(regex("^[a-z][a-z0-9-]{1,15}$", e))])
    error_message = "environments are short lowercase names."
  }
}

variable "name_prefix" {
  description = "Start of every resource name the platform creates; an environment's resources are <name_prefix>-<environment>-*."
  type        = string
  default     = "loyalty"
}

variable "state_bucket_arn" {
  description = "ARN of the Terraform state bucket."
  type        = string
}

variable "lock_table_arn" {
  description = "ARN of the Terraform lock table."
  type        = string
}

variable "state_key_arn" {
  description = "ARN of the KMS key that encrypts the state and the locks."
  type        = string
}

variable "create_oidc_provider" {
  description = "Create the account's GitHub OIDC provider; false when one exists (give its ARN)."
  type        = bool
  default     = true
}

variable "oidc_provider_arn" {
  description = "ARN of an existing token.actions.githubusercontent.com provider when create_oidc_provider is false."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
  default     = {}
}
