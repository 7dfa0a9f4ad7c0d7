output "documents_bucket_name" {
  description = "Name of the documents bucket (raw/, processed-text/, ..., reference/)."
  value       = module.documents.bucket
}

output "documents_bucket_arn" {
  description = "ARN of the documents bucket."
  value       = module.documents.arn
}

output "artifacts_bucket_name" {
  description = "Name of the artifacts bucket (Glue scripts, wheel, Lambda layer under versioned keys)."
  value       = module.artifacts.bucket
}

output "artifacts_bucket_arn" {
  description = "ARN of the artifacts bucket."
  value       = module.artifacts.arn
}

output "log_bucket_name" {
  description = "Name of the bucket receiving both buckets' server access logs."
  value       = module.logs.bucket
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the documents and artifacts buckets."
  value       = module.key.key_arn
}

output "replication_role_arn" {
  description = "ARN of the replication role, or null when replication is off."
  value       = var.replication_enabled ? aws_iam_role.replication[0].arn : null
}
