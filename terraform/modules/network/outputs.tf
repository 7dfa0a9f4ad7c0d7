output "vpc_id" {
  description = "Id of the VPC."
  value       = aws_vpc.this.id
}

output "private_subnet_ids" {
  description = "Ids of the private subnets, one per availability zone."
  value       = aws_subnet.private[*].id
}

output "lambda_security_group_id" {
  description = "Security group of the functions attached to the VPC."
  value       = aws_security_group.lambda.id
}

output "neptune_security_group_id" {
  description = "Security group of the Neptune cluster."
  value       = aws_security_group.neptune.id
}

output "endpoints_security_group_id" {
  description = "Security group of the interface endpoints."
  value       = aws_security_group.endpoints.id
}

output "vpc_endpoint_ids" {
  description = "Ids of the VPC endpoints by service (empty when endpoints are off)."
  value       = merge({ for k, e in aws_vpc_endpoint.gateway : k => e.id }, { for k, e in aws_vpc_endpoint.interface : k => e.id })
}
