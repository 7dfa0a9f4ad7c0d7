"""The documents bucket: where each ingestion stage reads and writes (docs/topology.md), and
a small adapter over an injected S3 client for the reads, writes and moves the Lambdas make.

The Glue jobs' own prefixes (``extracted-facts/``, ``quarantine/``, ``neptune-load/``,
``graph-reports/``) are defined once, in ``spark.storage``; the rest are here.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from loyalty_maximizer.spark.storage import (
    EXTRACTED_PREFIX,
    LOAD_PREFIX,
    QUARANTINE_PREFIX,
    REPORT_PREFIX,
    StorageError,
)

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import (
        CopySourceTypeDef,
        DeleteObjectRequestTypeDef,
        GetObjectRequestTypeDef,
        HeadObjectRequestTypeDef,
    )

RAW_PREFIX = "raw/"  # what the curator uploads
PROCESSED_PREFIX = "processed-text/"  # <documentId>.json, a PreparedDocument
TEXTRACT_OUTPUT_PREFIX = "textract-output/"  # <documentId>.json, GetDocumentAnalysis pages
TEXTRACT_JOBS_PREFIX = "textract-jobs/"  # <runId>.json, the task token a job resumes
QUARANTINE_RAW_PREFIX = f"{QUARANTINE_PREFIX}raw/"  # the set-aside source files
ARCHIVE_PREFIX = "archive/"  # the ingested source files
RUN_REPORTS_PREFIX = "reports/"  # <runId>.json, one per ingestion run

_MISSING = {"NoSuchKey", "NoSuchVersion", "404", "NotFound"}


def processed_key(document_id: str) -> str:
    return f"{PROCESSED_PREFIX}{document_id}.json"


def textract_output_key(document_id: str) -> str:
    return f"{TEXTRACT_OUTPUT_PREFIX}{document_id}.json"


def textract_job_key(run_id: str) -> str:
    return f"{TEXTRACT_JOBS_PREFIX}{run_id}.json"


def extracted_key(document_id: str) -> str:
    return f"{EXTRACTED_PREFIX}{document_id}.jsonl"


def quarantine_key(document_id: str) -> str:
    return f"{QUARANTINE_PREFIX}{document_id}.json"


def run_report_key(run_id: str) -> str:
    return f"{RUN_REPORTS_PREFIX}{run_id}.json"


def graph_report_key(run_id: str) -> str:
    return f"{REPORT_PREFIX}{run_id}.json"


def load_prefix(run_id: str) -> str:
    return f"{LOAD_PREFIX}{run_id}/"


def _below_raw(key: str) -> str:
    if not key.startswith(RAW_PREFIX):
        raise StorageError(f"{key}: only uploads under {RAW_PREFIX} are archived or quarantined")
    return key.removeprefix(RAW_PREFIX)


def archive_key(raw_key: str) -> str:
    """``raw/a/b.html`` -> ``archive/a/b.html``."""
    return ARCHIVE_PREFIX + _below_raw(raw_key)


def quarantine_raw_key(raw_key: str) -> str:
    """``raw/a/b.html`` -> ``quarantine/raw/a/b.html``."""
    return QUARANTINE_RAW_PREFIX + _below_raw(raw_key)


@dataclass(frozen=True)
class StoredObject:
    data: bytes
    last_modified: dt.datetime
    version_id: str | None


class DocumentsBucket:
    """The objects of one bucket through an injected S3 client; S3 errors become
    ``StorageError`` naming the object."""

    def __init__(self, client: S3Client, name: str) -> None:
        self.client = client
        self.name = name

    def url(self, key: str) -> str:
        return f"s3://{self.name}/{key}"

    def get(self, key: str, version_id: str | None = None) -> StoredObject:
        request: GetObjectRequestTypeDef = {"Bucket": self.name, "Key": key}
        if version_id:
            request["VersionId"] = version_id
        try:
            answer = self.client.get_object(**request)
        except ClientError as exc:
            raise _storage_error(exc, self.url(key), version_id) from exc
        return StoredObject(
            answer["Body"].read(),
            answer["LastModified"].astimezone(dt.UTC),
            answer.get("VersionId"),
        )

    def modified(self, key: str, version_id: str | None = None) -> dt.datetime | None:
        """When the object was written, or None when there is no such object."""
        request: HeadObjectRequestTypeDef = {"Bucket": self.name, "Key": key}
        if version_id:
            request["VersionId"] = version_id
        try:
            head = self.client.head_object(**request)
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return None
            raise _storage_error(exc, self.url(key), version_id) from exc
        return head["LastModified"].astimezone(dt.UTC)

    def get_json(self, key: str) -> Any:
        data = self.get(key).data
        try:
            return json.loads(data)
        except ValueError as exc:
            raise StorageError(f"{self.url(key)}: not JSON ({exc})") from exc

    def put_json(self, key: str, value: Any) -> None:
        body = json.dumps(value, indent=2, ensure_ascii=False) + "\n"
        self.client.put_object(
            Bucket=self.name, Key=key, Body=body.encode(), ContentType="application/json"
        )

    def move(self, key: str, target: str, version_id: str | None = None) -> None:
        """Copy ``key`` (that version) to ``target`` and delete it. A retry after a move that
        completed finds the source gone and the target there, and does nothing."""
        source: CopySourceTypeDef = {"Bucket": self.name, "Key": key}
        delete: DeleteObjectRequestTypeDef = {"Bucket": self.name, "Key": key}
        if version_id:
            source["VersionId"] = delete["VersionId"] = version_id
        try:
            self.client.copy_object(Bucket=self.name, Key=target, CopySource=source)
        except ClientError as exc:
            if _code(exc) in _MISSING and self.modified(target) is not None:
                return
            raise _storage_error(exc, self.url(key), version_id) from exc
        # The version itself, not a delete marker: a newer upload of the same name stays.
        self.client.delete_object(**delete)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _storage_error(exc: ClientError, url: str, version_id: str | None) -> StorageError:
    code = _code(exc)
    where = f"{url} (version {version_id})" if version_id else url
    if code in _MISSING:
        return StorageError(f"{where}: no such object (moved or deleted since the upload?)")
    if code in {"AccessDenied", "403"}:
        return StorageError(f"{where}: access denied; check the function role's S3 permissions")
    return StorageError(f"{where}: {code or 'S3 error'}: {exc}")
