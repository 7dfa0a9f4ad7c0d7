"""One ingestion run: the document it is about, as every state of the ingestion machine
keeps it under ``$.document``, and the execution's name (docs/topology.md).

A run is one version of one document: its name is the document id and the first 16 hex
digits of the content hash, so the same bytes never start a second execution (Step
Functions refuses a name it has seen).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

from loyalty_maximizer.documents.model import DocumentType

NAME_CHARS = 40  # of the document id in the execution name
HASH_CHARS = 16
# Letters, digits, '-' and '_': what execution names and CloudWatch log names both accept.
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


class RunDocument(BaseModel):
    """``$.document``: where the upload is, what it is, and the run it belongs to.

    ``contentHash`` is ``documents.content_hash`` of the upload (sha256, hex), the same value
    the document's ``PreparedDocument.content_hash`` carries on either path."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    bucket: str
    key: str
    version_id: str | None = None
    document_id: Annotated[str, Field(min_length=1)]
    document_type: DocumentType
    content_hash: Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
    size: Annotated[int, Field(ge=0)]
    run_id: Annotated[str, Field(min_length=1)]

    @property
    def source_url(self) -> str:
        return f"s3://{self.bucket}/{self.key}"

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def run_id(document_id: str, digest: str) -> str:
    """The execution name: ``<document id sanitised, at most 40 chars>-<hash[:16]>``
    (accents folded, other characters than letters, digits, '-' and '_' made '-')."""
    folded = unicodedata.normalize("NFKD", document_id).encode("ascii", "ignore").decode()
    name = _UNSAFE.sub("-", folded).strip("-")[:NAME_CHARS].rstrip("-") or "document"
    return f"{name}-{digest[:HASH_CHARS]}"


def execution_input(document: RunDocument) -> dict[str, Any]:
    return {"document": document.to_json()}
