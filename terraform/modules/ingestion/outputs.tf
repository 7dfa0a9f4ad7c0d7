output "function_names" {
  description = "Function names by Lambda folder."
  value       = { for key, f in module.function : key => f.function_name }
}

output "function_alias_arns" {
  description = "ARNs of the functions' live aliases by Lambda folder."
  value       = { for key, f in module.function : key => f.alias_arn }
}

output "function_role_arns" {
  description = "Execution role ARNs by Lambda folder."
  value       = { for key, f in module.function : key => f.role_arn }
}

output "dead_letter_queue_names" {
  description = "Dead-letter queues of the asynchronously invoked functions, by Lambda folder."
  value       = { for key, f in module.function : key => f.dlq_name if local.functions[key].create_dlq }
}

output "state_machine_arn" {
  description = "ARN of the ingestion state machine (INGESTION_STATE_MACHINE_ARN)."
  value       = aws_sfn_state_machine.this.arn
}

output "state_machine_alias_arn" {
  description = "ARN of the machine's live alias (the published version)."
  value       = aws_sfn_alias.live.arn
}

output "state_machine_role_arn" {
  description = "ARN of the state machine's role."
  value       = aws_iam_role.state_machine.arn
}

output "glue_job_names" {
  description = "Glue job names: extract and graph."
  value       = { for key, job in aws_glue_job.this : key => job.name }
}

output "glue_role_arn" {
  description = "ARN of the Glue jobs' role."
  value       = aws_iam_role.glue.arn
}

output "artifact_version" {
  description = "Version of the uploaded Glue artifacts (from manifest.json), as used in their keys."
  value       = local.artifact_version
}
