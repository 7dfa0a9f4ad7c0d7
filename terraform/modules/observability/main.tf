data "aws_region" "current" {}

locals {
  region = data.aws_region.current.name

  # Every alarm: one bad event in a period is worth a look; no data means nothing ran.
  alarms = merge(
    {
      for key, arn in var.state_machine_arns : "sfn-${key}-failed" => {
        description = "Executions of the ${key} state machine failed"
        namespace   = "AWS/States"
        metric      = "ExecutionsFailed"
        statistic   = "Sum"
        dimensions  = { StateMachineArn = arn }
      }
    },
    {
      for key, name in var.function_names : "lambda-${key}-errors" => {
        description = "The ${name} function raised errors"
        namespace   = "AWS/Lambda"
        metric      = "Errors"
        statistic   = "Sum"
        dimensions  = { FunctionName = name }
      }
    },
    {
      for key, name in var.glue_job_names : "glue-${key}-failed-tasks" => {
        description = "Tasks of the ${name} Glue job failed"
        namespace   = "Glue"
        metric      = "glue.driver.aggregate.numFailedTasks"
        statistic   = "Sum"
        dimensions  = { JobName = name, JobRunId = "ALL", Type = "count" }
      }
    },
    {
      for key, name in var.dead_letter_queue_names : "dlq-${key}-messages" => {
        description = "Events the ${key} function could not process wait in ${name}"
        namespace   = "AWS/SQS"
        metric      = "ApproximateNumberOfMessagesVisible"
        statistic   = "Maximum"
        dimensions  = { QueueName = name }
      }
    },
  )
}

resource "aws_cloudwatch_metric_alarm" "this" {
  for_each = local.alarms

  alarm_name          = "${var.name_prefix}-${each.key}"
  alarm_description   = each.value.description
  namespace           = each.value.namespace
  metric_name         = each.value.metric
  statistic           = each.value.statistic
  dimensions          = each.value.dimensions
  period              = var.period_seconds
  evaluation_periods  = 1
  threshold           = 1
  comparison_operator = "GreaterThanOrEqualToThreshold"
  treat_missing_data  = "notBreaching"

  actions_enabled = true
  alarm_actions   = [var.alarm_topic_arn]
  ok_actions      = [var.alarm_topic_arn]

  tags = var.tags
}

resource "aws_cloudwatch_dashboard" "this" {
  dashboard_name = var.name_prefix
  dashboard_body = jsonencode({ widgets = local.widgets })
}
