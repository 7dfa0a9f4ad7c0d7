mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

# Distinct ARNs for every alias, so wiring assertions can tell them apart.
override_resource {
  target          = module.function["pipeline_trigger"].aws_lambda_alias.live
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-pipeline-trigger:live" }
}
override_resource {
  target          = module.function["textract_callback"].aws_lambda_alias.live
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-textract-callback:live" }
}
override_resource {
  target          = module.function["dispatch"].aws_lambda_alias.live
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-dispatch:live" }
}
override_resource {
  target          = module.function["finalize"].aws_lambda_alias.live
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-finalize:live" }
}
override_resource {
  target          = module.function["notifier"].aws_lambda_alias.live
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-notifier:live" }
}
override_resource {
  target          = module.function["neptune_load_start"].aws_lambda_alias.live
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-neptune-load-start:live" }
}
override_resource {
  target          = module.function["neptune_load_status"].aws_lambda_alias.live
  override_during = plan
  values          = { arn = "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-neptune-load-status:live" }
}
override_resource {
  target          = aws_glue_job.this["extract"]
  override_during = plan
  values          = { arn = "arn:aws:glue:eu-west-1:123456789012:job/loyalty-test-extract-facts" }
}
override_resource {
  target          = aws_glue_job.this["graph"]
  override_during = plan
  values          = { arn = "arn:aws:glue:eu-west-1:123456789012:job/loyalty-test-build-graph-load" }
}
override_resource {
  target          = aws_sfn_state_machine.this
  override_during = plan
  values = {
    arn                       = "arn:aws:states:eu-west-1:123456789012:stateMachine:loyalty-test-ingestion"
    state_machine_version_arn = "arn:aws:states:eu-west-1:123456789012:stateMachine:loyalty-test-ingestion:4"
  }
}

variables {
  name_prefix               = "loyalty-test"
  environment               = "test"
  account_id                = "123456789012"
  artifacts_dir             = "./tests/fixtures/artifacts"
  layer_arns                = ["arn:aws:lambda:eu-west-1:123456789012:layer:loyalty-test-library:7"]
  runtime_kms_key_arn       = "arn:aws:kms:eu-west-1:123456789012:key/runtime"
  documents_bucket_name     = "loyalty-test-documents-123456789012"
  documents_bucket_arn      = "arn:aws:s3:::loyalty-test-documents-123456789012"
  artifacts_bucket_name     = "loyalty-test-artifacts-123456789012"
  artifacts_bucket_arn      = "arn:aws:s3:::loyalty-test-artifacts-123456789012"
  storage_kms_key_arn       = "arn:aws:kms:eu-west-1:123456789012:key/storage"
  idempotency_table_name    = "loyalty-test-idempotency"
  idempotency_table_arn     = "arn:aws:dynamodb:eu-west-1:123456789012:table/loyalty-test-idempotency"
  tables_kms_key_arn        = "arn:aws:kms:eu-west-1:123456789012:key/tables"
  curator_topic_arn         = "arn:aws:sns:eu-west-1:123456789012:loyalty-test-curator"
  traveller_topic_arn       = "arn:aws:sns:eu-west-1:123456789012:loyalty-test-traveller"
  textract_topic_arn        = "arn:aws:sns:eu-west-1:123456789012:loyalty-test-textract-completion"
  textract_role_arn         = "arn:aws:iam::123456789012:role/loyalty-test-textract-publisher"
  notifications_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/notifications"
  neptune_endpoint          = "https://graph.example:8182"
  neptune_loader_role_arn   = "arn:aws:iam::123456789012:role/loyalty-test-neptune-loader"
  neptune_data_resource_arn = "arn:aws:neptune-db:eu-west-1:123456789012:cluster-ABC/*"
  subnet_ids                = ["subnet-a", "subnet-b"]
  security_group_ids        = ["sg-lambda"]
  reference_facts_file      = "./tests/fixtures/reference.jsonl"
}

