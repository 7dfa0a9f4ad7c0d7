output "bucket" {
  description = "Name of the access-log bucket, available once its policy lets S3 deliver logs (PutBucketLogging checks the target's permissions)."
  value       = aws_s3_bucket.this.bucket

  depends_on = [aws_s3_bucket_policy.this]
}

output "arn" {
  description = "ARN of the access-log bucket."
  value       = aws_s3_bucket.this.arn
}
