mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  name_prefix = "loyalty-test"
  account_id  = "123456789012"
  kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/runtime"
}

run "private_subnets_and_endpoints" {
  command = plan

  assert {
    condition     = length(aws_subnet.private) == 2 && toset(aws_subnet.private[*].availability_zone) == toset(["eu-west-1a", "eu-west-1b"])
    error_message = "one private subnet per availability zone"
  }

  assert {
    condition     = aws_subnet.private[0].cidr_block == "10.40.0.0/20" && aws_subnet.private[1].cidr_block == "10.40.16.0/20"
    error_message = "subnets are consecutive /20s of the VPC"
  }

  assert {
    condition     = alltrue([for s in aws_subnet.private : !s.map_public_ip_on_launch])
    error_message = "subnets must not hand out public addresses"
  }

  assert {
    condition     = toset(keys(aws_vpc_endpoint.gateway)) == toset(["s3", "dynamodb"]) && aws_vpc_endpoint.gateway["s3"].service_name == "com.amazonaws.eu-west-1.s3"
    error_message = "S3 and DynamoDB are reached through gateway endpoints"
  }

  assert {
    condition     = toset(keys(aws_vpc_endpoint.interface)) == toset(["states", "sync-states", "xray"]) && alltrue([for e in aws_vpc_endpoint.interface : e.private_dns_enabled && e.vpc_endpoint_type == "Interface"])
    error_message = "the services the functions call are reached through interface endpoints with private DNS"
  }

  assert {
    condition     = aws_vpc_security_group_ingress_rule.neptune_from_lambda.from_port == 8182 && aws_vpc_security_group_ingress_rule.neptune_from_lambda.referenced_security_group_id == aws_security_group.lambda.id
    error_message = "Neptune accepts port 8182 from the functions' group only"
  }

  assert {
    condition     = aws_flow_log.this[0].traffic_type == "ALL" && aws_cloudwatch_log_group.flow_logs[0].kms_key_id == var.kms_key_arn
    error_message = "flow logs record all traffic into an encrypted log group"
  }

  assert {
    condition     = length(aws_default_security_group.this.ingress) == 0 && length(aws_default_security_group.this.egress) == 0
    error_message = "the default security group must allow nothing"
  }
}

run "local_cloud_without_endpoints" {
  command = plan

  variables {
    enable_vpc_endpoints = false
    enable_flow_logs     = false
  }

  assert {
    condition     = length(aws_vpc_endpoint.gateway) == 0 && length(aws_vpc_endpoint.interface) == 0 && length(aws_vpc_security_group_egress_rule.lambda_to_gateways) == 0
    error_message = "no endpoints when they are switched off"
  }

  assert {
    condition     = length(aws_flow_log.this) == 0 && output.vpc_endpoint_ids == {}
    error_message = "no flow logs when they are switched off"
  }
}

run "rejects_invalid_inputs" {
  command = plan

  variables {
    az_count = 1
    vpc_cidr = "10.40.0.0/24"
  }

  expect_failures = [
    var.az_count,
    var.vpc_cidr,
  ]
}
