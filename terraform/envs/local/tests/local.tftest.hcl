# The local environment composed against a mocked provider: the whole topology plans, with
# the local cloud's settings in effect.
mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  artifacts_dir        = "../../modules/platform/tests/fixtures/artifacts"
  reference_facts_file = "../../modules/ingestion/tests/fixtures/reference.jsonl"
}

run "local_topology" {
  command = plan

  assert {
    condition     = output.neptune_endpoint == "http://127.0.0.1:8182"
    error_message = "the functions use the local cloud's graph endpoint"
  }

  assert {
    condition     = output.documents_bucket == "loyalty-local-documents-123456789012"
    error_message = "the local environment's names use loyalty-local and the local account id"
  }

  assert {
    condition     = length(output.function_names) == 10 && output.function_names.pipeline_trigger == "loyalty-local-pipeline-trigger"
    error_message = "the local cloud gets every function"
  }

  assert {
    condition     = module.platform.name_prefix == "loyalty-local"
    error_message = "the environment is named local"
  }
}
