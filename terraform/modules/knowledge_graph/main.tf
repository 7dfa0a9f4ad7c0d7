module "key" {
  source = "../kms_key"

  name        = "${var.name_prefix}-graph"
  description = "Storage of the ${var.name_prefix} Neptune cluster"
  account_id  = var.account_id

  tags = var.tags
}

resource "aws_neptune_subnet_group" "this" {
  count = var.create_cluster ? 1 : 0

  name        = local.cluster_identifier
  description = "Private subnets of the knowledge graph"
  subnet_ids  = var.subnet_ids

  tags = var.tags
}

resource "aws_neptune_cluster_parameter_group" "this" {
  count = var.create_cluster ? 1 : 0

  name        = local.cluster_identifier
  family      = local.family
  description = "Knowledge graph: audit log on"

  parameter {
    name  = "neptune_enable_audit_log"
    value = "1"
  }

  tags = var.tags
}

# Created ahead of the cluster so the exported audit log is encrypted and expires.
resource "aws_cloudwatch_log_group" "audit" {
  #checkov:skip=CKV_AWS_338:retention is an environment setting (log_retention_days); dev keeps 30 days, prod a year
  count = var.create_cluster ? 1 : 0

  name              = "/aws/neptune/${local.cluster_identifier}/audit"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.log_kms_key_arn

  tags = var.tags
}

resource "aws_neptune_cluster" "this" {
  #checkov:skip=CKV2_AWS_58:deletion protection is an environment setting (deletion_protection): on by default and in staging/prod, off in dev
  count = var.create_cluster ? 1 : 0

  cluster_identifier                   = local.cluster_identifier
  engine                               = "neptune"
  engine_version                       = var.engine_version
  neptune_subnet_group_name            = aws_neptune_subnet_group.this[0].name
  neptune_cluster_parameter_group_name = aws_neptune_cluster_parameter_group.this[0].name
  vpc_security_group_ids               = var.security_group_ids
  port                                 = 8182

  storage_encrypted                   = true
  kms_key_arn                         = module.key.key_arn
  iam_database_authentication_enabled = true
  iam_roles                           = [aws_iam_role.loader.arn]

  backup_retention_period   = var.backup_retention_period
  preferred_backup_window   = var.preferred_backup_window
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = var.skip_final_snapshot
  final_snapshot_identifier = var.skip_final_snapshot ? null : "${local.cluster_identifier}-final"
  copy_tags_to_snapshot     = true
  apply_immediately         = var.apply_immediately

  enable_cloudwatch_logs_exports = ["audit"]

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.audit, aws_iam_role_policy.loader]
}

resource "aws_neptune_cluster_instance" "this" {
  count = var.create_cluster ? var.instance_count : 0

  identifier                 = "${local.cluster_identifier}-${count.index + 1}"
  cluster_identifier         = aws_neptune_cluster.this[0].id
  engine                     = "neptune"
  instance_class             = var.instance_class
  neptune_subnet_group_name  = aws_neptune_subnet_group.this[0].name
  auto_minor_version_upgrade = true
  publicly_accessible        = false
  apply_immediately          = var.apply_immediately
  promotion_tier             = count.index

  tags = var.tags
}
