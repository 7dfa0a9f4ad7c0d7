"""<prefix>-dispatch: the ingestion machine's ``Dispatch`` and ``StartTextract`` states.

``{"action": "prepare", "document"}`` prepares HTML and text into ``processed-text/`` (or
routes a PDF to Textract); ``{"action": "start_textract", "document", "taskToken"}`` starts
the PDF's Textract job, whose callback later resumes the waiting task. A document that
cannot be read raises ``DocumentRejected``; Textract refusing to start, ``TextractFailed``.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty_maximizer.documents.prepare import DEFAULT_MAX_BYTES
from loyalty_maximizer.errors import InvalidRequest
from loyalty_maximizer.ingestion.bucket import DocumentsBucket
from loyalty_maximizer.ingestion.dispatch import prepare_source, start_textract
from loyalty_maximizer.ingestion.run import RunDocument

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_textract import TextractClient

logger = Logger()
metrics = Metrics()
tracer = Tracer()


@cache
def s3() -> S3Client:
    return boto3.client("s3")


@cache
def textract() -> TextractClient:
    return boto3.client("textract")


def documents_bucket() -> DocumentsBucket:
    return DocumentsBucket(s3(), os.environ["DOCUMENTS_BUCKET"])


@logger.inject_lambda_context(correlation_id_path="document.runId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    document = RunDocument.model_validate(event["document"])
    action = event.get("action")
    if action == "prepare":
        max_bytes = int(os.environ.get("MAX_DOCUMENT_BYTES") or DEFAULT_MAX_BYTES)
        result = prepare_source(documents_bucket(), document, max_bytes=max_bytes)
        metrics.add_metric(
            name="DocumentsPrepared" if result["route"] == "prepared" else "DocumentsToTextract",
            unit=MetricUnit.Count,
            value=1,
        )
    elif action == "start_textract":
        result = start_textract(
            documents_bucket(),
            textract(),
            document,
            event["taskToken"],
            topic_arn=os.environ["TEXTRACT_TOPIC_ARN"],
            role_arn=os.environ["TEXTRACT_ROLE_ARN"],
        )
        metrics.add_metric(name="TextractJobsStarted", unit=MetricUnit.Count, value=1)
    else:
        raise InvalidRequest(f"action {action!r}: want 'prepare' or 'start_textract'", "action")
    logger.info("dispatched", extra={"action": action, "result": result})
    return result
