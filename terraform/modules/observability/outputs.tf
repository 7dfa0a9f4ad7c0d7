output "alarm_names" {
  description = "Names of the alarms, by key (sfn-<machine>-failed, lambda-<function>-errors, glue-<job>-failed-tasks, dlq-<function>-messages)."
  value       = { for key, alarm in aws_cloudwatch_metric_alarm.this : key => alarm.alarm_name }
}

output "dashboard_name" {
  description = "Name of the CloudWatch dashboard."
  value       = aws_cloudwatch_dashboard.this.dashboard_name
}
