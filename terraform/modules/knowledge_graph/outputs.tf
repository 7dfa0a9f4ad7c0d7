output "endpoint" {
  description = "Graph endpoint the functions use (NEPTUNE_ENDPOINT): https://<cluster endpoint>:8182, or endpoint_override."
  value       = local.endpoint
}

output "cluster_arn" {
  description = "ARN of the cluster, or null without one."
  value       = var.create_cluster ? local.cluster.arn : null
}

output "cluster_resource_id" {
  description = "Resource id of the cluster (what neptune-db IAM actions are scoped to), or null without one."
  value       = var.create_cluster ? local.cluster.cluster_resource_id : null
}

output "data_resource_arn" {
  description = "arn:...:neptune-db:<region>:<account>:<cluster resource id>/* for neptune-db:* statements; without a cluster the resource id is no-cluster, which matches nothing."
  value       = local.data_resource_arn
}

output "loader_role_arn" {
  description = "ARN of the role the bulk loader assumes (NEPTUNE_LOADER_ROLE_ARN)."
  value       = aws_iam_role.loader.arn
}

output "kms_key_arn" {
  description = "ARN of the KMS key encrypting the cluster storage."
  value       = module.key.key_arn
}
