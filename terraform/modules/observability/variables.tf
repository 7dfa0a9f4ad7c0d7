variable "name_prefix" {
  description = "Prefix of every name, loyalty-<env>."
  type        = string
}

variable "alarm_topic_arn" {
  description = "SNS topic every alarm notifies (the operations topic), on alarm and on recovery."
  type        = string
}

variable "state_machine_arns" {
  description = "State machines whose failed executions raise an alarm, by short name."
  type        = map(string)
}

variable "function_names" {
  description = "Lambda functions whose errors raise an alarm, by short name."
  type        = map(string)
}

variable "glue_job_names" {
  description = "Glue jobs whose failed tasks raise an alarm, by short name."
  type        = map(string)
}

variable "dead_letter_queue_names" {
  description = "Dead-letter queues whose waiting messages raise an alarm, by short name."
  type        = map(string)
}

variable "api_id" {
  description = "Id of the HTTP API shown on the dashboard; null leaves it out."
  type        = string
  default     = null
}

variable "period_seconds" {
  description = "Period over which each alarm's metric is evaluated."
  type        = number
  default     = 300

  validation {
    condition     = var.period_seconds >= 60 && var.period_seconds % 60 == 0
    error_message = "period_seconds must be a multiple of 60."
  }
}

variable "tags" {
  description = "Tags added to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
