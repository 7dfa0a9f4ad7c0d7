module "function" {
  source   = "../lambda_function"
  for_each = local.functions

  function_name = "${var.name_prefix}-${replace(each.key, "_", "-")}"
  description   = each.value.description
  filename      = "${var.artifacts_dir}/functions/${each.key}.zip"
  layers        = var.layer_arns
  timeout       = each.value.timeout
  memory_size   = each.value.memory_size

  environment_variables = merge(local.common_environment, { POWERTOOLS_SERVICE_NAME = each.key }, each.value.environment)
  policy_json = jsonencode({
    Version   = "2012-10-17"
    Statement = each.value.statements
  })

  kms_key_arn        = var.runtime_kms_key_arn
  log_retention_days = var.log_retention_days
  subnet_ids         = each.value.in_vpc ? var.subnet_ids : []
  security_group_ids = each.value.in_vpc ? var.security_group_ids : []

  tags = var.tags
}
