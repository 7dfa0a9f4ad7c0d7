locals {
  documents_bucket = "${var.name_prefix}-documents-${var.account_id}"
  artifacts_bucket = "${var.name_prefix}-artifacts-${var.account_id}"
  log_bucket       = "${var.name_prefix}-access-logs-${var.account_id}"
}
