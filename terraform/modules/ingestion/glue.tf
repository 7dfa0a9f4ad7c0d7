locals {
  manifest = jsondecode(file("${var.artifacts_dir}/manifest.json"))
  # Object keys carry the build's version (<project version>+<commit>); '+' becomes '-' so
  # the s3:// URLs Glue is given need no escaping.
  artifact_version = replace(local.manifest.version, "/[^A-Za-z0-9._-]/", "-")
  glue_prefix      = "glue/${local.artifact_version}"

  # The wheel is named by the project version, which the manifest's version only starts
  # with, so it is found among the manifest's files.
  wheel = one([for path in keys(local.manifest.files) : path if can(regex("^glue/loyalty_maximizer-[^/]+-py3-none-any\\.whl$", path))])

  glue_files = {
    extract_script = "glue/extract_facts.py"
    graph_script   = "glue/build_graph_load.py"
    wheel          = local.wheel
  }

  # glue/requirements.txt as Glue's comma-separated --additional-python-modules: pins only,
  # without comments, options (--hash, -e), environment markers or line continuations.
  requirement_lines = [for line in split("\n", file("${var.artifacts_dir}/glue/requirements.txt")) : trimspace(replace(split("#", line)[0], "\\", ""))]
  python_modules    = [for line in local.requirement_lines : split(" ", trimspace(split(";", line)[0]))[0] if line != "" && !startswith(line, "-")]

  documents_url = "s3://${var.documents_bucket_name}/"

  glue_common_arguments = merge(
    {
      "--job-language"                     = "python"
      "--extra-py-files"                   = "s3://${var.artifacts_bucket_name}/${aws_s3_object.glue["wheel"].key}"
      "--reference-facts"                  = "${local.documents_url}reference/"
      "--output"                           = local.documents_url
      "--enable-continuous-cloudwatch-log" = "true"
      "--enable-metrics"                   = "true"
      "--job-bookmark-option"              = "job-bookmark-disable"
    },
    length(local.python_modules) > 0 ? { "--additional-python-modules" = join(",", local.python_modules) } : {},
  )

  glue_jobs = {
    extract = {
      name                = "${var.name_prefix}-extract-facts"
      description         = "Documents -> facts JSONL per document, or quarantine"
      script              = "extract_script"
      max_concurrent_runs = var.extract_max_concurrent_runs
      arguments           = { "--max-bytes" = tostring(var.max_document_bytes) }
    }
    graph = {
      name                = "${var.name_prefix}-build-graph-load"
      description         = "Facts -> Neptune bulk-load CSV (one build at a time)"
      script              = "graph_script"
      max_concurrent_runs = 1
      arguments           = {}
    }
  }
}

resource "aws_s3_object" "glue" {
  for_each = local.glue_files

  bucket             = var.artifacts_bucket_name
  key                = "${local.glue_prefix}/${basename(each.value)}"
  source             = "${var.artifacts_dir}/${each.value}"
  source_hash        = filemd5("${var.artifacts_dir}/${each.value}")
  kms_key_id         = var.storage_kms_key_arn
  bucket_key_enabled = true

  tags = var.tags
}

resource "aws_s3_object" "reference_facts" {
  count = var.reference_facts_file == null ? 0 : 1

  bucket             = var.documents_bucket_name
  key                = "reference/${basename(var.reference_facts_file)}"
  source             = var.reference_facts_file
  source_hash        = filemd5(var.reference_facts_file)
  kms_key_id         = var.storage_kms_key_arn
  bucket_key_enabled = true

  tags = var.tags
}

resource "aws_glue_security_configuration" "this" {
  name = "${var.name_prefix}-glue"

  encryption_configuration {
    s3_encryption {
      s3_encryption_mode = "SSE-KMS"
      kms_key_arn        = var.storage_kms_key_arn
    }

    cloudwatch_encryption {
      cloudwatch_encryption_mode = "SSE-KMS"
      kms_key_arn                = var.runtime_kms_key_arn
    }

    job_bookmarks_encryption {
      job_bookmarks_encryption_mode = "CSE-KMS"
      kms_key_arn                   = var.runtime_kms_key_arn
    }
  }
}

resource "aws_glue_job" "this" {
  for_each = local.glue_jobs

  name              = each.value.name
  description       = each.value.description
  role_arn          = aws_iam_role.glue.arn
  glue_version      = "5.0"
  worker_type       = var.glue_worker_type
  number_of_workers = var.glue_number_of_workers
  timeout           = var.glue_timeout_minutes
  max_retries       = 0
  # STANDARD is what Glue reports when none is set; stating it keeps plans empty.
  execution_class        = "STANDARD"
  security_configuration = aws_glue_security_configuration.this.name

  command {
    name            = "glueetl"
    python_version  = "3"
    script_location = "s3://${var.artifacts_bucket_name}/${aws_s3_object.glue[each.value.script].key}"
  }

  default_arguments = merge(local.glue_common_arguments, each.value.arguments)

  execution_property {
    max_concurrent_runs = each.value.max_concurrent_runs
  }

  tags = var.tags
}
