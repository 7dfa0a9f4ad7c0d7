# The role Textract assumes to publish job completion to the textract-completion topic
# (StartDocumentAnalysis NotificationChannel.RoleArn).
resource "aws_iam_role" "textract" {
  name = "${var.name_prefix}-textract-publisher"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "textract.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "textract" {
  name = "publish-completion"
  role = aws_iam_role.textract.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "PublishCompletion"
        Effect   = "Allow"
        Action   = "sns:Publish"
        Resource = aws_sns_topic.this["textract_completion"].arn
      },
      {
        Sid      = "EncryptMessages"
        Effect   = "Allow"
        Action   = ["kms:GenerateDataKey", "kms:Decrypt"]
        Resource = module.key.key_arn
      },
    ]
  })
}
