locals {
  source_hash = filebase64sha256(var.filename)
  s3_key      = "${var.s3_key_prefix}${var.layer_name}-${filesha256(var.filename)}.zip"
}

resource "aws_s3_object" "zip" {
  bucket             = var.s3_bucket
  key                = local.s3_key
  source             = var.filename
  source_hash        = local.source_hash
  kms_key_id         = var.kms_key_arn
  bucket_key_enabled = true

  tags = var.tags
}

resource "aws_lambda_layer_version" "this" {
  layer_name               = var.layer_name
  description              = var.description
  s3_bucket                = aws_s3_object.zip.bucket
  s3_key                   = aws_s3_object.zip.key
  s3_object_version        = aws_s3_object.zip.version_id
  source_code_hash         = local.source_hash
  compatible_runtimes      = var.compatible_runtimes
  compatible_architectures = var.compatible_architectures
}
