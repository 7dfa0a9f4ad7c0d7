resource "aws_security_group" "lambda" {
  #checkov:skip=CKV2_AWS_5:attached by the functions that reach Neptune (lambda_function vpc_config, in the ingestion and conversation modules)
  name        = "${var.name_prefix}-lambda"
  description = "Functions that reach Neptune: out to Neptune and the VPC endpoints only"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name_prefix}-lambda" })
}

resource "aws_security_group" "neptune" {
  #checkov:skip=CKV2_AWS_5:attached by the Neptune cluster in the knowledge_graph module
  name        = "${var.name_prefix}-neptune"
  description = "Neptune cluster: openCypher and loader from the functions"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name_prefix}-neptune" })
}

resource "aws_security_group" "endpoints" {
  name        = "${var.name_prefix}-endpoints"
  description = "Interface VPC endpoints: HTTPS from the functions"
  vpc_id      = aws_vpc.this.id

  tags = merge(var.tags, { Name = "${var.name_prefix}-endpoints" })
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_neptune" {
  security_group_id            = aws_security_group.lambda.id
  description                  = "openCypher and loader API"
  ip_protocol                  = "tcp"
  from_port                    = 8182
  to_port                      = 8182
  referenced_security_group_id = aws_security_group.neptune.id

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_endpoints" {
  security_group_id            = aws_security_group.lambda.id
  description                  = "AWS APIs through the interface endpoints"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.endpoints.id

  tags = var.tags
}

resource "aws_vpc_security_group_egress_rule" "lambda_to_gateways" {
  for_each = aws_vpc_endpoint.gateway

  security_group_id = aws_security_group.lambda.id
  description       = "${each.key} through its gateway endpoint"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = each.value.prefix_list_id

  tags = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "neptune_from_lambda" {
  security_group_id            = aws_security_group.neptune.id
  description                  = "openCypher and loader API from the functions"
  ip_protocol                  = "tcp"
  from_port                    = 8182
  to_port                      = 8182
  referenced_security_group_id = aws_security_group.lambda.id

  tags = var.tags
}

# The bulk loader reads the load files from S3 through the gateway endpoint.
resource "aws_vpc_security_group_egress_rule" "neptune_to_s3" {
  for_each = { for k, e in aws_vpc_endpoint.gateway : k => e if k == "s3" }

  security_group_id = aws_security_group.neptune.id
  description       = "Bulk loader reads from S3"
  ip_protocol       = "tcp"
  from_port         = 443
  to_port           = 443
  prefix_list_id    = each.value.prefix_list_id

  tags = var.tags
}

resource "aws_vpc_security_group_ingress_rule" "endpoints_from_lambda" {
  security_group_id            = aws_security_group.endpoints.id
  description                  = "HTTPS from the functions"
  ip_protocol                  = "tcp"
  from_port                    = 443
  to_port                      = 443
  referenced_security_group_id = aws_security_group.lambda.id

  tags = var.tags
}
