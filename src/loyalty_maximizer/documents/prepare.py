"""From an uploaded file (or Textract's answer for one) to a PreparedDocument, or a
DocumentRejected whose reason tells the curator what to fix.

The checks run cheapest first: empty, over the size cap, then by type. HTML and text must
be text (no NUL bytes or runs of control characters) in UTF-8, or in the charset an HTML
page declares; PDFs are read by ``pdf.read_pdf``. A document that yields no text at all is
rejected too: extraction would only produce an empty result that looks like success.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Mapping, Sequence
from pathlib import PurePath
from typing import Any

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.html import read_html
from loyalty_maximizer.documents.model import (
    Block,
    DocumentType,
    PreparedDocument,
    content_hash,
)
from loyalty_maximizer.documents.pdf import read_pdf
from loyalty_maximizer.documents.text import text_blocks
from loyalty_maximizer.documents.textract import read_textract

DEFAULT_MAX_BYTES = 5_000_000
_TYPES_BY_EXTENSION: dict[str, DocumentType] = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".pdf": "pdf",
    ".txt": "text",
    ".text": "text",
    ".md": "text",
    ".markdown": "text",
}
_PDF_MAGIC = b"%PDF-"
_HTML_START = re.compile(
    rb"\s*(?:<\?xml[^>]*>\s*)?(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body)\b",
    re.IGNORECASE | re.DOTALL,
)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)", re.IGNORECASE)
# WHATWG: pages labelled Latin-1 or ASCII are decoded as windows-1252 by every browser.
_CHARSET_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
}
# Bytes a text file does not contain: C0 controls other than tab, line feed, form feed and
# carriage return, and DEL. A few can slip in; many mean an image, archive or executable.
_CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F])
_MAX_CONTROL_RATIO = 0.01
_SNIFF_BYTES = 65_536
_KNOWN_BINARIES = {
    b"PK\x03\x04": "a ZIP archive or Office document",
    b"\x89PNG": "a PNG image",
    b"\xff\xd8\xff": "a JPEG image",
    b"GIF8": "a GIF image",
    b"\xd0\xcf\x11\xe0": "an old Office document",
    b"\x1f\x8b": "a gzip archive",
}


def document_type_for(path: str | PurePath) -> DocumentType:
    """The document type an upload's file name announces.

    Raises DocumentRejected for extensions the pipeline cannot read."""
    suffix = PurePath(path).suffix.lower()
    if suffix not in _TYPES_BY_EXTENSION:
        accepted = ", ".join(sorted(_TYPES_BY_EXTENSION))
        found = f"'{suffix}'" if suffix else "no extension"
        raise DocumentRejected(
            f"unsupported file type ({found}): upload a page saved as one of {accepted}",
            str(path),
        )
    return _TYPES_BY_EXTENSION[suffix]


def prepare_document(
    raw: bytes,
    document_id: str,
    document_type: DocumentType | None = None,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    source_url: str | None = None,
    retrieved_date: str | None = None,
) -> PreparedDocument:
    """Validate and read an uploaded file into blocks. Without ``document_type`` the type is
    sniffed from the content (``%PDF-`` is a PDF, a leading ``<html``/``<!doctype html`` is
    HTML, anything else text).

    Raises DocumentRejected (with ``document_id``) for anything that cannot be prepared."""
    try:
        kind = document_type or _sniff(raw)
        title, blocks = _read(raw, kind, max_bytes)
    except DocumentRejected as rejected:
        raise DocumentRejected(rejected.reason, document_id) from rejected
    return PreparedDocument(
        document_id=document_id,
        document_type=kind,
        title=title,
        source_url=source_url,
        retrieved_date=retrieved_date,
        content_hash=content_hash(raw),
        blocks=blocks,
    )


def prepare_textract(
    responses: Sequence[Mapping[str, Any]],
    document_id: str,
    *,
    source_hash: str,
    source_url: str | None = None,
    retrieved_date: str | None = None,
) -> PreparedDocument:
    """A PDF read by Textract: ``responses`` are all pages of GetDocumentAnalysis for one
    job, and ``source_hash`` is ``content_hash`` of the PDF it read, so the AWS path and the
    local path give one document the same hash.

    Raises DocumentRejected (with ``document_id``) for a failed job or a document without
    text."""
    try:
        blocks = read_textract(responses)
        if not blocks:
            raise DocumentRejected(
                "no text found: Textract read no text (a blank or image-only scan?); "
                "upload a clearer copy or the web page instead"
            )
    except DocumentRejected as rejected:
        raise DocumentRejected(rejected.reason, document_id) from rejected
    return PreparedDocument(
        document_id=document_id,
        document_type="pdf",
        title=_first_heading(blocks),
        source_url=source_url,
        retrieved_date=retrieved_date,
        content_hash=source_hash,
        blocks=blocks,
    )


def _read(raw: bytes, kind: DocumentType, max_bytes: int) -> tuple[str | None, list[Block]]:
    if not raw.strip():
        raise DocumentRejected("empty file" if not raw else "empty file (only whitespace)")
    if len(raw) > max_bytes:
        cap, size = _size_pair(len(raw), max_bytes)
        raise DocumentRejected(
            f"larger than the {cap} cap ({size}); save only the page's content or split "
            "the document"
        )
    if kind == "pdf":
        blocks = read_pdf(raw)
        if not blocks:
            raise DocumentRejected(
                "no text found: the PDF has no text layer (scanned pages?); "
                "upload a PDF with selectable text or the web page instead"
            )
        return _first_heading(blocks), blocks
    if raw[:1024].lstrip().startswith(_PDF_MAGIC):
        raise DocumentRejected(
            f"the content is a PDF but the file is named as {kind}; rename it to .pdf"
        )
    markup = _decode(raw, _declared_charset(raw) if kind == "html" else None)
    if kind == "html":
        page = read_html(markup)
        return page.title, page.blocks
    blocks = text_blocks(markup)
    if not blocks:
        raise DocumentRejected("no text found")
    return _first_heading(blocks), blocks


def _sniff(raw: bytes) -> DocumentType:
    head = raw[:1024]
    if _PDF_MAGIC in head:
        return "pdf"
    if _HTML_START.match(head.removeprefix(codecs.BOM_UTF8)):
        return "html"
    return "text"


def _decode(raw: bytes, declared: str | None) -> str:
    """UTF-8 (with or without a byte-order mark) first: it is what pages are saved as, and
    non-ASCII bytes that happen to be valid UTF-8 almost never are another encoding. Then
    the charset the page declares; UTF-16 only with its byte-order mark."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode_as(raw, "utf-16")
    _reject_binary(raw)
    if declared is None or declared == "utf-8":
        return _decode_as(raw, "utf-8-sig")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _decode_as(raw, declared)


