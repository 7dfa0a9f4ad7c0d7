mock_provider "aws" {
  source          = "../../tests/mocks"
  override_during = plan
}

variables {
  layer_name  = "loyalty-test-library"
  filename    = "./tests/fixtures/layer.zip"
  s3_bucket   = "loyalty-test-artifacts-123456789012"
  kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/storage"
}

run "layer_is_published_from_the_uploaded_zip" {
  command = plan

  assert {
    condition     = aws_s3_object.zip.bucket == var.s3_bucket && aws_s3_object.zip.key == "lambda/loyalty-test-library-${filesha256("./tests/fixtures/layer.zip")}.zip"
    error_message = "the zip must be uploaded to the artifacts bucket under a key naming its content"
  }

  assert {
    condition     = aws_s3_object.zip.kms_key_id == var.kms_key_arn
    error_message = "the uploaded zip must be encrypted with the storage key"
  }

  assert {
    condition     = aws_lambda_layer_version.this.s3_key == aws_s3_object.zip.key && aws_lambda_layer_version.this.s3_bucket == var.s3_bucket
    error_message = "the layer must be published from the uploaded object"
  }

  assert {
    condition     = aws_lambda_layer_version.this.source_code_hash == filebase64sha256("./tests/fixtures/layer.zip")
    error_message = "a rebuilt zip must publish a new layer version"
  }

  assert {
    condition     = toset(aws_lambda_layer_version.this.compatible_runtimes) == toset(["python3.11"]) && toset(aws_lambda_layer_version.this.compatible_architectures) == toset(["x86_64"])
    error_message = "the layer is built for python3.11 on x86_64"
  }
}
