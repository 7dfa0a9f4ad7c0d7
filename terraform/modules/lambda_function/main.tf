resource "aws_cloudwatch_log_group" "this" {
  #checkov:skip=CKV_AWS_338:retention is an environment setting (log_retention_days); dev keeps 30 days, prod a year
  name              = "/aws/lambda/${var.function_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn

  tags = var.tags
}

resource "aws_sqs_queue" "dlq" {
  count = var.create_dlq ? 1 : 0

  name                              = "${var.function_name}-dlq"
  message_retention_seconds         = var.dlq_message_retention_seconds
  kms_master_key_id                 = var.kms_key_arn
  kms_data_key_reuse_period_seconds = 300

  tags = var.tags
}

resource "aws_lambda_function" "this" {
  #checkov:skip=CKV_AWS_272:zips are built reproducibly by scripts/package.py and pinned by SHA-256 (source_code_hash); no signing profile in this project
  #checkov:skip=CKV_AWS_116:the dead-letter queue is per function (create_dlq) and on for the asynchronously invoked ones; synchronous callers get the error
  #checkov:skip=CKV_AWS_117:VPC attachment is per function (subnet_ids); only the functions that reach Neptune are attached
  #checkov:skip=CKV_AWS_115:reserved concurrency is per function (reserved_concurrent_executions); reserving by default would starve small accounts
  function_name = var.function_name
  description   = var.description
  role          = aws_iam_role.this.arn
  handler       = var.handler
  runtime       = var.runtime
  architectures = [var.architecture]
  memory_size   = var.memory_size
  timeout       = var.timeout
  layers        = var.layers

  filename         = var.filename
  source_code_hash = filebase64sha256(var.filename)
  publish          = true

  kms_key_arn                    = var.kms_key_arn
  reserved_concurrent_executions = var.reserved_concurrent_executions

  environment {
    variables = var.environment_variables
  }

  tracing_config {
    mode = "Active"
  }

  dynamic "dead_letter_config" {
    for_each = var.create_dlq ? [aws_sqs_queue.dlq[0].arn] : []
    content {
      target_arn = dead_letter_config.value
    }
  }

  dynamic "vpc_config" {
    for_each = local.in_vpc ? [1] : []
    content {
      subnet_ids         = var.subnet_ids
      security_group_ids = var.security_group_ids
    }
  }

  tags = var.tags

  depends_on = [
    aws_cloudwatch_log_group.this,
    aws_iam_role_policy.function,
    aws_iam_role_policy.runtime,
  ]
}

# Integrations call this alias, so a deployment moves them all at once and a rollback is
# one alias update.
resource "aws_lambda_alias" "live" {
  name             = "live"
  description      = "The version every integration invokes."
  function_name    = aws_lambda_function.this.function_name
  function_version = aws_lambda_function.this.version
}
