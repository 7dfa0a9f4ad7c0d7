"""The ingestion machine's first step: an upload becomes a prepared document.

HTML and text are prepared here and stored under ``processed-text/``; a PDF goes to
Textract (``start_textract``), whose callback stores the prepared document when the job
ends (``textract_jobs``). Either way the extract job then reads ``processed-text/<id>.json``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.prepare import prepare_document
from loyalty_maximizer.ingestion.bucket import DocumentsBucket, processed_key, textract_job_key
from loyalty_maximizer.ingestion.run import RunDocument
from loyalty_maximizer.ingestion.textract_jobs import TextractFailed, TextractJobRecord
from loyalty_maximizer.spark.storage import StorageError

if TYPE_CHECKING:
    from mypy_boto3_textract import TextractClient
    from mypy_boto3_textract.literals import FeatureTypeType
    from mypy_boto3_textract.type_defs import S3ObjectTypeDef

FEATURES: list[FeatureTypeType] = ["TABLES", "LAYOUT"]
# Textract's verdicts on the document itself: the curator has to fix the file.
_DOCUMENT_ERRORS = {
    "BadDocumentException": "Textract cannot read this PDF (damaged or password-protected?)",
    "UnsupportedDocumentException": "Textract does not support this PDF's format",
    "DocumentTooLargeException": "the PDF is larger than Textract accepts",
}


def prepare_source(
    bucket: DocumentsBucket, document: RunDocument, *, max_bytes: int
) -> dict[str, str]:
    """``{"route": "prepared", "preparedKey"}`` after storing an HTML or text upload as a
    prepared document, or ``{"route": "textract"}`` for a PDF.

    Raises DocumentRejected (the reason for the curator) or StorageError."""
    if document.document_type == "pdf":
        return {"route": "textract"}
    stored = bucket.get(document.key, document.version_id)
    prepared = prepare_document(
        stored.data,
        document.document_id,
        document.document_type,
        max_bytes=max_bytes,
        retrieved_date=stored.last_modified.date().isoformat(),
    )
    key = processed_key(document.document_id)
    bucket.put_json(key, prepared.model_dump(mode="json", by_alias=True))
    return {"route": "prepared", "preparedKey": key}


def start_textract(
    bucket: DocumentsBucket,
    textract: TextractClient,
    document: RunDocument,
    task_token: str,
    *,
    topic_arn: str,
    role_arn: str,
) -> dict[str, Any]:
    """Write the job record, then start Textract's analysis of the PDF (tables and layout),
    announcing its end on ``topic_arn``. The run id is the job's tag (how the callback finds
    the record) and its client request token (a retried start gets the same job back).

    Raises DocumentRejected when Textract refuses the file itself, TextractFailed when it
    refuses for another reason, StorageError when the upload is gone."""
    if document.document_type != "pdf":
        raise ValueError(
            f"{document.source_url}: Textract is only for PDFs, not {document.document_type}"
        )
    modified = bucket.modified(document.key, document.version_id)
    if modified is None:
        raise StorageError(
            f"{document.source_url}: no such object (moved or deleted since the upload?)"
        )
    record = TextractJobRecord(
        task_token=task_token,
        document_id=document.document_id,
        run_id=document.run_id,
        bucket=document.bucket,
        key=document.key,
        version_id=document.version_id,
        content_hash=document.content_hash,
        retrieved_date=modified.date().isoformat(),
    )
    record_key = textract_job_key(document.run_id)
    bucket.put_json(record_key, record.to_json())
    s3_object: S3ObjectTypeDef = {"Bucket": document.bucket, "Name": document.key}
    if document.version_id:
        s3_object["Version"] = document.version_id
    try:
        answer = textract.start_document_analysis(
            DocumentLocation={"S3Object": s3_object},
            FeatureTypes=FEATURES,
            NotificationChannel={"SNSTopicArn": topic_arn, "RoleArn": role_arn},
            JobTag=document.run_id,
            ClientRequestToken=document.run_id,
        )
    except ClientError as exc:
        raise _textract_error(exc, document) from exc
    return {"jobId": answer["JobId"], "jobRecordKey": record_key}


def _textract_error(exc: ClientError, document: RunDocument) -> DocumentRejected | TextractFailed:
    error = exc.response.get("Error", {})
    code, message = str(error.get("Code", "")), str(error.get("Message", ""))
    if code in _DOCUMENT_ERRORS:
        return DocumentRejected(
            f"{_DOCUMENT_ERRORS[code]} ({message or code}); open it, save it again as a PDF "
            "with selectable text, or upload the web page instead",
            document.document_id,
        )
    return TextractFailed(
        f"Textract did not start on {document.source_url}: {code}: {message}; upload the file "
        "again later, or tell the operator if this repeats",
        document.document_id,
    )
