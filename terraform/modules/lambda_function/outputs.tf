output "function_name" {
  description = "Name of the function."
  value       = aws_lambda_function.this.function_name
}

output "function_arn" {
  description = "Unqualified ARN of the function."
  value       = aws_lambda_function.this.arn
}

output "version" {
  description = "The published version the alias points at."
  value       = aws_lambda_function.this.version
}

output "alias_name" {
  description = "Name of the alias integrations invoke (live)."
  value       = aws_lambda_alias.live.name
}

output "alias_arn" {
  description = "ARN of the live alias: what state machines, notifications and subscriptions invoke."
  value       = aws_lambda_alias.live.arn
}

output "alias_invoke_arn" {
  description = "API Gateway invoke ARN of the live alias."
  value       = aws_lambda_alias.live.invoke_arn
}

output "role_name" {
  description = "Name of the function's execution role."
  value       = aws_iam_role.this.name
}

output "role_arn" {
  description = "ARN of the function's execution role."
  value       = aws_iam_role.this.arn
}

output "log_group_name" {
  description = "The function's log group."
  value       = aws_cloudwatch_log_group.this.name
}

output "log_group_arn" {
  description = "ARN of the function's log group."
  value       = aws_cloudwatch_log_group.this.arn
}

output "dlq_arn" {
  description = "ARN of the dead-letter queue, or null without one."
  value       = var.create_dlq ? aws_sqs_queue.dlq[0].arn : null
}

output "dlq_name" {
  description = "Name of the dead-letter queue, or null without one."
  value       = var.create_dlq ? aws_sqs_queue.dlq[0].name : null
}
