# The whole environment composed from the modules, planned and applied against a mocked
# provider: every module fits the others and the environment's switches take effect.
mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  environment   = "dev"
  account_id    = "123456789012"
  artifacts_dir = "./tests/fixtures/artifacts"
}

run "cloud_environment" {
  command = plan

  assert {
    condition     = output.name_prefix == "loyalty-dev" && output.documents_bucket == "loyalty-dev-documents-123456789012" && output.artifacts_bucket == "loyalty-dev-artifacts-123456789012" && output.profiles_table == "loyalty-dev-profiles"
    error_message = "names follow loyalty-<env> and buckets end with the account id"
  }

  assert {
    condition = output.function_names == {
      pipeline_trigger    = "loyalty-dev-pipeline-trigger"
      dispatch            = "loyalty-dev-dispatch"
      textract_callback   = "loyalty-dev-textract-callback"
      neptune_load_start  = "loyalty-dev-neptune-load-start"
      neptune_load_status = "loyalty-dev-neptune-load-status"
      finalize            = "loyalty-dev-finalize"
      notifier            = "loyalty-dev-notifier"
      api                 = "loyalty-dev-api"
      agent_step          = "loyalty-dev-agent-step"
      tool_executor       = "loyalty-dev-tool-executor"
    }
    error_message = "the ten functions of docs/topology.md"
  }

  assert {
    condition     = output.glue_job_names == { extract = "loyalty-dev-extract-facts", graph = "loyalty-dev-build-graph-load" }
    error_message = "the two Glue jobs of docs/topology.md"
  }

  assert {
    condition     = output.neptune_endpoint == "https://mock.cluster-abc.eu-west-1.neptune.amazonaws.com:8182" && module.knowledge_graph.data_resource_arn == "arn:aws:neptune-db:eu-west-1:123456789012:cluster-MOCK/*"
    error_message = "the functions reach the cluster over HTTPS on 8182, scoped to its resource id"
  }

  assert {
    condition     = output.issuer_url == "https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_Mock"
    error_message = "the API trusts the environment's user pool"
  }

  assert {
    condition     = length(module.observability.alarm_names) == 16 && contains(keys(module.observability.alarm_names), "dlq-pipeline_trigger-messages") && contains(keys(module.observability.alarm_names), "sfn-conversation-failed")
    error_message = "alarms cover 10 functions, 2 machines, 2 jobs and 2 dead-letter queues"
  }

  assert {
    condition     = toset(keys(module.network.vpc_endpoint_ids)) == toset(["s3", "dynamodb", "states", "sync-states", "xray"])
    error_message = "the private functions reach AWS through the VPC endpoints"
  }
}

run "local_cloud_settings" {
  command = plan

  variables {
    environment               = "local"
    create_neptune_cluster    = false
    neptune_endpoint_override = "http://127.0.0.1:8182"
    enable_vpc_endpoints      = false
    enable_flow_logs          = false
    deletion_protection       = false
    force_destroy_buckets     = true
    model_provider            = "offline"
  }

  assert {
    condition     = output.neptune_endpoint == "http://127.0.0.1:8182" && module.knowledge_graph.cluster_arn == null
    error_message = "the local cloud's graph endpoint replaces the cluster"
  }

  assert {
    condition     = length(module.network.vpc_endpoint_ids) == 0
    error_message = "no VPC endpoints in the local cloud"
  }

  assert {
    condition     = output.function_names.api == "loyalty-local-api" && output.documents_bucket == "loyalty-local-documents-123456789012"
    error_message = "the local environment has the same topology under its own prefix"
  }
}

run "rejects_a_bad_environment_name" {
  command = plan

  variables {
    environment = "Dev_1"
  }

  expect_failures = [var.environment]
}
