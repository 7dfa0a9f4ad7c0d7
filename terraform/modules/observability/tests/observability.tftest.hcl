mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  name_prefix     = "loyalty-test"
  alarm_topic_arn = "arn:aws:sns:eu-west-1:123456789012:loyalty-test-operations"
  state_machine_arns = {
    ingestion    = "arn:aws:states:eu-west-1:123456789012:stateMachine:loyalty-test-ingestion"
    conversation = "arn:aws:states:eu-west-1:123456789012:stateMachine:loyalty-test-conversation"
  }
  function_names = {
    pipeline_trigger = "loyalty-test-pipeline-trigger"
    api              = "loyalty-test-api"
  }
  glue_job_names = {
    extract = "loyalty-test-extract-facts"
  }
  dead_letter_queue_names = {
    pipeline_trigger = "loyalty-test-pipeline-trigger-dlq"
  }
  api_id = "abc123"
}

run "every_failure_signal_alarms_operations" {
  command = plan

  assert {
    condition = toset(keys(aws_cloudwatch_metric_alarm.this)) == toset([
      "sfn-ingestion-failed", "sfn-conversation-failed",
      "lambda-pipeline_trigger-errors", "lambda-api-errors",
      "glue-extract-failed-tasks",
      "dlq-pipeline_trigger-messages",
    ])
    error_message = "one alarm per machine, function, job and queue"
  }

  assert {
    condition     = alltrue([for a in aws_cloudwatch_metric_alarm.this : a.actions_enabled && a.alarm_actions == toset([var.alarm_topic_arn]) && a.ok_actions == toset([var.alarm_topic_arn])])
    error_message = "every alarm notifies the operations topic"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["sfn-ingestion-failed"].namespace == "AWS/States" && aws_cloudwatch_metric_alarm.this["sfn-ingestion-failed"].metric_name == "ExecutionsFailed" && aws_cloudwatch_metric_alarm.this["sfn-ingestion-failed"].dimensions.StateMachineArn == var.state_machine_arns.ingestion
    error_message = "machine alarms watch ExecutionsFailed of their machine"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["lambda-api-errors"].alarm_name == "loyalty-test-lambda-api-errors" && aws_cloudwatch_metric_alarm.this["lambda-api-errors"].dimensions.FunctionName == "loyalty-test-api"
    error_message = "function alarms watch Errors of their function"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["glue-extract-failed-tasks"].metric_name == "glue.driver.aggregate.numFailedTasks" && aws_cloudwatch_metric_alarm.this["glue-extract-failed-tasks"].dimensions == tomap({ JobName = "loyalty-test-extract-facts", JobRunId = "ALL", Type = "count" })
    error_message = "Glue alarms watch the job's failed tasks across runs"
  }

  assert {
    condition     = aws_cloudwatch_metric_alarm.this["dlq-pipeline_trigger-messages"].metric_name == "ApproximateNumberOfMessagesVisible" && aws_cloudwatch_metric_alarm.this["dlq-pipeline_trigger-messages"].statistic == "Maximum"
    error_message = "queue alarms fire on any waiting message"
  }

  assert {
    condition     = aws_cloudwatch_dashboard.this.dashboard_name == "loyalty-test" && length(jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets) == 6
    error_message = "the dashboard shows machines, errors, durations, Glue, queues and the API"
  }

  assert {
    condition     = alltrue([for w in jsondecode(aws_cloudwatch_dashboard.this.dashboard_body).widgets : w.properties.region == "eu-west-1"])
    error_message = "every widget names the region"
  }
}

run "rejects_an_odd_period" {
  command = plan

  variables {
    period_seconds = 90
  }

  expect_failures = [var.period_seconds]
}
