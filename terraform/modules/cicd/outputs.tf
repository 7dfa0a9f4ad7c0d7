output "deploy_role_arns" {
  description = "Deploy role ARN by environment: the role-to-assume of each GitHub environment."
  value       = { for env, role in aws_iam_role.deploy : env => role.arn }
}

output "oidc_provider_arn" {
  description = "ARN of the GitHub OIDC provider the roles trust."
  value       = local.oidc_provider_arn
}
