variable "region" {
  description = "AWS region of the environment."
  type        = string
  default     = "us-east-1"
}

variable "artifacts_dir" {
  description = "Directory built by scripts/package.py; null means build/artifacts at the repository root."
  type        = string
  default     = null
}

variable "reference_facts_file" {
  description = "Reference facts uploaded under reference/ of the documents bucket; null means samples/knowledge/reference.jsonl of the repository."
  type        = string
  default     = null
}

variable "allowed_account_ids" {
  description = "Accounts Terraform may touch with this environment's credentials; empty allows any."
  type        = list(string)
  default     = []
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the environment's logs."
  type        = number
  default     = 90
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

variable "email_subscriptions" {
  description = "E-mail addresses subscribed to the curator, traveller or operations topic."
  type        = map(list(string))
  default     = {}
}

variable "release" {
  description = "Release being deployed (the commit id the deploy workflow passes); tagged on every resource."
  type        = string
  default     = "unreleased"
}
