variable "endpoint" {
  description = "URL of the local cloud (the moto server of loyalty_maximizer.localcloud) every AWS service is called at."
  type        = string
  default     = "http://127.0.0.1:4566"
}

variable "neptune_endpoint" {
  description = "Neptune-compatible endpoint (/openCypher, /loader) the local cloud serves."
  type        = string
  default     = "http://127.0.0.1:8182"
}

variable "api_endpoint" {
  description = "URL where the local cloud's API Gateway emulation serves the HTTP API (`loyalty local up` prints it as api)."
  type        = string
  default     = "http://127.0.0.1:4567"
}

variable "region" {
  description = "Region the local cloud pretends to be."
  type        = string
  default     = "us-east-1"
}

variable "account_id" {
  description = "Account id of the local cloud (moto's default, what its STS answers)."
  type        = string
  default     = "123456789012"
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

variable "model_provider" {
  description = "Model behind the agent: offline (default, deterministic), bedrock or openai."
  type        = string
  default     = "offline"
}

variable "openai_base_url" {
  description = "Base URL of an OpenAI-compatible endpoint when model_provider is openai."
  type        = string
  default     = ""
}
