# Glue: both jobs share one role that reads the artifacts and the stages they consume and
# writes only the stages they produce.
resource "aws_iam_role" "glue" {
  name = "${var.name_prefix}-glue"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "glue.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "glue" {
  name = "ingestion-jobs"
  role = aws_iam_role.glue.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadJobArtifacts"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "${var.artifacts_bucket_arn}/glue/*"
      },
      {
        Sid    = "ReadStageInputs"
        Effect = "Allow"
        Action = "s3:GetObject"
        Resource = [
          "${local.docs}/processed-text/*",
          "${local.docs}/reference/*",
          "${local.docs}/extracted-facts/*",
        ]
      },
      {
        Sid      = "ListStages"
        Effect   = "Allow"
        Action   = "s3:ListBucket"
        Resource = local.docs
        Condition = { StringLike = { "s3:prefix" = [
          "processed-text/*", "reference/*", "extracted-facts/*", "quarantine/*", "neptune-load/*", "graph-reports/*",
        ] } }
      },
      {
        Sid    = "WriteStageOutputs"
        Effect = "Allow"
        Action = ["s3:PutObject", "s3:DeleteObject"]
        Resource = [
          "${local.docs}/extracted-facts/*",
          "${local.docs}/quarantine/*",
          "${local.docs}/neptune-load/*",
          "${local.docs}/graph-reports/*",
        ]
      },
      {
        Sid      = "UseKeys"
        Effect   = "Allow"
        Action   = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"]
        Resource = [var.storage_kms_key_arn, var.runtime_kms_key_arn]
      },
      {
        Sid      = "WriteJobLogs"
        Effect   = "Allow"
        Action   = ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:AssociateKmsKey"]
        Resource = "arn:${local.partition}:logs:${local.region}:${var.account_id}:log-group:/aws-glue/*"
      },
      {
        Sid       = "PublishJobMetrics"
        Effect    = "Allow"
        Action    = "cloudwatch:PutMetricData"
        Resource  = "*"
        Condition = { StringEquals = { "cloudwatch:namespace" = "Glue" } }
      },
    ]
  })
}

# Step Functions: only the service integrations the ingestion machine uses.
resource "aws_iam_role" "state_machine" {
  name = "${var.name_prefix}-ingestion-sfn"
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
  name = "ingestion-machine"
  role = aws_iam_role.state_machine.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "InvokeLiveAliases"
        Effect   = "Allow"
        Action   = "lambda:InvokeFunction"
        Resource = [for key in local.machine_functions : module.function[key].alias_arn]
      },
      {
        Sid      = "RunGlueJobsSync"
        Effect   = "Allow"
        Action   = ["glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun"]
        Resource = [for job in aws_glue_job.this : job.arn]
      },
      local.log_delivery_statement,
      local.tracing_statement,
    ]
  })
}
