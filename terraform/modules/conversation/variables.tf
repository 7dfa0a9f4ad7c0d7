variable "name_prefix" {
  description = "Prefix of every name, loyalty-<env>."
  type        = string
}

variable "environment" {
  description = "Environment name the functions see as ENVIRONMENT."
  type        = string
}

variable "account_id" {
  description = "AWS account id, for trust conditions and ARNs."
  type        = string
}

variable "artifacts_dir" {
  description = "Directory built by scripts/package.py (functions/<folder>.zip)."
  type        = string
}

variable "layer_arns" {
  description = "Layer version ARNs every function loads (the library layer)."
  type        = list(string)
}

variable "runtime_kms_key_arn" {
  description = "KMS key for the functions' logs and environment, the state machine's and the API's logs."
  type        = string
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the functions', the state machine's and the API's logs."
  type        = number
  default     = 30
}

variable "log_level" {
  description = "POWERTOOLS_LOG_LEVEL of the functions."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING, ERROR or CRITICAL."
  }
}

variable "profiles_table_name" {
  description = "Name of the profiles single table."
  type        = string
}

variable "profiles_table_arn" {
  description = "ARN of the profiles single table."
  type        = string
}

variable "tables_kms_key_arn" {
  description = "KMS key of the DynamoDB tables."
  type        = string
}

variable "neptune_endpoint" {
  description = "Graph endpoint (NEPTUNE_ENDPOINT)."
  type        = string
}

variable "neptune_data_resource_arn" {
  description = "neptune-db resource ARN (arn:...:neptune-db:<region>:<account>:<cluster resource id>/*) the graph reads are scoped to."
  type        = string
}

variable "subnet_ids" {
  description = "Private subnets of the functions that read the graph; empty keeps them outside a VPC."
  type        = list(string)
  default     = []
}

variable "security_group_ids" {
  description = "Security groups of the functions that read the graph."
  type        = list(string)
  default     = []
}

variable "jwt_issuer" {
  description = "Issuer of the tokens the API accepts (the Cognito user pool's issuer URL)."
  type        = string
}

variable "jwt_audience" {
  description = "Audience of the tokens the API accepts (the app client id)."
  type        = string
}

variable "model_provider" {
  description = "Model behind the agent (MODEL_PROVIDER): offline, bedrock or openai."
  type        = string
  default     = "offline"

  validation {
    condition     = contains(["offline", "bedrock", "openai"], var.model_provider)
    error_message = "model_provider must be offline, bedrock or openai."
  }
}

variable "bedrock_model_id" {
  description = "The one Bedrock foundation model the agent may invoke (BEDROCK_MODEL_ID)."
  type        = string
  default     = "anthropic.claude-3-5-sonnet-20240620-v1:0"

  validation {
    condition     = can(regex("^[a-z0-9-]+\\.[A-Za-z0-9.:_-]+$", var.bedrock_model_id))
    error_message = "bedrock_model_id must be a foundation model id such as anthropic.claude-3-5-sonnet-20240620-v1:0."
  }
}

variable "openai_base_url" {
  description = "Base URL of an OpenAI-compatible endpoint (OPENAI_BASE_URL); empty unless model_provider is openai."
  type        = string
  default     = ""
}

variable "max_tool_iterations" {
  description = "Model steps that may ask for tools in one turn (MAX_TOOL_ITERATIONS)."
  type        = number
  default     = 8
}

variable "conversation_ttl_days" {
  description = "Days conversations and turns are kept (CONVERSATION_TTL_DAYS)."
  type        = number
  default     = 30
}

variable "throttling_burst_limit" {
  description = "Requests the API accepts in a burst, across routes."
  type        = number
  default     = 50
}

variable "throttling_rate_limit" {
  description = "Steady-state requests per second the API accepts, across routes."
  type        = number
  default     = 20
}

variable "cors_allow_origins" {
  description = "Browser origins allowed to call the API; empty disables CORS."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
