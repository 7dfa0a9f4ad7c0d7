variable "name_prefix" {
  description = "Prefix of every name, loyalty-<env>."
  type        = string
}

variable "account_id" {
  description = "AWS account id, for the flow-log role's trust condition."
  type        = string
}

variable "vpc_cidr" {
  description = "CIDR block of the VPC; private subnets are /20s carved from it."
  type        = string
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.vpc_cidr, 0)) && tonumber(split("/", var.vpc_cidr)[1]) <= 20
    error_message = "vpc_cidr must be an IPv4 CIDR block of /20 or larger."
  }
}

variable "az_count" {
  description = "Number of availability zones with a private subnet (Neptune needs at least two)."
  type        = number
  default     = 2

  validation {
    condition     = var.az_count >= 2 && var.az_count <= 4
    error_message = "az_count must be between 2 and 4."
  }
}

variable "enable_vpc_endpoints" {
  description = "Create the VPC endpoints the private functions reach AWS through (S3 and DynamoDB gateways, interface endpoints); off in the local cloud."
  type        = bool
  default     = true
}

variable "interface_endpoint_services" {
  description = "Services the functions inside the VPC call, reached through interface endpoints."
  type        = list(string)
  default     = ["states", "sync-states", "xray"]
}

variable "enable_flow_logs" {
  description = "Record the VPC's traffic in a CloudWatch log group."
  type        = bool
  default     = true
}

variable "kms_key_arn" {
  description = "KMS key encrypting the flow-log group."
  type        = string
}

variable "log_retention_days" {
  description = "Days the flow logs are kept."
  type        = number
  default     = 30
}

variable "tags" {
  description = "Tags added to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
