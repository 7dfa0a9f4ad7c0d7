"""A PDF's Textract job, from start to the resumed execution.

Dispatch writes a job record (``textract-jobs/<runId>.json``: the execution's task token and
the document) before it starts ``StartDocumentAnalysis`` with ``JobTag = runId``. Textract
announces the job's end on an SNS topic; the callback finds the record by the tag, reads
every page of the analysis, stores it (``textract-output/``) and the prepared document
(``processed-text/``), and resumes the execution with ``SendTaskSuccess``, or fails the task
with ``TextractFailed`` / ``DocumentRejected`` and the reason a curator can act on.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.prepare import prepare_textract
from loyalty_maximizer.errors import LoyaltyError
from loyalty_maximizer.ingestion.bucket import (
    DocumentsBucket,
    processed_key,
    textract_job_key,
    textract_output_key,
)

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient
    from mypy_boto3_textract import TextractClient
    from mypy_boto3_textract.type_defs import GetDocumentAnalysisRequestTypeDef

FINISHED = frozenset({"SUCCEEDED", "PARTIAL_SUCCESS"})
# Step Functions limits: a task failure's cause, and an error name.
MAX_CAUSE_CHARS = 32_768
# The execution has moved on (timed out, failed or was stopped): nothing left to resume.
_GONE_TASK_CODES = {"TaskTimedOut", "TaskDoesNotExist", "InvalidToken"}


class TextractFailed(LoyaltyError):
    """Textract could not read a PDF, or refused to start on it."""

    code = "textract_failed"

    def __init__(self, reason: str, document_id: str | None = None) -> None:
        self.reason = reason
        self.document_id = document_id
        super().__init__(reason)


class TextractJobRecord(BaseModel):
    """``textract-jobs/<runId>.json``: what the callback needs to resume the execution."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    task_token: Annotated[str, Field(min_length=1)]
    document_id: str
    run_id: str
    bucket: str
    key: str
    version_id: str | None = None
    content_hash: str
    retrieved_date: str | None = None

    @property
    def source_url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class _Location(BaseModel):
    s3_object_name: str = Field(alias="S3ObjectName")
    s3_bucket: str = Field(alias="S3Bucket")


class TextractCompletion(BaseModel):
    """The message Textract publishes when an asynchronous job ends."""

    model_config = ConfigDict(populate_by_name=True, extra="ignore")

    job_id: str = Field(alias="JobId")
    status: str = Field(alias="Status")  # SUCCEEDED | FAILED | ERROR
    api: str = Field(alias="API")
    job_tag: Annotated[str, Field(min_length=1)] = Field(alias="JobTag")
    timestamp: int | None = Field(default=None, alias="Timestamp")
    document_location: _Location | None = Field(default=None, alias="DocumentLocation")


def analysis_pages(textract: TextractClient, job_id: str) -> list[dict[str, Any]]:
    """Every page of a job's ``GetDocumentAnalysis``, in order, without response metadata."""
    pages: list[dict[str, Any]] = []
    request: GetDocumentAnalysisRequestTypeDef = {"JobId": job_id}
    while True:
        answer = textract.get_document_analysis(**request)
        pages.append({k: v for k, v in answer.items() if k != "ResponseMetadata"})
        token = answer.get("NextToken")
        if not token:
            return pages
        request["NextToken"] = token


def complete_job(
    completion: TextractCompletion,
    *,
    bucket: DocumentsBucket,
    textract: TextractClient,
    sfn: SFNClient,
) -> dict[str, Any]:
    """Store what the job read and resume (or fail) the execution that waits for it.

    Returns ``{"documentId", "runId", "jobId", "status": "succeeded" | "failed" |
    "expired", ...}``; ``expired`` when the execution no longer waits for this task.
    Raises StorageError when the job record is missing (the job was not started by
    dispatch) and lets AWS errors reading the analysis propagate (the SNS delivery is
    retried)."""
    record = TextractJobRecord.model_validate(bucket.get_json(textract_job_key(completion.job_tag)))
    outcome: dict[str, Any] = {
        "documentId": record.document_id,
        "runId": record.run_id,
        "jobId": completion.job_id,
    }
    if completion.status not in FINISHED:
        detail = _status_message(textract, completion.job_id)
        reason = (
            f"Textract could not analyse {record.source_url} (job {completion.job_id} ended "
            f"{completion.status}{detail}); check the PDF opens without a password and is "
            "not damaged, then upload it again"
        )
        return outcome | _fail(sfn, record, "TextractFailed", reason)
    pages = analysis_pages(textract, completion.job_id)
    textract_key = textract_output_key(record.document_id)
    bucket.put_json(textract_key, pages)
    try:
        prepared = prepare_textract(
            pages,
            record.document_id,
            source_hash=record.content_hash,
            retrieved_date=record.retrieved_date,
        )
    except DocumentRejected as rejected:
        return outcome | _fail(sfn, record, "DocumentRejected", rejected.reason)
    prepared_key = processed_key(record.document_id)
    bucket.put_json(prepared_key, prepared.model_dump(mode="json", by_alias=True))
    result = {"route": "prepared", "preparedKey": prepared_key, "textractKey": textract_key}
    status = _send(sfn.send_task_success, taskToken=record.task_token, output=json.dumps(result))
    return outcome | {"status": status or "succeeded", "pages": len(pages), **result}


def _status_message(textract: TextractClient, job_id: str) -> str:
    """Textract's own words on a failed job, when it gives any."""
    try:
        answer = textract.get_document_analysis(JobId=job_id, MaxResults=1)
    except ClientError:
        return ""
    message = answer.get("StatusMessage")
    return f": {message}" if message else ""


def _fail(sfn: SFNClient, record: TextractJobRecord, error: str, reason: str) -> dict[str, Any]:
    cause = reason[:MAX_CAUSE_CHARS]
    status = _send(sfn.send_task_failure, taskToken=record.task_token, error=error, cause=cause)
    return {"status": status or "failed", "error": error, "reason": reason}


def _send(call: Callable[..., object], **arguments: str) -> str | None:
    """Call ``SendTask*``; ``"expired"`` when the task no longer waits, else None."""
    try:
        call(**arguments)
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in _GONE_TASK_CODES:
            return "expired"
        raise
    return None
