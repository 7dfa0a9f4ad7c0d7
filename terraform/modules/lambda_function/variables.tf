variable "function_name" {
  description = "Name of the function (also of its role, log group and dead-letter queue)."
  type        = string

  validation {
    condition     = can(regex("^[A-Za-z0-9_-]{1,60}$", var.function_name))
    error_message = "function_name must be 1-60 letters, digits, '-' or '_' (the dead-letter queue adds '-dlq' within SQS's 80 and IAM's 64 characters)."
  }
}

variable "description" {
  description = "What the function does."
  type        = string
  default     = ""
}

variable "filename" {
  description = "Path of the deployment zip; its SHA-256 decides when the code is updated."
  type        = string
}

variable "handler" {
  description = "Entry point, module.function."
  type        = string
  default     = "handler.lambda_handler"
}

variable "runtime" {
  description = "Lambda runtime."
  type        = string
  default     = "python3.11"
}

variable "architecture" {
  description = "Instruction set architecture, x86_64 or arm64."
  type        = string
  default     = "x86_64"

  validation {
    condition     = contains(["x86_64", "arm64"], var.architecture)
    error_message = "architecture must be x86_64 or arm64."
  }
}

variable "memory_size" {
  description = "Memory in MB."
  type        = number
  default     = 512
}

variable "timeout" {
  description = "Timeout in seconds."
  type        = number
  default     = 30

  validation {
    condition     = var.timeout >= 1 && var.timeout <= 900
    error_message = "timeout must be between 1 and 900 seconds."
  }
}

variable "layers" {
  description = "ARNs of layer versions, in order."
  type        = list(string)
  default     = []
}

variable "environment_variables" {
  description = "Environment variables of the function."
  type        = map(string)
  default     = {}
}

variable "policy_json" {
  description = "IAM policy JSON with exactly what the function's own work needs; logs, X-Ray, the key, the dead-letter queue and the VPC network interfaces are added by the module."
  type        = string
}

variable "kms_key_arn" {
  description = "KMS key for the log group, the environment variables and the dead-letter queue."
  type        = string
}

variable "log_retention_days" {
  description = "Days CloudWatch keeps the function's logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "reserved_concurrent_executions" {
  description = "Concurrency reserved for the function; null leaves it on the account's unreserved pool."
  type        = number
  default     = null
}

variable "create_dlq" {
  description = "Create an encrypted SQS dead-letter queue for events that asynchronous invocations fail to process."
  type        = bool
  default     = false
}

variable "dlq_message_retention_seconds" {
  description = "How long the dead-letter queue keeps a message."
  type        = number
  default     = 1209600
}

variable "subnet_ids" {
  description = "Private subnets to attach the function to; empty keeps it outside any VPC."
  type        = list(string)
  default     = []
}

variable "security_group_ids" {
  description = "Security groups of the function's network interfaces when it is attached to subnets."
  type        = list(string)
  default     = []
}

variable "tags" {
  description = "Tags added to every resource of the module."
  type        = map(string)
  default     = {}
}
