output "profiles_table_name" {
  description = "Name of the profiles single table."
  value       = aws_dynamodb_table.profiles.name
}

output "profiles_table_arn" {
  description = "ARN of the profiles single table."
  value       = aws_dynamodb_table.profiles.arn
}

output "idempotency_table_name" {
  description = "Name of the idempotency table."
  value       = aws_dynamodb_table.idempotency.name
}

output "idempotency_table_arn" {
  description = "ARN of the idempotency table."
  value       = aws_dynamodb_table.idempotency.arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting both tables; readers and writers need kms:Decrypt and kms:GenerateDataKey on it."
  value       = module.key.key_arn
}
