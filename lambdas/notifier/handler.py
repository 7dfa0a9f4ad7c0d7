"""<prefix>-notifier: ``{"audience": "curator", "event": "ingested" | "quarantined",
"report"}`` -> the curator's message (and, after an ingestion, the travellers' "knowledge
updated" message) published to SNS.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty_maximizer.ingestion.notifications import NotifyRequest, notify

if TYPE_CHECKING:
    from mypy_boto3_sns import SNSClient

logger = Logger()
metrics = Metrics()
tracer = Tracer()


@cache
def sns() -> SNSClient:
    return boto3.client("sns")


@logger.inject_lambda_context(correlation_id_path="report.runId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    request = NotifyRequest.model_validate(event)
    sent = notify(
        sns(),
        request.event,
        request.summary(),
        audience=request.audience,
        curator_topic=os.environ["CURATOR_TOPIC_ARN"],
        traveller_topic=os.environ.get("TRAVELLER_TOPIC_ARN") or None,
    )
    logger.info("notified", extra={"event": request.event, "sent": sent})
    metrics.add_metric(name="NotificationsSent", unit=MetricUnit.Count, value=len(sent))
    return {"sent": sent}
