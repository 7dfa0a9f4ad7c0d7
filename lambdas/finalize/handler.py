"""<prefix>-finalize: how an ingestion run ends, in the documents bucket.

- ``{"action": "check_extraction", "document"}``: what the extract job decided
  (``{"status": "ingested" | "quarantined", "reason"?, "factsKey"?, "facts"}``).
- ``{"action": "archive", "document", ...}``: the upload to ``archive/``, the run report to
  ``reports/<runId>.json``; the report's summary.
- ``{"action": "quarantine", "document", "error"?, ...}``: the upload to ``quarantine/raw/``,
  why to ``quarantine/<documentId>.json``, and the run report; the summary.

Other keys of the event are the results of the states so far (``dispatch``,
``extraction``, ``load``): they go into the run report. The failure path passes the whole
execution state as ``run`` instead (a state that did not run has no result to name), and
the results are read from it.
"""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, Any

import boto3
from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty_maximizer.errors import InvalidRequest
from loyalty_maximizer.ingestion.bucket import DocumentsBucket
from loyalty_maximizer.ingestion.outcomes import archive, check_extraction, quarantine_run
from loyalty_maximizer.ingestion.run import RunDocument

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

logger = Logger()
metrics = Metrics()
tracer = Tracer()

_REQUEST_KEYS = {"action", "document", "error", "run"}
# Keys of the execution state that are not a state's result.
_NOT_RESULTS = _REQUEST_KEYS | {"failurePathError", "quarantine"}


def _results(event: dict[str, Any]) -> dict[str, Any]:
    """The results of the states so far: the event's other keys, or those of ``run`` (the
    execution state, where a Lambda task's result is ``{"Payload": ...}``)."""
    run = event.get("run")
    if not isinstance(run, dict):
        return {name: value for name, value in event.items() if name not in _REQUEST_KEYS}
    return {
        name: value["Payload"] if isinstance(value, dict) and set(value) == {"Payload"} else value
        for name, value in run.items()
        if name not in _NOT_RESULTS
    }


@cache
def s3() -> S3Client:
    return boto3.client("s3")


@logger.inject_lambda_context(correlation_id_path="document.runId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    document = RunDocument.model_validate(event["document"])
    bucket = DocumentsBucket(s3(), os.environ["DOCUMENTS_BUCKET"])
    stages = _results(event)
    action = event.get("action")
    if action == "check_extraction":
        result = check_extraction(bucket, document)
        metrics.add_metric(name="FactsExtracted", unit=MetricUnit.Count, value=result["facts"])
    elif action == "archive":
        result = archive(bucket, document, stages=stages).to_json()
        metrics.add_metric(name="DocumentsIngested", unit=MetricUnit.Count, value=1)
    elif action == "quarantine":
        result = quarantine_run(bucket, document, error=event.get("error"), stages=stages).to_json()
        metrics.add_metric(name="DocumentsQuarantined", unit=MetricUnit.Count, value=1)
    else:
        raise InvalidRequest(
            f"action {action!r}: want 'check_extraction', 'archive' or 'quarantine'", "action"
        )
    logger.info("finalized", extra={"action": action, "result": result})
    return result
