output "curator_topic_arn" {
  description = "ARN of the topic curators hear ingestion outcomes on."
  value       = aws_sns_topic.this["curator"].arn
}

output "traveller_topic_arn" {
  description = "ARN of the topic travellers are notified on."
  value       = aws_sns_topic.this["traveller"].arn
}

output "operations_topic_arn" {
  description = "ARN of the topic alarms publish to."
  value       = aws_sns_topic.this["operations"].arn
}

output "textract_topic_arn" {
  description = "ARN of the topic Textract publishes job completion to."
  value       = aws_sns_topic.this["textract_completion"].arn
}

output "textract_role_arn" {
  description = "ARN of the role Textract assumes to publish to the textract-completion topic."
  value       = aws_iam_role.textract.arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the topics; publishers need kms:GenerateDataKey and kms:Decrypt on it."
  value       = module.key.key_arn
}
