locals {
  topics = {
    curator             = "${var.name_prefix}-curator"
    traveller           = "${var.name_prefix}-traveller"
    operations          = "${var.name_prefix}-operations"
    textract_completion = "${var.name_prefix}-textract-completion"
  }

  email_subscriptions = {
    for pair in flatten([
      for topic, addresses in var.email_subscriptions : [for address in addresses : { topic = topic, address = address }]
    ]) : "${pair.topic}:${pair.address}" => pair
  }
}

# CloudWatch publishes alarms to the operations topic itself, so its principal needs the key.
module "key" {
  source = "../kms_key"

  name               = "${var.name_prefix}-notifications"
  description        = "Messages of the ${var.name_prefix} SNS topics"
  account_id         = var.account_id
  service_principals = ["cloudwatch.amazonaws.com"]

  tags = var.tags
}

resource "aws_sns_topic" "this" {
  for_each = local.topics

  name              = each.value
  kms_master_key_id = module.key.key_arn

  tags = var.tags
}

resource "aws_sns_topic_subscription" "email" {
  for_each = local.email_subscriptions

  topic_arn = aws_sns_topic.this[each.value.topic].arn
  protocol  = "email"
  endpoint  = each.value.address
}
