# Values the mocked AWS provider returns for computed attributes that other resources
# validate as ARNs or need in a particular shape. A test overrides what it asserts on.

mock_data "aws_region" {
  defaults = {
    name = "eu-west-1"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition  = "aws"
    dns_suffix = "amazonaws.com"
  }
}

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:user/mock"
  }
}

mock_data "aws_availability_zones" {
  defaults = {
    names = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
  }
}

mock_resource "aws_iam_role" {
  defaults = {
    arn = "arn:aws:iam::123456789012:role/mock"
  }
}

mock_resource "aws_kms_key" {
  defaults = {
    arn    = "arn:aws:kms:eu-west-1:123456789012:key/00000000-0000-0000-0000-000000000000"
    key_id = "00000000-0000-0000-0000-000000000000"
  }
}

mock_resource "aws_cloudwatch_log_group" {
  defaults = {
    arn = "arn:aws:logs:eu-west-1:123456789012:log-group:mock"
  }
}

mock_resource "aws_sqs_queue" {
  defaults = {
    arn = "arn:aws:sqs:eu-west-1:123456789012:mock-dlq"
  }
}

mock_resource "aws_sns_topic" {
  defaults = {
    arn = "arn:aws:sns:eu-west-1:123456789012:mock"
  }
}

mock_resource "aws_s3_bucket" {
  defaults = {
    arn = "arn:aws:s3:::mock"
  }
}

mock_resource "aws_lambda_function" {
  defaults = {
    arn        = "arn:aws:lambda:eu-west-1:123456789012:function:mock"
    invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:mock/invocations"
    version    = "1"
  }
}

mock_resource "aws_lambda_alias" {
  defaults = {
    arn        = "arn:aws:lambda:eu-west-1:123456789012:function:mock:live"
    invoke_arn = "arn:aws:apigateway:eu-west-1:lambda:path/2015-03-31/functions/arn:aws:lambda:eu-west-1:123456789012:function:mock:live/invocations"
  }
}

mock_resource "aws_lambda_layer_version" {
  defaults = {
    arn = "arn:aws:lambda:eu-west-1:123456789012:layer:mock:1"
  }
}

mock_resource "aws_sfn_state_machine" {
  defaults = {
    arn                       = "arn:aws:states:eu-west-1:123456789012:stateMachine:mock"
    state_machine_version_arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:mock:1"
  }
}

mock_resource "aws_sfn_alias" {
  defaults = {
    arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:mock:live"
  }
}

mock_resource "aws_glue_job" {
  defaults = {
    arn = "arn:aws:glue:eu-west-1:123456789012:job/mock"
  }
}

mock_resource "aws_dynamodb_table" {
  defaults = {
    arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/mock"
  }
}

mock_resource "aws_cognito_user_pool" {
  defaults = {
    id  = "eu-west-1_Mock"
    arn = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_Mock"
  }
}

mock_resource "aws_apigatewayv2_api" {
  defaults = {
    arn           = "arn:aws:apigateway:eu-west-1::/apis/mockapi"
    execution_arn = "arn:aws:execute-api:eu-west-1:123456789012:mockapi"
    api_endpoint  = "https://mockapi.execute-api.eu-west-1.amazonaws.com"
  }
}

mock_resource "aws_neptune_cluster" {
  defaults = {
    arn                 = "arn:aws:rds:eu-west-1:123456789012:cluster:mock"
    cluster_resource_id = "cluster-MOCK"
    endpoint            = "mock.cluster-abc.eu-west-1.neptune.amazonaws.com"
    reader_endpoint     = "mock.cluster-ro-abc.eu-west-1.neptune.amazonaws.com"
  }
}

mock_resource "aws_vpc" {
  defaults = {
    arn = "arn:aws:ec2:eu-west-1:123456789012:vpc/vpc-mock"
  }
}

mock_resource "aws_security_group" {
  defaults = {
    arn = "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-mock"
  }
}
