data "aws_region" "current" {}

data "aws_partition" "current" {}

locals {
  partition = data.aws_partition.current.partition
  region    = data.aws_region.current.name

  state_machine_name = "${var.name_prefix}-conversation"
  # Built from the name: the machine refers to the step functions' aliases, the API
  # function refers to the machine.
  state_machine_arn = "arn:${local.partition}:states:${local.region}:${var.account_id}:stateMachine:${local.state_machine_name}"

  bedrock_model_arn = "arn:${local.partition}:bedrock:${local.region}::foundation-model/${var.bedrock_model_id}"

  # The routes of the conversation API; every one needs a valid token.
  routes = toset([
    "GET /v1/me/profile",
    "PUT /v1/me/profile",
    "POST /v1/conversations",
    "POST /v1/conversations/{id}/messages",
    "GET /v1/conversations/{id}",
    "POST /v1/tools/{name}",
    "GET /v1/programs",
  ])

  common_environment = {
    POWERTOOLS_METRICS_NAMESPACE = "LoyaltyMaximizer"
    POWERTOOLS_LOG_LEVEL         = var.log_level
    ENVIRONMENT                  = var.environment
  }

  use_tables_key = {
    Sid      = "UseTablesKey"
    Effect   = "Allow"
    Action   = ["kms:Decrypt", "kms:GenerateDataKey"]
    Resource = var.tables_kms_key_arn
  }

  read_graph = {
    Sid      = "ReadGraph"
    Effect   = "Allow"
    Action   = ["neptune-db:ReadDataViaQuery", "neptune-db:GetQueryStatus"]
    Resource = var.neptune_data_resource_arn
  }

  offline_agent = var.model_provider == "offline"

  conversation_items = ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:Query"]

  functions = {
    api = {
      description = "HTTP API: profile, conversations, tools, programs"
      timeout     = 30
      memory_size = 1024
      in_vpc      = true
      environment = {
        PROFILES_TABLE                 = var.profiles_table_name
        CONVERSATION_STATE_MACHINE_ARN = local.state_machine_arn
        NEPTUNE_ENDPOINT               = var.neptune_endpoint
        CONVERSATION_TTL_DAYS          = tostring(var.conversation_ttl_days)
      }
      statements = [
        {
          Sid      = "ProfilesAndConversations"
          Effect   = "Allow"
          Action   = concat(local.conversation_items, ["dynamodb:DeleteItem"])
          Resource = var.profiles_table_arn
        },
        {
          Sid      = "RunConversationTurn"
          Effect   = "Allow"
          Action   = "states:StartSyncExecution"
          Resource = local.state_machine_arn
        },
        local.read_graph,
        local.use_tables_key,
      ]
    }
    # The offline agent reads the graph's vocabulary (programs, airlines, airports), so it
    # runs beside the graph; a model provider runs outside the VPC and reads no graph.
    agent_step = {
      description = "One model call over the conversation's profile and history"
      timeout     = 25
      memory_size = 1024
      in_vpc      = local.offline_agent
      environment = merge(
        {
          PROFILES_TABLE        = var.profiles_table_name
          MODEL_PROVIDER        = var.model_provider
          BEDROCK_MODEL_ID      = var.bedrock_model_id
          OPENAI_BASE_URL       = var.openai_base_url
          MAX_TOOL_ITERATIONS   = tostring(var.max_tool_iterations)
          CONVERSATION_TTL_DAYS = tostring(var.conversation_ttl_days)
        },
        local.offline_agent ? { NEPTUNE_ENDPOINT = var.neptune_endpoint } : {},
      )
      statements = concat(
        [
          {
            Sid      = "Conversations"
            Effect   = "Allow"
            Action   = local.conversation_items
            Resource = var.profiles_table_arn
          },
          local.use_tables_key,
        ],
        local.offline_agent ? [local.read_graph] : [],
        # Converse and InvokeModel are both authorised by bedrock:InvokeModel.
        var.model_provider == "bedrock" ? [{
          Sid      = "InvokeOneModel"
          Effect   = "Allow"
          Action   = "bedrock:InvokeModel"
          Resource = local.bedrock_model_arn
        }] : [],
      )
    }
    tool_executor = {
      description = "Runs one tool call against the graph and stores its result"
      timeout     = 20
      memory_size = 1024
      in_vpc      = true
      environment = {
        PROFILES_TABLE        = var.profiles_table_name
        NEPTUNE_ENDPOINT      = var.neptune_endpoint
        CONVERSATION_TTL_DAYS = tostring(var.conversation_ttl_days)
      }
      statements = [
        {
          Sid      = "ToolResults"
          Effect   = "Allow"
          Action   = local.conversation_items
          Resource = var.profiles_table_arn
        },
        local.read_graph,
        local.use_tables_key,
      ]
    }
  }
}
