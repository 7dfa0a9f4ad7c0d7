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
  create_dlq         = each.value.create_dlq
  subnet_ids         = each.value.in_vpc ? var.subnet_ids : []
  security_group_ids = each.value.in_vpc ? var.security_group_ids : []

  tags = var.tags
}

# S3 ObjectCreated under raw/ -> the trigger's live alias.

resource "aws_lambda_permission" "documents_bucket" {
  statement_id   = "DocumentsBucketInvokes"
  action         = "lambda:InvokeFunction"
  function_name  = module.function["pipeline_trigger"].function_name
  qualifier      = module.function["pipeline_trigger"].alias_name
  principal      = "s3.amazonaws.com"
  source_arn     = var.documents_bucket_arn
  source_account = var.account_id
}

resource "aws_s3_bucket_notification" "documents" {
  bucket = var.documents_bucket_name

  # Every upload under raw/, whatever its type: the trigger quarantines what it cannot read
  # and tells the curator why, instead of leaving it unnoticed in raw/.
  lambda_function {
    id                  = "ingest-raw"
    lambda_function_arn = module.function["pipeline_trigger"].alias_arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "raw/"
  }

  depends_on = [aws_lambda_permission.documents_bucket]
}

# Textract completion topic -> the callback's live alias.

resource "aws_lambda_permission" "textract_topic" {
  statement_id  = "TextractTopicInvokes"
  action        = "lambda:InvokeFunction"
  function_name = module.function["textract_callback"].function_name
  qualifier     = module.function["textract_callback"].alias_name
  principal     = "sns.amazonaws.com"
  source_arn    = var.textract_topic_arn
}

resource "aws_sns_topic_subscription" "textract_callback" {
  topic_arn = var.textract_topic_arn
  protocol  = "lambda"
  endpoint  = module.function["textract_callback"].alias_arn

  depends_on = [aws_lambda_permission.textract_topic]
}
