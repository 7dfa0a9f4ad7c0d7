data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name

  state_machine_name = "${var.name_prefix}-ingestion"
  # Built from the name rather than read from the machine, which itself refers to the
  # functions' aliases: the trigger's variables and the callback's policy need it first.
  state_machine_arn = "arn:${local.partition}:states:${local.region}:${var.account_id}:stateMachine:${local.state_machine_name}"

  docs = var.documents_bucket_arn

  common_environment = {
    POWERTOOLS_METRICS_NAMESPACE = "LoyaltyMaximizer"
    POWERTOOLS_LOG_LEVEL         = var.log_level
    ENVIRONMENT                  = var.environment
  }

  use_storage_key = {
    Sid      = "UseDocumentsKey"
    Effect   = "Allow"
    Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
    Resource = var.storage_kms_key_arn
  }

  # The ingestion functions (docs/topology.md, "Names"), each with exactly the access its
  # work needs. Only the trigger and the callback are invoked asynchronously (S3, SNS), so
  # only they get a dead-letter queue; only the Neptune ones need the VPC.
  functions = {
    pipeline_trigger = {
      description = "Validates an uploaded document and starts its ingestion"
      timeout     = 60
      memory_size = 512
      in_vpc      = false
      create_dlq  = true
      environment = {
        DOCUMENTS_BUCKET            = var.documents_bucket_name
        INGESTION_STATE_MACHINE_ARN = local.state_machine_arn
        IDEMPOTENCY_TABLE           = var.idempotency_table_name
        MAX_DOCUMENT_BYTES          = tostring(var.max_document_bytes)
        CURATOR_TOPIC_ARN           = var.curator_topic_arn
      }
      statements = local.trigger_statements
    }
    textract_callback = {
      description = "Turns a finished Textract job into prepared text and resumes the ingestion"
      timeout     = 120
      memory_size = 1024
      in_vpc      = false
      create_dlq  = true
      environment = {
        DOCUMENTS_BUCKET = var.documents_bucket_name
      }
      statements = local.callback_statements
    }
    dispatch = {
      description = "Prepares HTML/text documents and starts Textract for PDFs"
      timeout     = 120
      memory_size = 1024
      in_vpc      = false
      create_dlq  = false
      environment = {
        DOCUMENTS_BUCKET   = var.documents_bucket_name
        TEXTRACT_TOPIC_ARN = var.textract_topic_arn
        TEXTRACT_ROLE_ARN  = var.textract_role_arn
        MAX_DOCUMENT_BYTES = tostring(var.max_document_bytes)
      }
      statements = [
        {
          Sid      = "ReadRawDocuments"
          Effect   = "Allow"
          Action   = ["s3:GetObject", "s3:GetObjectVersion"]
          Resource = "${local.docs}/raw/*"
        },
        {
          Sid      = "WritePreparedTextAndTextractJobs"
          Effect   = "Allow"
          Action   = "s3:PutObject"
          Resource = ["${local.docs}/processed-text/*", "${local.docs}/textract-jobs/*"]
        },
        {
          Sid      = "StartTextract"
          Effect   = "Allow"
          Action   = "textract:StartDocumentAnalysis"
          Resource = "*"
        },
        {
          Sid       = "PassTextractPublisherRole"
          Effect    = "Allow"
          Action    = "iam:PassRole"
          Resource  = var.textract_role_arn
          Condition = { StringEquals = { "iam:PassedToService" = "textract.amazonaws.com" } }
        },
        local.use_storage_key,
      ]
    }
    neptune_load_start = {
      description = "Starts the Neptune bulk load of a run's CSV"
      timeout     = 30
      memory_size = 512
      in_vpc      = true
      create_dlq  = false
      environment = {
        DOCUMENTS_BUCKET        = var.documents_bucket_name
        NEPTUNE_ENDPOINT        = var.neptune_endpoint
        NEPTUNE_LOADER_ROLE_ARN = var.neptune_loader_role_arn
      }
      statements = [{
        Sid      = "StartBulkLoad"
        Effect   = "Allow"
        Action   = ["neptune-db:StartLoaderJob", "neptune-db:GetLoaderJobStatus"]
        Resource = var.neptune_data_resource_arn
      }]
    }
    neptune_load_status = {
      description = "Reports the status of a Neptune bulk load"
      timeout     = 30
      memory_size = 512
      in_vpc      = true
      create_dlq  = false
      environment = {
        NEPTUNE_ENDPOINT = var.neptune_endpoint
      }
      statements = [{
        Sid      = "ReadBulkLoadStatus"
        Effect   = "Allow"
        Action   = "neptune-db:GetLoaderJobStatus"
        Resource = var.neptune_data_resource_arn
      }]
    }
    finalize = {
      description = "Checks extraction, archives or quarantines the source and writes the run report"
      timeout     = 120
      memory_size = 512
      in_vpc      = false
      create_dlq  = false
      environment = {
        DOCUMENTS_BUCKET = var.documents_bucket_name
      }
      statements = [
        {
          Sid    = "ReadStageOutputs"
          Effect = "Allow"
          Action = ["s3:GetObject", "s3:GetObjectVersion"]
          Resource = [
            "${local.docs}/raw/*",
            "${local.docs}/processed-text/*",
            "${local.docs}/extracted-facts/*",
            "${local.docs}/quarantine/*",
            "${local.docs}/graph-reports/*",
          ]
        },
        {
          Sid       = "ListStageOutputs"
          Effect    = "Allow"
          Action    = "s3:ListBucket"
          Resource  = local.docs
          Condition = { StringLike = { "s3:prefix" = ["extracted-facts/*", "quarantine/*", "graph-reports/*"] } }
        },
        {
          Sid      = "WriteArchiveQuarantineReports"
          Effect   = "Allow"
          Action   = "s3:PutObject"
          Resource = ["${local.docs}/archive/*", "${local.docs}/quarantine/*", "${local.docs}/reports/*"]
        },
        {
          Sid      = "MoveSourceOutOfRaw"
          Effect   = "Allow"
          Action   = "s3:DeleteObject"
          Resource = "${local.docs}/raw/*"
        },
        local.use_storage_key,
      ]
    }
    notifier = {
      description = "Tells curators and travellers what happened"
      timeout     = 30
      memory_size = 256
      in_vpc      = false
      create_dlq  = false
      environment = {
        CURATOR_TOPIC_ARN   = var.curator_topic_arn
        TRAVELLER_TOPIC_ARN = var.traveller_topic_arn
      }
      statements = [
        {
          Sid      = "Publish"
          Effect   = "Allow"
          Action   = "sns:Publish"
          Resource = [var.curator_topic_arn, var.traveller_topic_arn]
        },
        {
          Sid      = "UseTopicsKey"
          Effect   = "Allow"
          Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
          Resource = var.notifications_kms_key_arn
        },
      ]
    }
  }

  trigger_statements = [
    {
      Sid      = "ReadRawDocuments"
      Effect   = "Allow"
      Action   = ["s3:GetObject", "s3:GetObjectVersion"]
      Resource = "${local.docs}/raw/*"
    },
    {
      Sid      = "QuarantineRejectedDocuments"
      Effect   = "Allow"
      Action   = "s3:PutObject"
      Resource = "${local.docs}/quarantine/*"
    },
    {
      Sid      = "MoveRejectedOutOfRaw"
      Effect   = "Allow"
      Action   = "s3:DeleteObject"
      Resource = "${local.docs}/raw/*"
    },
    {
      Sid      = "StartIngestion"
      Effect   = "Allow"
      Action   = "states:StartExecution"
      Resource = local.state_machine_arn
    },
    {
      Sid      = "IdempotencyRecords"
      Effect   = "Allow"
      Action   = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"]
      Resource = var.idempotency_table_arn
    },
    {
      Sid      = "TellCurator"
      Effect   = "Allow"
      Action   = "sns:Publish"
      Resource = var.curator_topic_arn
    },
    {
      Sid      = "UseKeys"
      Effect   = "Allow"
      Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
      Resource = [var.storage_kms_key_arn, var.tables_kms_key_arn, var.notifications_kms_key_arn]
    },
  ]

  callback_statements = [
    {
      Sid      = "ReadTextractJobs"
      Effect   = "Allow"
      Action   = "s3:GetObject"
      Resource = "${local.docs}/textract-jobs/*"
    },
    {
      Sid      = "WriteTextractOutputAndPreparedText"
      Effect   = "Allow"
      Action   = "s3:PutObject"
      Resource = ["${local.docs}/textract-output/*", "${local.docs}/processed-text/*"]
    },
    {
      Sid      = "ReadTextractResults"
      Effect   = "Allow"
      Action   = "textract:GetDocumentAnalysis"
      Resource = "*"
    },
    {
      Sid      = "ResumeIngestion"
      Effect   = "Allow"
      Action   = ["states:SendTaskSuccess", "states:SendTaskFailure"]
      Resource = local.state_machine_arn
    },
    local.use_storage_key,
  ]
}
