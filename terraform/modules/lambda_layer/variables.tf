variable "layer_name" {
  description = "Name of the layer."
  type        = string
}

variable "description" {
  description = "What the layer holds."
  type        = string
  default     = ""
}

variable "filename" {
  description = "Path of the layer zip (python/ with the library and its dependencies)."
  type        = string
}

variable "s3_bucket" {
  description = "Bucket the zip is uploaded to (layers over 50 MB cannot be uploaded directly)."
  type        = string
}

variable "s3_key_prefix" {
  description = "Key prefix of the uploaded zip; the key ends with the zip's SHA-256, so every build's layer keeps its own object."
  type        = string
  default     = "lambda/"
}

variable "kms_key_arn" {
  description = "KMS key that encrypts the uploaded zip."
  type        = string
}

variable "compatible_runtimes" {
  description = "Runtimes the layer is built for."
  type        = list(string)
  default     = ["python3.11"]
}

variable "compatible_architectures" {
  description = "Architectures the layer is built for."
  type        = list(string)
  default     = ["x86_64"]
}

variable "tags" {
  description = "Tags added to every taggable resource of the module."
  type        = map(string)
  default     = {}
}
