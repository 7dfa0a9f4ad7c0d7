output "layer_version_arn" {
  description = "ARN of the layer version, what functions list in their layers."
  value       = aws_lambda_layer_version.this.arn
}

output "layer_arn" {
  description = "ARN of the layer without its version."
  value       = aws_lambda_layer_version.this.layer_arn
}

output "version" {
  description = "Version number of the layer."
  value       = aws_lambda_layer_version.this.version
}

output "s3_key" {
  description = "Key of the uploaded zip."
  value       = aws_s3_object.zip.key
}
