"""From an S3 ``ObjectCreated`` record on ``raw/`` to a started ingestion execution.

The checks the event itself answers run first (where, what type, how big), so an upload
that is rejected is never downloaded; an accepted one is read once, for its content hash,
which names the run. A document's id is its file name without the extension, the rule
``pipeline.collect_sources`` applies to local files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Annotated, Any

from botocore.exceptions import ClientError
from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.model import DocumentType, content_hash
from loyalty_maximizer.documents.prepare import document_type_for
from loyalty_maximizer.errors import LoyaltyError
from loyalty_maximizer.ingestion.bucket import RAW_PREFIX, DocumentsBucket
from loyalty_maximizer.ingestion.run import RunDocument, execution_input, run_id

if TYPE_CHECKING:
    from mypy_boto3_stepfunctions import SFNClient


class NotAnUpload(LoyaltyError):
    """An object event the trigger does not own (another bucket, or outside ``raw/``): it is
    left where it is."""

    code = "not_an_upload"


class Upload(BaseModel):
    """An object an S3 event announced (the key already URL-decoded)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")

    bucket: str
    key: str
    size: Annotated[int, Field(ge=0)]
    version_id: str | None = None
    e_tag: str | None = None

    @property
    def document_id(self) -> str:
        return PurePosixPath(self.key).stem

    @property
    def url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def check_upload(upload: Upload, *, max_bytes: int) -> DocumentType:
    """The upload's document type, from what the event says.

    Raises NotAnUpload for an object outside ``raw/``, DocumentRejected for an unsupported
    type, an empty file or one over ``max_bytes``."""
    if not upload.key.startswith(RAW_PREFIX) or upload.key.endswith("/"):
        raise NotAnUpload(f"{upload.url} is not an upload under {RAW_PREFIX}; left as it is")
    document_id = upload.document_id
    try:
        kind = document_type_for(upload.key)
    except DocumentRejected as rejected:
        raise DocumentRejected(rejected.reason, document_id) from rejected
    if upload.size == 0:
        raise DocumentRejected("empty file", document_id)
    if upload.size > max_bytes:
        raise DocumentRejected(
            f"larger than the {max_bytes:,}-byte cap ({upload.size:,} bytes); save only the "
            "page's content or split the document",
            document_id,
        )
    return kind


def admit_upload(upload: Upload, bucket: DocumentsBucket, *, max_bytes: int) -> RunDocument:
    """Check the upload, read it (the version the event names) and describe its run.

    Raises NotAnUpload, DocumentRejected (see ``check_upload``) or StorageError."""
    if upload.bucket != bucket.name:
        raise NotAnUpload(f"{upload.url} is not in the documents bucket {bucket.name}")
    kind = check_upload(upload, max_bytes=max_bytes)
    stored = bucket.get(upload.key, upload.version_id)
    digest = content_hash(stored.data)
    return RunDocument(
        bucket=upload.bucket,
        key=upload.key,
        version_id=upload.version_id or stored.version_id,
        document_id=upload.document_id,
        document_type=kind,
        content_hash=digest,
        size=len(stored.data),
        run_id=run_id(upload.document_id, digest),
    )


@dataclass(frozen=True)
class StartedExecution:
    name: str
    execution_arn: str
    duplicate: bool  # an execution of this name existed: these bytes were seen before

    def to_json(self) -> dict[str, Any]:
        return {
            "executionName": self.name,
            "executionArn": self.execution_arn,
            "status": "duplicate" if self.duplicate else "started",
        }


def start_ingestion(
    sfn: SFNClient, state_machine_arn: str, document: RunDocument
) -> StartedExecution:
    """Start the document's ingestion execution, named by its run id.

    A name Step Functions already knows (``ExecutionAlreadyExists``) is a duplicate upload,
    not an error. (Step Functions answers a repeat of a *running* execution with the same
    name and input as a success; the trigger's idempotency record catches those first.)"""
    try:
        answer = sfn.start_execution(
            stateMachineArn=state_machine_arn,
            name=document.run_id,
            input=json.dumps(execution_input(document), ensure_ascii=False),
        )
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") != "ExecutionAlreadyExists":
            raise
        return StartedExecution(
            document.run_id, execution_arn(state_machine_arn, document.run_id), True
        )
    return StartedExecution(document.run_id, answer["executionArn"], False)


def execution_arn(state_machine_arn: str, name: str) -> str:
    """``arn:…:stateMachine:<machine>`` and a name -> ``arn:…:execution:<machine>:<name>``."""
    prefix, kind, machine = state_machine_arn.rsplit(":", 2)
    if kind != "stateMachine":
        raise ValueError(f"{state_machine_arn!r} is not a state machine ARN")
    return f"{prefix}:execution:{machine}:{name}"
