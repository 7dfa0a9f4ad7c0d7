mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan

  mock_resource "aws_cloudwatch_log_group" {
    defaults = {
      arn = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/loyalty-test-fn"
    }
  }
  mock_resource "aws_lambda_function" {
    defaults = {
      arn     = "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-fn"
      version = "3"
    }
  }
}

variables {
  function_name = "loyalty-test-fn"
  filename      = "./tests/fixtures/function.zip"
  kms_key_arn   = "arn:aws:kms:eu-west-1:123456789012:key/runtime"
  layers        = ["arn:aws:lambda:eu-west-1:123456789012:layer:loyalty-test-library:1"]
  environment_variables = {
    POWERTOOLS_SERVICE_NAME = "test"
  }
  policy_json = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::bucket/raw/*" }]
  })
}

run "function_is_published_behind_live_alias" {
  command = plan

  assert {
    condition     = aws_lambda_function.this.publish && aws_lambda_alias.live.name == "live"
    error_message = "the function must publish a version and expose it through the live alias"
  }

  assert {
    condition     = aws_lambda_alias.live.function_version == aws_lambda_function.this.version
    error_message = "the live alias must point at the version this apply published"
  }

  assert {
    condition     = aws_lambda_function.this.runtime == "python3.11" && aws_lambda_function.this.handler == "handler.lambda_handler" && aws_lambda_function.this.architectures == tolist(["x86_64"])
    error_message = "runtime, handler and architecture must follow the topology"
  }

  assert {
    condition     = aws_lambda_function.this.source_code_hash == filebase64sha256("./tests/fixtures/function.zip")
    error_message = "the code hash must come from the zip, so a rebuilt zip redeploys"
  }

  assert {
    condition     = aws_lambda_function.this.tracing_config[0].mode == "Active"
    error_message = "X-Ray tracing must be active"
  }

  assert {
    condition     = aws_lambda_function.this.kms_key_arn == var.kms_key_arn && aws_cloudwatch_log_group.this.kms_key_id == var.kms_key_arn
    error_message = "environment variables and logs must be encrypted with the given key"
  }

  assert {
    condition     = aws_cloudwatch_log_group.this.name == "/aws/lambda/loyalty-test-fn" && aws_cloudwatch_log_group.this.retention_in_days == 30
    error_message = "the function's own log group must be created with a retention"
  }

  assert {
    condition     = length(aws_sqs_queue.dlq) == 0 && length(aws_lambda_function.this.dead_letter_config) == 0 && length(aws_lambda_function.this.vpc_config) == 0
    error_message = "no dead-letter queue and no VPC unless asked for"
  }

  assert {
    condition     = aws_iam_role_policy.function.policy == var.policy_json
    error_message = "the function's own policy must be exactly the one passed in"
  }

  assert {
    condition     = jsondecode(aws_iam_role_policy.runtime.policy).Statement[0].Resource == "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lambda/loyalty-test-fn:*"
    error_message = "the function may write only to its own log group"
  }

  assert {
    condition     = toset(flatten([for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Action])) == toset(["logs:CreateLogStream", "logs:PutLogEvents", "xray:PutTraceSegments", "xray:PutTelemetryRecords", "kms:Decrypt"])
    error_message = "without a queue or VPC the runtime policy holds only logs, X-Ray and key decryption"
  }

  assert {
    condition     = jsondecode(aws_iam_role.this.assume_role_policy).Statement[0].Principal.Service == "lambda.amazonaws.com"
    error_message = "only Lambda may assume the function role"
  }
}

run "dead_letter_queue_and_vpc" {
  command = plan

  variables {
    create_dlq         = true
    subnet_ids         = ["subnet-a", "subnet-b"]
    security_group_ids = ["sg-lambda"]
  }

  assert {
    condition     = aws_sqs_queue.dlq[0].name == "loyalty-test-fn-dlq" && aws_sqs_queue.dlq[0].kms_master_key_id == var.kms_key_arn
    error_message = "the dead-letter queue must be named after the function and KMS-encrypted"
  }

  assert {
    condition     = aws_lambda_function.this.dead_letter_config[0].target_arn == aws_sqs_queue.dlq[0].arn
    error_message = "asynchronous failures must land in the queue"
  }

  assert {
    condition     = one([for s in jsondecode(aws_iam_role_policy.runtime.policy).Statement : s.Resource if s.Sid == "SendToDeadLetterQueue"]) == aws_sqs_queue.dlq[0].arn
    error_message = "the role may send only to its own queue"
  }

  assert {
    condition     = toset(aws_lambda_function.this.vpc_config[0].subnet_ids) == toset(["subnet-a", "subnet-b"])
    error_message = "the function must be attached to the given subnets"
  }
}

run "rejects_invalid_inputs" {
  command = plan

  variables {
    function_name      = "loyalty-a-function-name-that-is-far-too-long-for-iam-and-sqs-names"
    log_retention_days = 10
  }

  expect_failures = [
    var.function_name,
    var.log_retention_days,
  ]
}
