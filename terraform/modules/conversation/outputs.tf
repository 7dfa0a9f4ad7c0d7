output "api_endpoint" {
  description = "Base URL of the conversation API."
  value       = aws_apigatewayv2_api.this.api_endpoint
}

output "api_id" {
  description = "Id of the HTTP API."
  value       = aws_apigatewayv2_api.this.id
}

output "api_stage_name" {
  description = "Name of the API stage ($default)."
  value       = aws_apigatewayv2_stage.default.name
}

output "function_names" {
  description = "Function names by Lambda folder."
  value       = { for key, f in module.function : key => f.function_name }
}

output "function_alias_arns" {
  description = "ARNs of the functions' live aliases by Lambda folder."
  value       = { for key, f in module.function : key => f.alias_arn }
}

output "state_machine_arn" {
  description = "ARN of the conversation state machine (CONVERSATION_STATE_MACHINE_ARN)."
  value       = aws_sfn_state_machine.this.arn
}
