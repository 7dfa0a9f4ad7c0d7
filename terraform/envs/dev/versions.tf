terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Partial configuration: bucket, region and dynamodb_table come from
  # -backend-config=backend.hcl (see terraform/README.md, "Remote state").
  backend "s3" {
    key     = "loyalty-maximizer/dev/terraform.tfstate"
    encrypt = true
  }
}
