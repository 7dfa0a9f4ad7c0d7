output "bucket" {
  description = "Name of the bucket."
  value       = aws_s3_bucket.this.bucket
}

output "arn" {
  description = "ARN of the bucket."
  value       = aws_s3_bucket.this.arn
}

output "id" {
  description = "Id of the bucket, for resources that configure it."
  value       = aws_s3_bucket.this.id
}
