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