run "functions_and_their_access" {
  command = plan

  assert {
    condition = output.function_names == {
      pipeline_trigger    = "loyalty-test-pipeline-trigger"
      dispatch            = "loyalty-test-dispatch"
      textract_callback   = "loyalty-test-textract-callback"
      neptune_load_start  = "loyalty-test-neptune-load-start"
      neptune_load_status = "loyalty-test-neptune-load-status"
      finalize            = "loyalty-test-finalize"
      notifier            = "loyalty-test-notifier"
    }
    error_message = "the seven ingestion functions are <prefix>-<folder with dashes>"
  }

  assert {
    condition = tomap({
      for key, f in local.functions : key => sort(keys(f.environment))
      }) == tomap({
      pipeline_trigger    = ["CURATOR_TOPIC_ARN", "DOCUMENTS_BUCKET", "IDEMPOTENCY_TABLE", "INGESTION_STATE_MACHINE_ARN", "MAX_DOCUMENT_BYTES"]
      dispatch            = ["DOCUMENTS_BUCKET", "MAX_DOCUMENT_BYTES", "TEXTRACT_ROLE_ARN", "TEXTRACT_TOPIC_ARN"]
      textract_callback   = ["DOCUMENTS_BUCKET"]
      neptune_load_start  = ["DOCUMENTS_BUCKET", "NEPTUNE_ENDPOINT", "NEPTUNE_LOADER_ROLE_ARN"]
      neptune_load_status = ["NEPTUNE_ENDPOINT"]
      finalize            = ["DOCUMENTS_BUCKET"]
      notifier            = ["CURATOR_TOPIC_ARN", "TRAVELLER_TOPIC_ARN"]
    })
    error_message = "each function gets exactly the variables docs/topology.md lists for it"
  }

  assert {
    condition     = local.functions["pipeline_trigger"].environment.INGESTION_STATE_MACHINE_ARN == aws_sfn_state_machine.this.arn
    error_message = "the trigger starts executions on the ingestion machine's ARN"
  }

  assert {
    condition     = local.common_environment == { POWERTOOLS_METRICS_NAMESPACE = "LoyaltyMaximizer", POWERTOOLS_LOG_LEVEL = "INFO", ENVIRONMENT = "test" }
    error_message = "every function gets the Powertools namespace, log level and environment"
  }

  assert {
    condition     = output.dead_letter_queue_names == { pipeline_trigger = "loyalty-test-pipeline-trigger-dlq", textract_callback = "loyalty-test-textract-callback-dlq" }
    error_message = "only the asynchronously invoked functions have dead-letter queues"
  }

  assert {
    condition     = [for key, f in local.functions : key if f.in_vpc] == ["neptune_load_start", "neptune_load_status"]
    error_message = "only the functions that reach Neptune run in the VPC"
  }

  assert {
    condition = toset(flatten([for s in local.trigger_statements : s.Action])) == toset([
      "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject", "s3:DeleteObject",
      "states:StartExecution",
      "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem",
      "sns:Publish",
      "kms:Decrypt", "kms:GenerateDataKey",
    ])
    error_message = "the trigger may only read raw/, quarantine, start the machine, keep idempotency records and tell the curator"
  }

  assert {
    condition = toset(flatten([for s in local.trigger_statements : s.Resource])) == toset([
      "arn:aws:s3:::loyalty-test-documents-123456789012/raw/*",
      "arn:aws:s3:::loyalty-test-documents-123456789012/quarantine/*",
      "arn:aws:states:eu-west-1:123456789012:stateMachine:loyalty-test-ingestion",
      "arn:aws:dynamodb:eu-west-1:123456789012:table/loyalty-test-idempotency",
      "arn:aws:sns:eu-west-1:123456789012:loyalty-test-curator",
      "arn:aws:kms:eu-west-1:123456789012:key/storage",
      "arn:aws:kms:eu-west-1:123456789012:key/tables",
      "arn:aws:kms:eu-west-1:123456789012:key/notifications",
    ])
    error_message = "the trigger's statements name only its prefixes, the machine, its table, the curator topic and their keys"
  }

  assert {
    condition     = one([for s in local.trigger_statements : s.Resource if s.Action == "states:StartExecution"]) == aws_sfn_state_machine.this.arn
    error_message = "the trigger may start only the ingestion machine"
  }

  assert {
    condition     = alltrue([for key, f in local.functions : !contains(flatten([for s in f.statements : s.Resource]), "*") || key == "dispatch" || key == "textract_callback"])
    error_message = "only the Textract calls (which have no resource-level permissions) use a wildcard resource"
  }

  assert {
    condition     = toset(flatten([for s in local.functions["neptune_load_start"].statements : s.Resource])) == toset(["arn:aws:neptune-db:eu-west-1:123456789012:cluster-ABC/*"])
    error_message = "the loader functions reach only the cluster's data resource"
  }

  assert {
    condition     = one([for s in local.functions["dispatch"].statements : s.Condition.StringEquals["iam:PassedToService"] if s.Action == "iam:PassRole"]) == "textract.amazonaws.com"
    error_message = "dispatch may pass the publisher role to Textract only"
  }
}

