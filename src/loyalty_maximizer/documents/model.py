"""The one structure every document becomes before extraction, whatever its source:
cleaned HTML, normalised text, a PDF read locally, or Amazon Textract's analysis.

A document is an ordered list of blocks: headings (with a level), paragraphs, list items
and tables (rows of cell texts, the first row usually the header). Extractors read only
this structure, so the AWS path (Textract) and the local path (pdfplumber) feed one
extractor. The JSON form is what the pipeline stores under ``processed-text/``.
"""

from __future__ import annotations

import hashlib
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel

DocumentType = Literal["html", "pdf", "text"]


class _Model(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid")


class Block(_Model):
    kind: Literal["heading", "paragraph", "list_item", "table"]
    text: str = ""  # headings, paragraphs and list items; a table's caption if any
    level: Annotated[int, Field(ge=1, le=6)] | None = None  # headings only
    rows: list[list[str]] = []  # tables only
    page: Annotated[int, Field(ge=1)] | None = None  # PDFs only


class PreparedDocument(_Model):
    document_id: str
    document_type: DocumentType
    title: str | None = None
    source_url: str | None = None
    retrieved_date: str | None = None
    content_hash: str  # sha256 of the raw bytes: re-ingesting the same file is a no-op
    blocks: list[Block]

    def plain_text(self) -> str:
        """The document as text, tables as tab-separated rows."""
        parts: list[str] = []
        for block in self.blocks:
            if block.kind == "table":
                parts.extend("\t".join(row) for row in block.rows)
            elif block.text:
                parts.append(block.text)
        return "\n".join(parts)


class Chunk(_Model):
    """A piece of a document small enough for one extraction call: the heading path it sits
    under and its blocks (a table always travels with its heading)."""

    document_id: str
    index: int
    headings: list[str]
    blocks: list[Block]


def content_hash(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()
