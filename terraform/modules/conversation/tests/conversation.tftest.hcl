mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

override_resource {
  target          = module.function["api"].aws_lambda_alias.live
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-api:live" }
}
override_resource {
  target          = module.function["agent_step"].aws_lambda_alias.live
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-agent-step:live" }
}
override_resource {
  target          = module.function["tool_executor"].aws_lambda_alias.live
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-tool-executor:live" }
}
override_resource {
  target          = aws_sfn_state_machine.this
  override_during = plan
  values          = { arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:loyalty-test-conversation" }
}
override_resource {
  target          = aws_apigatewayv2_integration.api
  override_during = plan
  values          = { id = "integ1" }
}
override_resource {
  target          = aws_apigatewayv2_authorizer.jwt
  override_during = plan
  values          = { id = "auth1" }
}

variables {
  name_prefix               = "loyalty-test"
  environment               = "test"
  account_id                = "123456789012"
  artifacts_dir             = "./tests/fixtures/artifacts"
  layer_arns                = ["arn:aws:lambda:eu-west-1:123456789012:layer:loyalty-test-library:7"]
  runtime_kms_key_arn       = "arn:aws:kms:eu-west-1:123456789012:key/runtime"
  profiles_table_name       = "loyalty-test-profiles"
  profiles_table_arn        = "arn:aws:dynamodb:eu-west-1:123456789012:table/loyalty-test-profiles"
  tables_kms_key_arn        = "arn:aws:kms:eu-west-1:123456789012:key/tables"
  neptune_endpoint          = "https://graph.example:8182"
  neptune_data_resource_arn = "arn:aws:neptune-db:eu-west-1:123456789012:cluster-ABC/*"
  subnet_ids                = ["subnet-a", "subnet-b"]
  security_group_ids        = ["sg-lambda"]
  jwt_issuer                = "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf"
  jwt_audience              = "client123"
  model_provider            = "bedrock"
}

run "api_routes_need_a_token_and_reach_the_live_alias" {
  command = plan

  assert {
    condition = toset([for r in aws_apigatewayv2_route.this : r.route_key]) == toset([
      "GET /v1/me/profile", "PUT /v1/me/profile", "POST /v1/conversations", "POST /v1/conversations/{id}/messages",
      "GET /v1/conversations/{id}", "POST /v1/tools/{name}", "GET /v1/programs",
    ])
    error_message = "exactly the seven routes of the conversation API"
  }

  assert {
    condition     = alltrue([for r in aws_apigatewayv2_route.this : r.authorization_type == "JWT" && r.authorizer_id == "auth1" && r.target == "integrations/integ1"])
    error_message = "every route is authorised by the JWT authorizer and goes to the API integration"
  }

  assert {
    condition     = aws_apigatewayv2_authorizer.jwt.jwt_configuration[0].issuer == var.jwt_issuer && toset(aws_apigatewayv2_authorizer.jwt.jwt_configuration[0].audience) == toset(["client123"]) && toset(aws_apigatewayv2_authorizer.jwt.identity_sources) == toset(["$request.header.Authorization"])
    error_message = "the authorizer accepts the pool's tokens for the app client only"
  }

  assert {
    condition     = aws_apigatewayv2_integration.api.integration_type == "AWS_PROXY" && aws_apigatewayv2_integration.api.payload_format_version == "2.0" && aws_apigatewayv2_integration.api.integration_uri == "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-api:live"
    error_message = "the integration proxies payload 2.0 to the API function's live alias"
  }

  assert {
    condition     = aws_lambda_permission.api.qualifier == "live" && aws_lambda_permission.api.principal == "apigateway.amazonaws.com" && aws_lambda_permission.api.source_arn == "arn:aws:execute-api:eu-west-1:123456789012:mockapi/*/*"
    error_message = "only this API may invoke the live alias"
  }

  assert {
    condition     = aws_apigatewayv2_stage.default.name == "$default" && aws_apigatewayv2_stage.default.auto_deploy && aws_apigatewayv2_stage.default.default_route_settings[0].throttling_burst_limit == 50 && aws_apigatewayv2_stage.default.default_route_settings[0].throttling_rate_limit == 20
    error_message = "the default stage deploys itself and throttles"
  }

  assert {
    condition     = aws_apigatewayv2_stage.default.access_log_settings[0].destination_arn == aws_cloudwatch_log_group.api_access.arn && can(jsondecode(aws_apigatewayv2_stage.default.access_log_settings[0].format).requestId) && aws_cloudwatch_log_group.api_access.kms_key_id == var.runtime_kms_key_arn
    error_message = "access logs are JSON, in an encrypted log group"
  }
}

run "conversation_machine_and_function_access" {
  command = plan

  assert {
    condition     = aws_sfn_state_machine.this.name == "loyalty-test-conversation" && aws_sfn_state_machine.this.type == "EXPRESS"
    error_message = "the conversation machine is an Express machine"
  }

  assert {
    condition     = aws_sfn_state_machine.this.logging_configuration[0].level == "ALL" && !aws_sfn_state_machine.this.logging_configuration[0].include_execution_data && aws_sfn_state_machine.this.tracing_configuration[0].enabled
    error_message = "Express executions are logged (ALL, without data) and traced"
  }

  assert {
    condition     = sort(keys(local.definition_variables)) == tolist(["agent_step_function_arn", "tool_executor_function_arn"]) && !strcontains(aws_sfn_state_machine.this.definition, "$${")
    error_message = "the template gets exactly the placeholders of docs/topology.md and fills them all"
  }

  assert {
    condition     = jsondecode(aws_sfn_state_machine.this.definition).States.ModelStep.Parameters.FunctionName == "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-agent-step:live" && jsondecode(aws_sfn_state_machine.this.definition).TimeoutSeconds == 25
    error_message = "ModelStep invokes the agent step's live alias within 25 seconds"
  }

  assert {
    condition     = toset(one([for s in jsondecode(aws_iam_role_policy.state_machine.policy).Statement : s.Resource if s.Sid == "InvokeLiveAliases"])) == toset(["arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-agent-step:live", "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-tool-executor:live"])
    error_message = "the machine may invoke only the two step functions' live aliases"
  }

  assert {
    condition     = local.functions["api"].environment.CONVERSATION_STATE_MACHINE_ARN == aws_sfn_state_machine.this.arn && one([for s in local.functions["api"].statements : s.Resource if s.Action == "states:StartSyncExecution"]) == aws_sfn_state_machine.this.arn
    error_message = "the API function runs turns synchronously on the conversation machine, and only there"
  }

  assert {
    condition     = one([for s in local.functions["agent_step"].statements : s.Resource if s.Action == "bedrock:InvokeModel"]) == "arn:aws:bedrock:eu-west-1::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"
    error_message = "the agent may invoke exactly one foundation model"
  }

  assert {
    condition     = alltrue([for key in ["api", "tool_executor"] : one([for s in local.functions[key].statements : s.Resource if s.Sid == "ReadGraph"]) == var.neptune_data_resource_arn])
    error_message = "graph reads are scoped to the cluster's data resource"
  }

  assert {
    condition     = alltrue([for f in local.functions : alltrue([for s in f.statements : s.Resource == var.profiles_table_arn if startswith(jsonencode(s.Action), "[\"dynamodb:")])])
    error_message = "table access is scoped to the profiles table"
  }

  assert {
    condition = tomap({ for key, f in local.functions : key => sort(keys(f.environment)) }) == tomap({
      api           = ["CONVERSATION_STATE_MACHINE_ARN", "CONVERSATION_TTL_DAYS", "NEPTUNE_ENDPOINT", "PROFILES_TABLE"]
      agent_step    = ["BEDROCK_MODEL_ID", "CONVERSATION_TTL_DAYS", "MAX_TOOL_ITERATIONS", "MODEL_PROVIDER", "OPENAI_BASE_URL", "PROFILES_TABLE"]
      tool_executor = ["CONVERSATION_TTL_DAYS", "NEPTUNE_ENDPOINT", "PROFILES_TABLE"]
    })
    error_message = "each function gets exactly the variables docs/topology.md lists for it"
  }

  assert {
    condition     = [for key, f in local.functions : key if f.in_vpc] == ["api", "tool_executor"]
    error_message = "the functions that read the graph run in the VPC"
  }
}

run "offline_agent_needs_no_model_access" {
  command = plan

  variables {
    model_provider = "offline"
  }

  assert {
    condition     = length([for s in local.functions["agent_step"].statements : s if s.Action == "bedrock:InvokeModel"]) == 0
    error_message = "without Bedrock the agent gets no model permission"
  }

  assert {
    condition     = local.functions["agent_step"].in_vpc && contains(keys(local.functions["agent_step"].environment), "NEPTUNE_ENDPOINT")
    error_message = "the offline agent reads the graph's vocabulary from inside the VPC"
  }

  assert {
    condition     = length([for s in local.functions["agent_step"].statements : s if s.Sid == "ReadGraph"]) == 1
    error_message = "the offline agent may read the graph"
  }
}

run "rejects_invalid_inputs" {
  command = plan

  variables {
    model_provider   = "magic"
    bedrock_model_id = "arn:aws:bedrock:eu-west-1::foundation-model/x"
  }

  expect_failures = [
    var.model_provider,
    var.bedrock_model_id,
  ]
}
