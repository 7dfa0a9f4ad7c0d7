"""<prefix>-textract-callback: Textract's job-completion message (SNS) -> the analysis and
the prepared document stored, and the waiting ``StartTextract`` task resumed or failed.

Each SNS record is handled on its own; one that cannot be handled (no job record, AWS
errors reading the analysis) fails the invocation after the others, so SNS retries it.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import SNSEvent
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty_maximizer.ingestion.bucket import DocumentsBucket
from loyalty_maximizer.ingestion.textract_jobs import TextractCompletion, complete_job

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_stepfunctions import SFNClient
    from mypy_boto3_textract import TextractClient

logger = Logger()
metrics = Metrics()
tracer = Tracer()

METRIC_OF_STATUS = {
    "succeeded": "TextractJobsSucceeded",
    "failed": "TextractJobsFailed",
    "expired": "TextractCallbacksExpired",
}


@cache
def s3() -> S3Client:
    return boto3.client("s3")


@cache
def textract() -> TextractClient:
    return boto3.client("textract")


@cache
def sfn() -> SFNClient:
    return boto3.client("stepfunctions")


@logger.inject_lambda_context(correlation_id_path="Records[0].Sns.MessageId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    bucket = DocumentsBucket(s3(), os.environ["DOCUMENTS_BUCKET"])
    results: list[dict[str, Any]] = []
    failures: list[Exception] = []
    for record in SNSEvent(event).records:
        try:
            completion = TextractCompletion.model_validate_json(record.sns.message)
            result = complete_job(completion, bucket=bucket, textract=textract(), sfn=sfn())
        except Exception as exc:
            logger.exception(
                "Textract completion not handled", extra={"sns_message": record.sns.message}
            )
            failures.append(exc)
            continue
        if result["status"] == "expired":
            logger.warning("the execution no longer waits for this job", extra={"result": result})
        else:
            logger.info("Textract job handled", extra={"result": result})
        metrics.add_metric(name=METRIC_OF_STATUS[result["status"]], unit=MetricUnit.Count, value=1)
        results.append(result)
    if failures:
        raise failures[0]
    return {"results": results}
