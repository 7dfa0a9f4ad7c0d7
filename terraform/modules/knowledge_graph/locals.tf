data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  cluster_identifier = "${var.name_prefix}-graph"
  family             = "neptune${join(".", slice(split(".", var.engine_version), 0, 2))}"
  cluster            = var.create_cluster ? aws_neptune_cluster.this[0] : null

  endpoint = var.endpoint_override != null ? var.endpoint_override : "https://${local.cluster.endpoint}:8182"

  # neptune-db:* actions are scoped to the cluster's resource id, not its ARN. Without a
  # cluster the functions' statements keep their shape but name a resource id that matches
  # no cluster, so they grant nothing in AWS.
  data_resource_id  = var.create_cluster ? local.cluster.cluster_resource_id : "no-cluster"
  data_resource_arn = "arn:${data.aws_partition.current.partition}:neptune-db:${data.aws_region.current.name}:${var.account_id}:${local.data_resource_id}/*"
}
