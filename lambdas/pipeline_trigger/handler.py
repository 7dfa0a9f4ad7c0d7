"""<prefix>-pipeline-trigger: S3 ``ObjectCreated`` on ``raw/`` -> one ingestion execution per
document version.

Each record is handled on its own: a rejected upload (type, size, empty) is quarantined and
the curator told, the others still start. A record seen before (an S3 retry, a repeated
event) is answered from the Powertools idempotency record; the same bytes under a new event
find their execution name taken (``ExecutionAlreadyExists``). Both count as duplicates.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.data_classes import S3Event
from aws_lambda_powertools.utilities.data_classes.s3_event import S3EventRecord
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.persistence.datarecord import DataRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.prepare import DEFAULT_MAX_BYTES
from loyalty_maximizer.ingestion.bucket import DocumentsBucket
from loyalty_maximizer.ingestion.notifications import notify
from loyalty_maximizer.ingestion.outcomes import quarantine_upload
from loyalty_maximizer.ingestion.uploads import NotAnUpload, Upload, admit_upload, start_ingestion

if TYPE_CHECKING:
    from mypy_boto3_dynamodb import DynamoDBClient
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient
    from mypy_boto3_stepfunctions import SFNClient

logger = Logger()
metrics = Metrics()
tracer = Tracer()

METRIC_OF_STATUS = {
    "started": "DocumentsAccepted",
    "duplicate": "DuplicateUploads",
    "rejected": "DocumentsRejected",
    "ignored": "UploadsIgnored",
}


def _replayed(response: Any, idempotent_data: DataRecord) -> Any:
    """An answer from the idempotency record: this upload event was handled before."""
    return {**response, "status": "duplicate", "replayed": True}


# Keyed by bucket, key and ETag (the content's digest for a single-part upload): a repeated
# event, or the same bytes uploaded again as a new version, is answered from the record.
IDEMPOTENCY = IdempotencyConfig(
    event_key_jmespath="[bucket, key, eTag]",
    raise_on_no_idempotency_key=True,
    expires_after_seconds=24 * 3600,
    response_hook=_replayed,
)


@cache
def s3() -> S3Client:
    return boto3.client("s3")


@cache
def sfn() -> SFNClient:
    return boto3.client("stepfunctions")


@cache
def sns() -> SNSClient:
    return boto3.client("sns")


@cache
def dynamodb() -> DynamoDBClient:
    return boto3.client("dynamodb")


@cache
def handle_once() -> Callable[..., dict[str, Any]]:
    """``handle_upload`` behind the idempotency record (its table is known at run time)."""
    persistence = DynamoDBPersistenceLayer(
        table_name=os.environ["IDEMPOTENCY_TABLE"], boto3_client=dynamodb()
    )
    handled: Callable[..., dict[str, Any]] = idempotent_function(
        handle_upload,
        data_keyword_argument="upload",
        persistence_store=persistence,
        config=IDEMPOTENCY,
    )
    return handled


def handle_upload(upload: dict[str, Any]) -> dict[str, Any]:
    found = Upload.model_validate(upload)
    bucket = DocumentsBucket(s3(), os.environ["DOCUMENTS_BUCKET"])
    max_bytes = int(os.environ.get("MAX_DOCUMENT_BYTES") or DEFAULT_MAX_BYTES)
    answer: dict[str, Any] = {"documentId": found.document_id, "key": found.key}
    try:
        document = admit_upload(found, bucket, max_bytes=max_bytes)
    except DocumentRejected as rejected:
        summary = quarantine_upload(bucket, found, rejected)
        notify(sns(), "rejected", summary, curator_topic=os.environ["CURATOR_TOPIC_ARN"])
        return answer | {"status": "rejected", "reason": rejected.reason}
    started = start_ingestion(sfn(), os.environ["INGESTION_STATE_MACHINE_ARN"], document)
    return answer | {"runId": document.run_id, **started.to_json()}


def upload_of(record: S3EventRecord) -> dict[str, Any]:
    s3_object = record.s3.get_object
    return {
        "bucket": record.s3.bucket.name,
        "key": unquote_plus(s3_object.key),  # S3 events URL-encode keys
        "size": s3_object.size,
        "versionId": s3_object.version_id,
        "eTag": s3_object.etag or None,
    }


@logger.inject_lambda_context(correlation_id_path='Records[0].responseElements."x-amz-request-id"')
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    IDEMPOTENCY.register_lambda_context(context)
    results: list[dict[str, Any]] = []
    failures: list[Exception] = []
    for record in S3Event(event).records:
        if not record.event_name.startswith("ObjectCreated:"):
            continue
        upload = upload_of(record)
        try:
            result = handle_once()(upload=upload)
        except NotAnUpload as exc:
            logger.warning(str(exc))
            result = {"key": upload["key"], "status": "ignored", "reason": str(exc)}
        except Exception as exc:  # the other records still go; the event is retried after
            logger.exception("upload not handled", extra={"upload": upload})
            failures.append(exc)
            continue
        logger.info("upload handled", extra={"upload": upload, "result": result})
        metrics.add_metric(name=METRIC_OF_STATUS[result["status"]], unit=MetricUnit.Count, value=1)
        results.append(result)
    if failures:
        # Lambda retries the event; the idempotency records skip what already went through.
        raise failures[0]
    return {"results": results}
