# The role the Neptune bulk loader assumes to read the load files the graph job writes.
resource "aws_iam_role" "loader" {
  name = "${var.name_prefix}-neptune-loader"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Service = "rds.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = { StringEquals = { "aws:SourceAccount" = var.account_id } }
    }]
  })

  tags = var.tags
}

resource "aws_iam_role_policy" "loader" {
  name = "read-load-files"
  role = aws_iam_role.loader.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid      = "ReadLoadFiles"
        Effect   = "Allow"
        Action   = "s3:GetObject"
        Resource = "${var.documents_bucket_arn}/neptune-load/*"
      },
      {
        Sid       = "ListLoadFiles"
        Effect    = "Allow"
        Action    = "s3:ListBucket"
        Resource  = var.documents_bucket_arn
        Condition = { StringLike = { "s3:prefix" = "neptune-load/*" } }
      },
      {
        Sid      = "DecryptLoadFiles"
        Effect   = "Allow"
        Action   = "kms:Decrypt"
        Resource = var.documents_kms_key_arn
      },
    ]
  })
}
