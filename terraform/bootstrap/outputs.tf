output "state_bucket" {
  description = "Bucket holding every environment's state."
  value       = module.state_bucket.bucket
}

output "lock_table" {
  description = "DynamoDB table holding the state locks."
  value       = aws_dynamodb_table.locks.name
}

output "kms_key_arn" {
  description = "KMS key encrypting the state and the locks."
  value       = module.key.key_arn
}

output "backend_config" {
  description = "Contents of terraform/envs/<env>/backend.hcl for -backend-config."
  value       = <<-EOT
    bucket         = "${module.state_bucket.bucket}"
    region         = "${var.region}"
    dynamodb_table = "${aws_dynamodb_table.locks.name}"
    kms_key_id     = "${module.key.key_arn}"
  EOT
}

output "deploy_role_arns" {
  description = "Deploy role ARN by environment (GitHub environment variable AWS_DEPLOY_ROLE_ARN)."
  value       = length(module.cicd) == 0 ? {} : module.cicd[0].deploy_role_arns
}
