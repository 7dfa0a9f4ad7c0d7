locals {
  # Exactly the placeholders of statemachines/conversation.asl.json (docs/topology.md).
  definition_variables = {
    agent_step_function_arn    = module.function["agent_step"].alias_arn
    tool_executor_function_arn = module.function["tool_executor"].alias_arn
  }
}

resource "aws_iam_role" "state_machine" {
  name = "${var.name_prefix}-conversation-sfn"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "states.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "state_machine" {
  name = "conversation-machine"
  role = aws_iam_role.state_machine.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "InvokeLiveAliases"
        Effect   = "Allow"
        Action   = "lambda:InvokeFunction"
        Resource = values(local.definition_variables)
      },
      {
        # Vended log delivery has no resource-level permissions.
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
      },
      {
        Sid      = "Tracing"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords", "xray:GetSamplingRules", "xray:GetSamplingTargets"]
        Resource = "*"
      },
    ]
  })
}

resource "aws_cloudwatch_log_group" "state_machine" {
  #checkov:skip=CKV_AWS_338:retention is an environment setting (log_retention_days); dev keeps 30 days, prod a year
  name              = "/aws/vendedlogs/states/${local.state_machine_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.runtime_kms_key_arn

  tags = var.tags
}

# Express: an Express execution is visible only through its logs, hence level ALL. The
# 25-second limit is the ASL's own TimeoutSeconds.
resource "aws_sfn_state_machine" "this" {
  #checkov:skip=CKV_AWS_285:execution data (profiles, conversation turns) stays out of the logs on purpose; ALL events are logged without it
  name     = local.state_machine_name
  type     = "EXPRESS"
  role_arn = aws_iam_role.state_machine.arn

  definition = templatefile("${path.module}/../../../statemachines/conversation.asl.json", local.definition_variables)

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = false
    level                  = "ALL"
  }

  tracing_configuration {
    enabled = true
  }

  tags = var.tags

  depends_on = [aws_iam_role_policy.state_machine]
}
