output "user_pool_id" {
  description = "Id of the user pool."
  value       = aws_cognito_user_pool.this.id
}

output "user_pool_arn" {
  description = "ARN of the user pool."
  value       = aws_cognito_user_pool.this.arn
}

output "client_id" {
  description = "Id of the app client: the audience of the JWT authorizer."
  value       = aws_cognito_user_pool_client.app.id
}

output "issuer_url" {
  description = "Token issuer of the pool: the JWT authorizer's issuer."
  value       = "https://cognito-idp.${data.aws_region.current.name}.amazonaws.com/${aws_cognito_user_pool.this.id}"
}