run "machine_events_and_jobs_are_wired_to_live_aliases" {
  command = plan

  assert {
    condition     = aws_sfn_state_machine.this.name == "loyalty-test-ingestion" && aws_sfn_state_machine.this.type == "STANDARD" && aws_sfn_state_machine.this.publish
    error_message = "the ingestion machine is a Standard machine that publishes versions"
  }

  assert {
    condition     = sort(keys(local.definition_variables)) == sort(["dispatch_function_arn", "finalize_function_arn", "notifier_function_arn", "neptune_load_start_function_arn", "neptune_load_status_function_arn", "extract_job_name", "graph_job_name", "documents_bucket"])
    error_message = "the template gets exactly the placeholders of docs/topology.md"
  }

  assert {
    condition     = !strcontains(aws_sfn_state_machine.this.definition, "$${")
    error_message = "every placeholder of the ASL must be filled"
  }

  assert {
    condition     = jsondecode(aws_sfn_state_machine.this.definition).States.Dispatch.Parameters.FunctionName == "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-dispatch:live"
    error_message = "Dispatch invokes the dispatch function's live alias"
  }

  assert {
    condition     = jsondecode(aws_sfn_state_machine.this.definition).States.ExtractFacts.Parameters.JobName == "loyalty-test-extract-facts" && jsondecode(aws_sfn_state_machine.this.definition).States.BuildGraphLoad.Parameters.JobName == "loyalty-test-build-graph-load"
    error_message = "the Glue tasks run the two jobs by name"
  }

  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.state_machine.policy).Statement : s.Resource if s.Sid == "InvokeLiveAliases"])) == toset([
      "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-dispatch:live",
      "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-finalize:live",
      "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-notifier:live",
      "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-neptune-load-start:live",
      "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-neptune-load-status:live",
    ])
    error_message = "the machine may invoke exactly the live aliases of the functions it calls"
  }

  assert {
    condition = toset(flatten([for s in jsondecode(aws_iam_role_policy.state_machine.policy).Statement : s.Action if !startswith(s.Sid, "DeliverExecutionLogs") && s.Sid != "Tracing"])) == toset([
      "lambda:InvokeFunction", "glue:StartJobRun", "glue:GetJobRun", "glue:GetJobRuns", "glue:BatchStopJobRun",
    ])
    error_message = "besides logs and tracing the machine's role grants only Lambda invoke and the Glue sync actions"
  }

  assert {
    condition     = toset(one([for s in jsondecode(aws_iam_role_policy.state_machine.policy).Statement : s.Resource if s.Sid == "RunGlueJobsSync"])) == toset(["arn:aws:glue:eu-west-1:123456789012:job/loyalty-test-extract-facts", "arn:aws:glue:eu-west-1:123456789012:job/loyalty-test-build-graph-load"])
    error_message = "the Glue actions are scoped to the two jobs"
  }

  assert {
    condition     = aws_sfn_state_machine.this.logging_configuration[0].level == "ERROR" && !aws_sfn_state_machine.this.logging_configuration[0].include_execution_data && aws_sfn_state_machine.this.logging_configuration[0].log_destination == "${aws_cloudwatch_log_group.state_machine.arn}:*"
    error_message = "errors are logged without execution data to the machine's log group"
  }

  assert {
    condition     = aws_sfn_state_machine.this.tracing_configuration[0].enabled && aws_cloudwatch_log_group.state_machine.kms_key_id == var.runtime_kms_key_arn
    error_message = "tracing on and encrypted logs"
  }

  assert {
    condition     = aws_sfn_alias.live.name == "live" && one(aws_sfn_alias.live.routing_configuration).state_machine_version_arn == "arn:aws:states:eu-west-1:123456789012:stateMachine:loyalty-test-ingestion:4" && one(aws_sfn_alias.live.routing_configuration).weight == 100
    error_message = "the live alias routes everything to the published version"
  }

  assert {
    condition     = length(aws_s3_bucket_notification.documents.lambda_function) == 1 && alltrue([for n in aws_s3_bucket_notification.documents.lambda_function : n.lambda_function_arn == "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-pipeline-trigger:live" && n.filter_prefix == "raw/" && n.events == toset(["s3:ObjectCreated:*"])])
    error_message = "uploads under raw/ invoke the trigger's live alias"
  }

  assert {
    condition     = alltrue([for n in aws_s3_bucket_notification.documents.lambda_function : n.filter_suffix == null || n.filter_suffix == ""])
    error_message = "every upload type reaches the trigger, which quarantines what it cannot read"
  }

  assert {
    condition     = aws_lambda_permission.documents_bucket.qualifier == "live" && aws_lambda_permission.documents_bucket.principal == "s3.amazonaws.com" && aws_lambda_permission.documents_bucket.source_arn == var.documents_bucket_arn && aws_lambda_permission.documents_bucket.source_account == "123456789012"
    error_message = "only the documents bucket of this account may invoke the trigger's live alias"
  }

  assert {
    condition     = aws_sns_topic_subscription.textract_callback.endpoint == "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-textract-callback:live" && aws_sns_topic_subscription.textract_callback.topic_arn == var.textract_topic_arn
    error_message = "Textract completions reach the callback's live alias"
  }

  assert {
    condition     = aws_lambda_permission.textract_topic.qualifier == "live" && aws_lambda_permission.textract_topic.source_arn == var.textract_topic_arn
    error_message = "only the completion topic may invoke the callback's live alias"
  }

  assert {
    condition     = alltrue([for job in aws_glue_job.this : job.glue_version == "5.0" && job.command[0].python_version == "3" && job.command[0].name == "glueetl"])
    error_message = "both jobs are Glue 5 Python jobs"
  }

  assert {
    condition     = aws_s3_object.glue["extract_script"].key == "glue/0.1.0-abc1234/extract_facts.py" && aws_s3_object.glue["wheel"].key == "glue/0.1.0-abc1234/loyalty_maximizer-0.1.0-py3-none-any.whl"
    error_message = "artifacts are uploaded under glue/<manifest version>/"
  }

  assert {
    condition     = aws_glue_job.this["extract"].command[0].script_location == "s3://loyalty-test-artifacts-123456789012/glue/0.1.0-abc1234/extract_facts.py" && aws_glue_job.this["graph"].command[0].script_location == "s3://loyalty-test-artifacts-123456789012/glue/0.1.0-abc1234/build_graph_load.py"
    error_message = "each job runs its uploaded script"
  }

  assert {
    condition = aws_glue_job.this["extract"].default_arguments == tomap({
      "--job-language"                     = "python"
      "--extra-py-files"                   = "s3://loyalty-test-artifacts-123456789012/glue/0.1.0-abc1234/loyalty_maximizer-0.1.0-py3-none-any.whl"
      "--additional-python-modules"        = "annotated-types==0.7.0,pydantic==2.11.7,awswrangler==3.12.1"
      "--reference-facts"                  = "s3://loyalty-test-documents-123456789012/reference/"
      "--output"                           = "s3://loyalty-test-documents-123456789012/"
      "--enable-continuous-cloudwatch-log" = "true"
      "--enable-metrics"                   = "true"
      "--job-bookmark-option"              = "job-bookmark-disable"
      "--max-bytes"                        = "5000000"
    })
    error_message = "the extract job's arguments name the wheel, the pinned modules, the reference facts and the output"
  }

  assert {
    condition     = aws_glue_job.this["graph"].execution_property[0].max_concurrent_runs == 1 && aws_glue_job.this["extract"].execution_property[0].max_concurrent_runs == 10
    error_message = "one graph build at a time"
  }

  assert {
    condition     = alltrue([for job in aws_glue_job.this : job.security_configuration == aws_glue_security_configuration.this.name])
    error_message = "both jobs run with the security configuration"
  }

  assert {
    condition     = aws_glue_security_configuration.this.encryption_configuration[0].s3_encryption[0].s3_encryption_mode == "SSE-KMS" && aws_glue_security_configuration.this.encryption_configuration[0].cloudwatch_encryption[0].cloudwatch_encryption_mode == "SSE-KMS" && aws_glue_security_configuration.this.encryption_configuration[0].job_bookmarks_encryption[0].job_bookmarks_encryption_mode == "CSE-KMS"
    error_message = "S3 output, logs and bookmarks are KMS-encrypted"
  }

  assert {
    condition     = toset(flatten([for s in jsondecode(aws_iam_role_policy.glue.policy).Statement : s.Resource if s.Sid == "WriteStageOutputs"])) == toset(["arn:aws:s3:::loyalty-test-documents-123456789012/extracted-facts/*", "arn:aws:s3:::loyalty-test-documents-123456789012/quarantine/*", "arn:aws:s3:::loyalty-test-documents-123456789012/neptune-load/*", "arn:aws:s3:::loyalty-test-documents-123456789012/graph-reports/*"])
    error_message = "the Glue role writes only the stages the jobs produce"
  }

  assert {
    condition     = aws_s3_object.reference_facts[0].key == "reference/reference.jsonl" && aws_s3_object.reference_facts[0].bucket == var.documents_bucket_name
    error_message = "reference facts are uploaded under reference/"
  }
}

run "rejects_invalid_inputs" {
  command = plan

  variables {
    log_level              = "VERBOSE"
    glue_number_of_workers = 1
  }

  expect_failures = [
    var.log_level,
    var.glue_number_of_workers,
  ]
}
