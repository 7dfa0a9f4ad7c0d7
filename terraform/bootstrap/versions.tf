terraform {
  required_version = ">= 1.9"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 5.100"
    }
  }

  # Local state: this configuration creates the remote state everything else uses. Keep
  # terraform.tfstate safe (or migrate it into the bucket it created; see terraform/README.md).
}
