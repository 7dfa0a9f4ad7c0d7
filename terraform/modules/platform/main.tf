locals {
  name_prefix = "loyalty-${var.environment}"
}

# Logs, function environments, dead-letter queues, Glue logs and bookmarks.
module "runtime_key" {
  source = "../kms_key"

  name                  = "${local.name_prefix}-runtime"
  description           = "Logs, function environments and queues of ${local.name_prefix}"
  account_id            = var.account_id
  allow_cloudwatch_logs = true

  tags = var.tags
}

module "storage" {
  source = "../storage"

  name_prefix   = local.name_prefix
  account_id    = var.account_id
  force_destroy = var.force_destroy_buckets

  replication_enabled                 = var.replication_enabled
  replication_destination_bucket_arn  = var.replication_destination_bucket_arn
  replication_destination_kms_key_arn = var.replication_destination_kms_key_arn

  tags = var.tags
}

module "profiles" {
  source = "../profiles"

  name_prefix         = local.name_prefix
  account_id          = var.account_id
  deletion_protection = var.deletion_protection

  tags = var.tags
}

module "notifications" {
  source = "../notifications"

  name_prefix         = local.name_prefix
  account_id          = var.account_id
  email_subscriptions = var.email_subscriptions

  tags = var.tags
}

module "identity" {
  source = "../identity"

  name_prefix            = local.name_prefix
  deletion_protection    = var.deletion_protection
  advanced_security_mode = var.cognito_advanced_security_mode
  mfa_configuration      = var.cognito_mfa_configuration

  tags = var.tags
}

module "network" {
  source = "../network"

  name_prefix          = local.name_prefix
  account_id           = var.account_id
  vpc_cidr             = var.vpc_cidr
  az_count             = var.az_count
  enable_vpc_endpoints = var.enable_vpc_endpoints
  enable_flow_logs     = var.enable_flow_logs
  kms_key_arn          = module.runtime_key.key_arn
  log_retention_days   = var.log_retention_days

  tags = var.tags
}

module "knowledge_graph" {
  source = "../knowledge_graph"

  name_prefix        = local.name_prefix
  account_id         = var.account_id
  create_cluster     = var.create_neptune_cluster
  endpoint_override  = var.neptune_endpoint_override
  subnet_ids         = module.network.private_subnet_ids
  security_group_ids = [module.network.neptune_security_group_id]

  instance_class          = var.neptune_instance_class
  instance_count          = var.neptune_instance_count
  backup_retention_period = var.neptune_backup_retention_period
  deletion_protection     = var.deletion_protection
  skip_final_snapshot     = var.neptune_skip_final_snapshot

  documents_bucket_arn  = module.storage.documents_bucket_arn
  documents_kms_key_arn = module.storage.kms_key_arn
  log_kms_key_arn       = module.runtime_key.key_arn
  log_retention_days    = var.log_retention_days

  tags = var.tags
}

module "layer" {
  source = "../lambda_layer"

  layer_name  = "${local.name_prefix}-library"
  description = "The loyalty_maximizer library and its runtime dependencies"
  filename    = "${var.artifacts_dir}/layer.zip"
  s3_bucket   = module.storage.artifacts_bucket_name
  kms_key_arn = module.storage.kms_key_arn

  tags = var.tags
}

module "ingestion" {
  source = "../ingestion"

  name_prefix          = local.name_prefix
  environment          = var.environment
  account_id           = var.account_id
  artifacts_dir        = var.artifacts_dir
  reference_facts_file = var.reference_facts_file
  layer_arns           = [module.layer.layer_version_arn]
  runtime_kms_key_arn  = module.runtime_key.key_arn
  log_retention_days   = var.log_retention_days
  log_level            = var.log_level

  documents_bucket_name = module.storage.documents_bucket_name
  documents_bucket_arn  = module.storage.documents_bucket_arn
  artifacts_bucket_name = module.storage.artifacts_bucket_name
  artifacts_bucket_arn  = module.storage.artifacts_bucket_arn
  storage_kms_key_arn   = module.storage.kms_key_arn

  idempotency_table_name = module.profiles.idempotency_table_name
  idempotency_table_arn  = module.profiles.idempotency_table_arn
  tables_kms_key_arn     = module.profiles.kms_key_arn

  curator_topic_arn         = module.notifications.curator_topic_arn
  traveller_topic_arn       = module.notifications.traveller_topic_arn
  textract_topic_arn        = module.notifications.textract_topic_arn
  textract_role_arn         = module.notifications.textract_role_arn
  notifications_kms_key_arn = module.notifications.kms_key_arn

  neptune_endpoint          = module.knowledge_graph.endpoint
  neptune_loader_role_arn   = module.knowledge_graph.loader_role_arn
  neptune_data_resource_arn = module.knowledge_graph.data_resource_arn
  subnet_ids                = module.network.private_subnet_ids
  security_group_ids        = [module.network.lambda_security_group_id]

  glue_worker_type       = var.glue_worker_type
  glue_number_of_workers = var.glue_number_of_workers

  tags = var.tags
}

module "conversation" {
  source = "../conversation"

  name_prefix         = local.name_prefix
  environment         = var.environment
  account_id          = var.account_id
  artifacts_dir       = var.artifacts_dir
  layer_arns          = [module.layer.layer_version_arn]
  runtime_kms_key_arn = module.runtime_key.key_arn
  log_retention_days  = var.log_retention_days
  log_level           = var.log_level

  profiles_table_name = module.profiles.profiles_table_name
  profiles_table_arn  = module.profiles.profiles_table_arn
  tables_kms_key_arn  = module.profiles.kms_key_arn

  neptune_endpoint          = module.knowledge_graph.endpoint
  neptune_data_resource_arn = module.knowledge_graph.data_resource_arn
  subnet_ids                = module.network.private_subnet_ids
  security_group_ids        = [module.network.lambda_security_group_id]

  jwt_issuer   = module.identity.issuer_url
  jwt_audience = module.identity.client_id

  model_provider   = var.model_provider
  bedrock_model_id = var.bedrock_model_id
  openai_base_url  = var.openai_base_url

  throttling_burst_limit = var.api_throttling_burst_limit
  throttling_rate_limit  = var.api_throttling_rate_limit
  cors_allow_origins     = var.cors_allow_origins

  tags = var.tags
}

module "observability" {
  source = "../observability"

  name_prefix     = local.name_prefix
  alarm_topic_arn = module.notifications.operations_topic_arn
  state_machine_arns = {
    ingestion    = module.ingestion.state_machine_arn
    conversation = module.conversation.state_machine_arn
  }
  function_names          = merge(module.ingestion.function_names, module.conversation.function_names)
  glue_job_names          = module.ingestion.glue_job_names
  dead_letter_queue_names = module.ingestion.dead_letter_queue_names
  api_id                  = module.conversation.api_id

  tags = var.tags
}
