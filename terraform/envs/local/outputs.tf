output "api_endpoint" {
  description = "Base URL of the conversation API: the local cloud's API Gateway emulation, which serves the API this configuration created."
  value       = var.api_endpoint
}

output "api_id" {
  description = "Id of the HTTP API (its AWS-style endpoint is not reachable locally)."
  value       = module.platform.api_id
}

output "user_pool_id" {
  description = "Id of the Cognito user pool."
  value       = module.platform.user_pool_id
}

output "user_pool_client_id" {
  description = "Id of the app client users sign in with."
  value       = module.platform.user_pool_client_id
}

output "documents_bucket" {
  description = "Documents bucket; curators upload to raw/."
  value       = module.platform.documents_bucket
}

output "ingestion_state_machine_arn" {
  description = "ARN of the ingestion state machine."
  value       = module.platform.ingestion_state_machine_arn
}

output "neptune_endpoint" {
  description = "Graph endpoint the functions use."
  value       = module.platform.neptune_endpoint
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the environment."
  value       = module.platform.dashboard_name
}

output "function_names" {
  description = "Every function's name by Lambda folder."
  value       = module.platform.function_names
}

output "topic_arns" {
  description = "SNS topic ARNs by audience (curator, traveller, operations, textract_completion)."
  value       = module.platform.topic_arns
}

output "profiles_table" {
  description = "DynamoDB table of profiles and conversations."
  value       = module.platform.profiles_table
}
