locals {
  in_vpc = length(var.subnet_ids) > 0

  # What every function needs besides its own work: its log group, X-Ray, the key that
  # encrypts its variables (and its dead-letter queue), the queue, and network interfaces.
  runtime_statements = concat(
    [
      {
        Sid      = "WriteOwnLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
        Resource = "${aws_cloudwatch_log_group.this.arn}:*"
      },
      {
        Sid      = "Tracing"
        Effect   = "Allow"
        Action   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
        Resource = "*"
      },
      {
        Sid      = "UseFunctionKey"
        Effect   = "Allow"
        Action   = var.create_dlq ? ["kms:Decrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"]
        Resource = var.kms_key_arn
      },
    ],
    var.create_dlq ? [{
      Sid      = "SendToDeadLetterQueue"
      Effect   = "Allow"
      Action   = "sqs:SendMessage"
      Resource = aws_sqs_queue.dlq[0].arn
    }] : [],
    local.in_vpc ? [{
      Sid    = "ManageVpcNetworkInterfaces"
      Effect = "Allow"
      Action = [
        "ec2:CreateNetworkInterface",
        "ec2:DescribeNetworkInterfaces",
        "ec2:DescribeSubnets",
        "ec2:DeleteNetworkInterface",
        "ec2:AssignPrivateIpAddresses",
        "ec2:UnassignPrivateIpAddresses",
      ]
      Resource = "*"
    }] : [],
  )
}
