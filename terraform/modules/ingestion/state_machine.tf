locals {
  # The functions the machine invokes, through their live aliases.
  machine_functions = ["dispatch", "finalize", "notifier", "neptune_load_start", "neptune_load_status"]

  # Exactly the placeholders of statemachines/ingestion.asl.json (docs/topology.md).
  definition_variables = {
    dispatch_function_arn            = module.function["dispatch"].alias_arn
    finalize_function_arn            = module.function["finalize"].alias_arn
    notifier_function_arn            = module.function["notifier"].alias_arn
    neptune_load_start_function_arn  = module.function["neptune_load_start"].alias_arn
    neptune_load_status_function_arn = module.function["neptune_load_status"].alias_arn
    extract_job_name                 = aws_glue_job.this["extract"].name
    graph_job_name                   = aws_glue_job.this["graph"].name
    documents_bucket                 = var.documents_bucket_name
  }

  # Vended log delivery and X-Ray have no resource-level permissions.
  log_delivery_statement = {
    Sid    = "DeliverExecutionLogs"
    Effect = "Allow"
    Action = [
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]
    Resource = "*"
  }

  tracing_statement = {
    Sid      = "Tracing"
    Effect   = "Allow"
    Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
    Resource = "*"
  }
}

resource "aws_cloudwatch_log_group" "state_machine" {
  #checkov:skip=CKV_AWS_338:retention is an environment setting (log_retention_days); dev keeps 30 days, prod a year
  name              = "/aws/vendedlogs/states/${local.state_machine_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.runtime_kms_key_arn

  tags = var.tags
}

resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_285:execution data (documents, reports) stays out of the logs on purpose; ERROR events are logged without it
  name     = local.state_machine_name
  type     = "STANDARD"
  role_arn = aws_iam_role.state_machine.arn
  publish  = true

  definition = templatefile("${path.module}/../../../statemachines/ingestion.asl.json", local.definition_variables)

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = false
    level                  = "ERROR"
  }

  tracing_configuration {
    enabled = true
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.state_machine]
}

resource "aws_sfn_alias" "live" {
  name        = "live"
  description = "The published version operators run and roll back"

  routing_configuration {
    state_machine_version_arn = aws_sfn_state_machine.this.state_machine_version_arn
    weight                    = 100
  }
}
