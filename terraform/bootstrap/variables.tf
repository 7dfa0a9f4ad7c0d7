variable "region" {
  description = "Region of the state bucket and lock table."
  type        = string
  default     = "us-east-1"
}

variable "name" {
  description = "Name of the lock table and start of the state bucket's name (<name>-<account id>)."
  type        = string
  default     = "loyalty-terraform-state"
}

variable "github_repository" {
  description = "GitHub repository (owner/name) allowed to deploy through OIDC; null creates no deploy roles."
  type        = string
  default     = null
}

variable "deploy_environments" {
  description = "Environments that get a deploy role."
  type        = list(string)
  default     = ["dev", "staging", "prod"]
}

variable "github_oidc_provider_arn" {
  description = "ARN of the account's existing GitHub OIDC provider; null creates one."
  type        = string
  default     = null
}
