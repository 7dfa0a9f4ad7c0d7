output "name_prefix" {
  description = "Prefix of every name of the environment."
  value       = local.name_prefix
}

output "api_endpoint" {
  description = "Base URL of the conversation API."
  value       = module.conversation.api_endpoint
}

output "api_id" {
  description = "Id of the HTTP API."
  value       = module.conversation.api_id
}

output "user_pool_id" {
  description = "Id of the Cognito user pool."
  value       = module.identity.user_pool_id
}

output "user_pool_client_id" {
  description = "Id of the app client users sign in with."
  value       = module.identity.client_id
}

output "issuer_url" {
  description = "Issuer of the users' tokens."
  value       = module.identity.issuer_url
}

output "documents_bucket" {
  description = "Documents bucket; curators upload to raw/."
  value       = module.storage.documents_bucket_name
}

output "artifacts_bucket" {
  description = "Artifacts bucket (Glue scripts, wheel, Lambda layer)."
  value       = module.storage.artifacts_bucket_name
}

output "profiles_table" {
  description = "Profiles single table."
  value       = module.profiles.profiles_table_name
}

output "ingestion_state_machine_arn" {
  description = "ARN of the ingestion state machine."
  value       = module.ingestion.state_machine_arn
}

output "conversation_state_machine_arn" {
  description = "ARN of the conversation state machine."
  value       = module.conversation.state_machine_arn
}

output "neptune_endpoint" {
  description = "Graph endpoint the functions use."
  value       = module.knowledge_graph.endpoint
}

output "function_names" {
  description = "Every function's name by Lambda folder."
  value       = merge(module.ingestion.function_names, module.conversation.function_names)
}

output "function_alias_arns" {
  description = "Every function's live alias ARN by Lambda folder."
  value       = merge(module.ingestion.function_alias_arns, module.conversation.function_alias_arns)
}

output "glue_job_names" {
  description = "Glue job names (extract, graph)."
  value       = module.ingestion.glue_job_names
}

output "topic_arns" {
  description = "SNS topic ARNs by audience."
  value = {
    curator             = module.notifications.curator_topic_arn
    traveller           = module.notifications.traveller_topic_arn
    operations          = module.notifications.operations_topic_arn
    textract_completion = module.notifications.textract_topic_arn
  }
}

output "dashboard_name" {
  description = "CloudWatch dashboard of the environment."
  value       = module.observability.dashboard_name
}
