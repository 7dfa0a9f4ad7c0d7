locals {
  metric_widgets = [
    {
      title   = "State machine executions failed"
      metrics = [for key, arn in var.state_machine_arns : ["AWS/States", "ExecutionsFailed", "StateMachineArn", arn, { label = key, stat = "Sum" }]]
    },
    {
      title   = "Lambda errors"
      metrics = [for key, name in var.function_names : ["AWS/Lambda", "Errors", "FunctionName", name, { label = key, stat = "Sum" }]]
    },
    {
      title   = "Lambda duration p95"
      metrics = [for key, name in var.function_names : ["AWS/Lambda", "Duration", "FunctionName", name, { label = key, stat = "p95" }]]
    },
    {
      title   = "Glue failed tasks"
      metrics = [for key, name in var.glue_job_names : ["Glue", "glue.driver.aggregate.numFailedTasks", "JobName", name, "JobRunId", "ALL", "Type", "count", { label = key, stat = "Sum" }]]
    },
    {
      title   = "Dead-letter queue messages"
      metrics = [for key, name in var.dead_letter_queue_names : ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", name, { label = key, stat = "Maximum" }]]
    },
  ]

  api_widgets = var.api_id == null ? [] : [{
    title = "API requests and errors"
    metrics = [
      ["AWS/ApiGateway", "Count", "ApiId", var.api_id, { label = "requests", stat = "Sum" }],
      ["AWS/ApiGateway", "4xx", "ApiId", var.api_id, { label = "4xx", stat = "Sum" }],
      ["AWS/ApiGateway", "5xx", "ApiId", var.api_id, { label = "5xx", stat = "Sum" }],
    ]
  }]

  widgets = [
    for index, widget in concat(local.metric_widgets, local.api_widgets) : {
      type   = "metric"
      x      = (index % 2) * 12
      y      = floor(index / 2) * 6
      width  = 12
      height = 6
      properties = {
        title   = widget.title
        region  = local.region
        view    = "timeSeries"
        stacked = false
        period  = var.period_seconds
        metrics = widget.metrics
      }
    }
  ]
}