def _decode_as(raw: bytes, encoding: str) -> str:
    try:
        return raw.decode(encoding)
    except UnicodeDecodeError as error:
        name = "UTF-8" if encoding == "utf-8-sig" else f"{encoding} as declared"
        line = raw.count(b"\n", 0, error.start) + 1
        raise DocumentRejected(
            f"not {name} text (byte 0x{raw[error.start]:02X} at offset {error.start}, "
            f"line {line}); save the file as UTF-8 and upload it again"
        ) from error


def _reject_binary(raw: bytes) -> None:
    head = raw[:_SNIFF_BYTES]
    control = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if b"\x00" in head or control > _MAX_CONTROL_RATIO * len(head):
        kind = next(
            (name for magic, name in _KNOWN_BINARIES.items() if raw.startswith(magic)), None
        )
        what = f" ({kind})" if kind else ""
        raise DocumentRejected(
            f"binary content{what}, not a text document; upload the page as HTML, PDF or text"
        )


def _declared_charset(raw: bytes) -> str | None:
    """The charset a page declares in a <meta> tag, if Python knows it."""
    match = _META_CHARSET.search(raw[:4096])
    if match is None:
        return None
    name = match.group(1).decode("ascii").lower()
    name = _CHARSET_ALIASES.get(name, name)
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _size_pair(size: int, cap: int) -> tuple[str, str]:
    """The cap and a size over it, readable and never equal: 5,000,001 bytes must not read
    as "5 MB" next to a 5 MB cap."""
    shown, cap_shown = _size(size), _size(cap)
    return (cap_shown, f"{size:,} bytes") if shown == cap_shown else (cap_shown, shown)


def _size(size: int) -> str:
    for unit, scale in (("MB", 1_000_000), ("KB", 1_000)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size:,} bytes"


def _first_heading(blocks: Sequence[Block]) -> str | None:
    return next((block.text for block in blocks if block.kind == "heading"), None)
