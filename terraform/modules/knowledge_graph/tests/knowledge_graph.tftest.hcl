mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan

  override_resource {
    target          = module.key.aws_kms_key.this
    override_during = plan
    values = {
      arn = "arn:aws:kms:eu-west-1:123456789012:key/graph"
    }
  }
}

override_resource {
  target          = aws_iam_role.loader
  override_during = plan
  values = {
    arn = "arn:aws:iam::123456789012:role/loyalty-test-neptune-loader"
  }
}

variables {
  name_prefix           = "loyalty-test"
  account_id            = "123456789012"
  subnet_ids            = ["subnet-a", "subnet-b"]
  security_group_ids    = ["sg-neptune"]
  documents_bucket_arn  = "arn:aws:s3:::loyalty-test-documents-123456789012"
  documents_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/storage"
  log_kms_key_arn       = "arn:aws:kms:eu-west-1:123456789012:key/runtime"
}

run "encrypted_iam_authenticated_cluster" {
  command = plan

  assert {
    condition     = aws_neptune_cluster.this[0].cluster_identifier == "loyalty-test-graph" && aws_neptune_cluster.this[0].storage_encrypted && aws_neptune_cluster.this[0].kms_key_arn == "arn:aws:kms:eu-west-1:123456789012:key/graph"
    error_message = "the cluster storage must be encrypted with the graph key"
  }

  assert {
    condition     = aws_neptune_cluster.this[0].iam_database_authentication_enabled
    error_message = "the cluster must require IAM (SigV4) authentication"
  }

  assert {
    condition     = aws_neptune_cluster.this[0].backup_retention_period >= 7 && aws_neptune_cluster.this[0].deletion_protection && !aws_neptune_cluster.this[0].skip_final_snapshot && aws_neptune_cluster.this[0].final_snapshot_identifier == "loyalty-test-graph-final"
    error_message = "backups of a week or more, deletion protection and a final snapshot by default"
  }

  assert {
    condition     = toset(aws_neptune_cluster.this[0].enable_cloudwatch_logs_exports) == toset(["audit"]) && one(aws_neptune_cluster_parameter_group.this[0].parameter).name == "neptune_enable_audit_log" && one(aws_neptune_cluster_parameter_group.this[0].parameter).value == "1"
    error_message = "audit logging must be on and exported"
  }

  assert {
    condition     = aws_neptune_cluster_parameter_group.this[0].family == "neptune1.4"
    error_message = "the parameter group family follows the engine version"
  }

  assert {
    condition     = toset(aws_neptune_cluster.this[0].iam_roles) == toset(["arn:aws:iam::123456789012:role/loyalty-test-neptune-loader"])
    error_message = "the loader role must be attached to the cluster"
  }

  assert {
    condition     = length(aws_neptune_cluster_instance.this) == 1 && !aws_neptune_cluster_instance.this[0].publicly_accessible && aws_neptune_cluster_instance.this[0].instance_class == "db.r6g.large"
    error_message = "one private instance by default"
  }

  assert {
    condition     = output.endpoint == "https://mock.cluster-abc.eu-west-1.neptune.amazonaws.com:8182"
    error_message = "the endpoint is the cluster endpoint on port 8182 over HTTPS"
  }

  assert {
    condition     = output.data_resource_arn == "arn:aws:neptune-db:eu-west-1:123456789012:cluster-MOCK/*"
    error_message = "data access is scoped to the cluster's resource id"
  }

  assert {
    condition     = jsondecode(aws_iam_role.loader.assume_role_policy).Statement[0].Principal.Service == "rds.amazonaws.com"
    error_message = "the loader role is assumed by Neptune (rds.amazonaws.com)"
  }

  assert {
    condition     = toset(flatten([for s in jsondecode(aws_iam_role_policy.loader.policy).Statement : s.Resource])) == toset(["arn:aws:s3:::loyalty-test-documents-123456789012/neptune-load/*", "arn:aws:s3:::loyalty-test-documents-123456789012", "arn:aws:kms:eu-west-1:123456789012:key/storage"]) && one([for s in jsondecode(aws_iam_role_policy.loader.policy).Statement : s.Condition.StringLike["s3:prefix"] if s.Action == "s3:ListBucket"]) == "neptune-load/*"
    error_message = "the loader may read only neptune-load/ and decrypt with the documents key"
  }
}

run "more_readers_in_prod" {
  command = plan

  variables {
    instance_count          = 3
    instance_class          = "db.r6g.xlarge"
    backup_retention_period = 14
  }

  assert {
    condition     = length(aws_neptune_cluster_instance.this) == 3 && aws_neptune_cluster_instance.this[2].identifier == "loyalty-test-graph-3" && aws_neptune_cluster_instance.this[2].instance_class == "db.r6g.xlarge"
    error_message = "instance_count instances of instance_class"
  }
}

run "local_cloud_uses_its_own_endpoint" {
  command = plan

  variables {
    create_cluster    = false
    endpoint_override = "http://127.0.0.1:8182"
    subnet_ids        = []
  }

  assert {
    condition     = length(aws_neptune_cluster.this) == 0 && length(aws_neptune_cluster_instance.this) == 0 && length(aws_neptune_subnet_group.this) == 0
    error_message = "no Neptune resources without a cluster"
  }

  assert {
    condition     = output.endpoint == "http://127.0.0.1:8182" && output.cluster_resource_id == null && output.data_resource_arn == "arn:aws:neptune-db:eu-west-1:123456789012:no-cluster/*"
    error_message = "the override is the endpoint and data access names no cluster"
  }
}

run "rejects_invalid_inputs" {
  command = plan

  variables {
    backup_retention_period = 1
    skip_final_snapshot     = true
    create_cluster          = false
  }

  expect_failures = [
    var.backup_retention_period,
    var.skip_final_snapshot,
    var.endpoint_override,
  ]
}
