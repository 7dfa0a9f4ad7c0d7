"""Validating uploads and preparing them: every bad file is rejected with a reason naming its
problem; good files become blocks."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.model import Block, DocumentType, content_hash
from loyalty_maximizer.documents.prepare import (
    document_type_for,
    prepare_document,
    prepare_textract,
)

PdfWith = Callable[..., bytes]
HTML = (
    b"<!DOCTYPE html><html><head><title>Earn miles</title></head>"
    b"<body><h1>Earn</h1><p>5 miles per dollar.</p></body></html>"
)
TEXTRACT_FIXTURE = Path(__file__).parent / "data" / "textract_qatar_earning.json"


def rejection(raw: bytes, document_type: DocumentType | None = None, **options: Any) -> str:
    """The reason ``raw`` is rejected (the test fails if it is not)."""
    with pytest.raises(DocumentRejected) as rejected:
        prepare_document(raw, "doc-1", document_type, **options)
    assert rejected.value.document_id == "doc-1"
    return rejected.value.reason


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize("document_type", ["html", "pdf", "text", None])
def test_prepare_document__empty_file_is_rejected(document_type: DocumentType | None) -> None:
    # GIVEN an empty upload  WHEN prepared  THEN "empty file", whatever its type
    assert rejection(b"", document_type) == "empty file"


def test_prepare_document__whitespace_only_file_is_rejected_as_empty() -> None:
    # GIVEN only blank lines  WHEN prepared  THEN empty
    assert rejection(b" \n\t\r\n", "text").startswith("empty file")


def test_prepare_document__file_over_the_cap_names_cap_and_size() -> None:
    # GIVEN 7.2 MB of text against the default 5 MB cap
    raw = b"a" * 7_200_000
    # WHEN prepared  THEN the reason says both sizes
    assert rejection(raw, "text").startswith("larger than the 5 MB cap (7.2 MB)")


def test_prepare_document__file_just_over_the_cap_does_not_read_as_the_cap() -> None:
    # GIVEN one byte over a 5 MB cap  WHEN prepared  THEN the size is exact, not "5 MB"
    assert "(5,000,001 bytes)" in rejection(b"a" * 5_000_001, "text")


def test_prepare_document__small_cap_is_given_in_bytes() -> None:
    # GIVEN a 100-byte cap and 150 bytes  WHEN prepared  THEN sizes in bytes
    assert rejection(b"a" * 150, "text", max_bytes=100).startswith(
        "larger than the 100 bytes cap (150 bytes)"
    )


@pytest.mark.parametrize(
    ("raw", "named"),
    [
        (b"Award chart\x00\x00\x01\x02 binary", None),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "a PNG image"),
        (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 20, "a ZIP archive or Office document"),
        (bytes([0x1B, 0x07, 0x08]) * 40 + b"some text", None),  # control characters, no NUL
    ],
)
@pytest.mark.parametrize("document_type", ["html", "text"])
def test_prepare_document__binary_content_is_rejected(
    raw: bytes, named: str | None, document_type: DocumentType
) -> None:
    # GIVEN bytes that are not text, uploaded as HTML or text
    # WHEN prepared  THEN rejected as binary, naming the format when it is a known one
    reason = rejection(raw, document_type)
    assert reason.startswith("binary content")
    assert "not a text document" in reason
    if named:
        assert named in reason


def test_prepare_document__non_utf8_text_names_the_byte_offset_and_line() -> None:
    # GIVEN Latin-1 text (é is byte 0xE9) on line 2, without any declaration
    raw = "Award chart\nCafé lounge access".encode("latin-1")
    # WHEN prepared  THEN the reason points at the byte
    assert rejection(raw, "text").startswith("not UTF-8 text (byte 0xE9 at offset 15, line 2)")


def test_prepare_document__html_declaring_its_charset_is_decoded_with_it() -> None:
    # GIVEN a windows-1252 page that says so in a meta tag
    markup = (
        "<html><head><meta charset='windows-1252'><title>Café</title></head>"
        "<body><p>Lounge access – 2 guests</p></body></html>"
    )
    # WHEN prepared
    document = prepare_document(markup.encode("cp1252"), "doc-1", "html")
    # THEN the text is right
    assert document.title == "Café"
    assert document.blocks == [Block(kind="paragraph", text="Lounge access – 2 guests")]


def test_prepare_document__html_labelled_latin1_reads_as_windows_1252() -> None:
    # GIVEN a page labelled iso-8859-1 that uses the windows-1252 dash (0x96), as browsers allow
    raw = b"<html><head><meta http-equiv='Content-Type' content='text/html; charset=iso-8859-1'>"
    raw += b"</head><body><p>Miles \x96 points</p></body></html>"
    # WHEN prepared  THEN the dash is an en dash
    assert prepare_document(raw, "doc-1", "html").blocks[0].text == "Miles – points"


def test_prepare_document__html_wrongly_declaring_utf8_is_rejected() -> None:
    # GIVEN a page declaring UTF-8 that holds a Latin-1 byte
    raw = "<html><head><meta charset=utf-8></head><body><p>Café</p></body></html>"
    # WHEN prepared  THEN rejected as not UTF-8
    assert rejection(raw.encode("latin-1"), "html").startswith("not UTF-8 text (byte 0xE9")


def test_prepare_document__pdf_named_as_html_is_rejected(pdf_with: PdfWith) -> None:
    # GIVEN a PDF uploaded with an .html name  WHEN prepared as html  THEN told to rename it
    assert "rename it to .pdf" in rejection(pdf_with("Miles"), "html")


def test_prepare_document__truncated_pdf_is_rejected_as_corrupt(earning_pdf: bytes) -> None:
    # GIVEN a PDF cut in half  WHEN prepared  THEN corrupt
    assert rejection(earning_pdf[: len(earning_pdf) // 2]).startswith("corrupt PDF")


def test_prepare_document__password_protected_pdf_is_rejected_as_encrypted(
    pdf_with: PdfWith,
) -> None:
    # GIVEN a PDF that needs a password  WHEN prepared  THEN encrypted
    raw = pdf_with("secret", owner_password="o", user_password="u")
    assert rejection(raw, "pdf").startswith("encrypted PDF")


def test_prepare_document__pdf_without_text_is_rejected(pdf_with: PdfWith) -> None:
    # GIVEN a PDF whose only page is blank (a scan would look the same)
    # WHEN prepared  THEN no text found, suggesting a text PDF
    reason = rejection(pdf_with(), "pdf")
    assert reason.startswith("no text found")
    assert "no text layer" in reason


@pytest.mark.parametrize(
    ("raw", "document_type"),
    [
        (b"----\n====\n", "text"),
        (b"<html><body><nav>Home</nav></body></html>", "html"),
    ],
)
def test_prepare_document__nothing_readable_is_rejected(
    raw: bytes, document_type: DocumentType
) -> None:
    # GIVEN a file with bytes but no content  WHEN prepared  THEN no text found
    assert rejection(raw, document_type).startswith("no text found")


def test_prepare_document__rejection_message_names_the_document() -> None:
    # GIVEN an empty upload  WHEN prepared  THEN the message says which document
    with pytest.raises(DocumentRejected) as rejected:
        prepare_document(b"", "aa-earning-2025", "text")
    assert str(rejected.value) == "document 'aa-earning-2025' rejected: empty file"
    assert rejected.value.to_json()["error"]["reason"] == "empty file"


# --- good input ---------------------------------------------------------------------------


def test_prepare_document__html_gives_title_blocks_hash_and_provenance() -> None:
    # GIVEN a saved page with its URL and retrieval date
    # WHEN prepared
    document = prepare_document(
        HTML,
        "aa-earn",
        "html",
        source_url="https://www.aa.com/earn",
        retrieved_date="2025-06-01",
    )
    # THEN everything is recorded
    assert document.document_id == "aa-earn"
    assert document.document_type == "html"
    assert document.title == "Earn miles"
    assert document.source_url == "https://www.aa.com/earn"
    assert document.retrieved_date == "2025-06-01"
    assert document.content_hash == content_hash(HTML)
    assert document.blocks == [
        Block(kind="heading", text="Earn", level=1),
        Block(kind="paragraph", text="5 miles per dollar."),
    ]


def test_prepare_document__text_title_is_its_first_heading() -> None:
    # GIVEN a Markdown file with a BOM  WHEN prepared  THEN titled by its first heading
    document = prepare_document("\ufeff# Earning\n\nText.".encode(), "doc-1", "text")
    assert document.title == "Earning"
    assert document.blocks[0] == Block(kind="heading", text="Earning", level=1)


def test_prepare_document__utf16_text_with_byte_order_mark_is_read() -> None:
    # GIVEN a text file saved as UTF-16 by Windows Notepad
    raw = "Miles expire after 24 months.".encode("utf-16")
    # WHEN prepared  THEN it reads (its NUL bytes are not binary junk)
    assert prepare_document(raw, "doc-1", "text").plain_text() == "Miles expire after 24 months."


def test_prepare_document__pdf_gives_blocks_with_pages(earning_pdf: bytes) -> None:
    # GIVEN the two-page earning PDF  WHEN prepared
    document = prepare_document(earning_pdf, "qr-earning", "pdf")
    # THEN it is a PDF titled by its first heading, with blocks on both pages
    assert document.document_type == "pdf"
    assert document.title == "Qatar Airways partner earning"
    assert {b.page for b in document.blocks} == {1, 2}


@pytest.mark.parametrize(
    ("raw", "sniffed"),
    [
        (HTML, "html"),
        (b"\xef\xbb\xbf  <!doctype html><p>Miles</p>", "html"),
        (b"<!-- saved from url=(0022)https://aa.com/ -->\n<html><p>Miles</p></html>", "html"),
        (b"<HTML><BODY><P>Miles</P></BODY></HTML>", "html"),
        (b"Miles < points, and <html> is just a word here", "text"),
        (b"# Earning\n\nText", "text"),
    ],
)
def test_prepare_document__type_is_sniffed_when_not_given(raw: bytes, sniffed: str) -> None:
    # GIVEN content without a declared type  WHEN prepared  THEN the type comes from the bytes
    assert prepare_document(raw, "doc-1").document_type == sniffed


def test_prepare_document__pdf_is_sniffed_from_its_magic(pdf_with: PdfWith) -> None:
    # GIVEN a PDF without a declared type  WHEN prepared  THEN read as a PDF
    assert prepare_document(pdf_with("Miles post in 3 days."), "doc-1").document_type == "pdf"


def test_prepare_document__same_bytes_give_the_same_document() -> None:
    # GIVEN the same upload twice  WHEN prepared  THEN identical results (idempotent ingest)
    assert prepare_document(HTML, "d", "html") == prepare_document(HTML, "d", "html")


# --- document_type_for --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "document_type"),
    [
        ("earn.html", "html"),
        ("raw/aa/EARN.HTM", "html"),
        (Path("terms.pdf"), "pdf"),
        ("notes.txt", "text"),
        ("chart.md", "text"),
    ],
)
def test_document_type_for__extension_gives_type(path: str | Path, document_type: str) -> None:
    # GIVEN an upload's name  WHEN typed  THEN by its extension, case-insensitively
    assert document_type_for(path) == document_type


@pytest.mark.parametrize(("path", "shown"), [("terms.docx", "'.docx'"), ("README", "no extension")])
def test_document_type_for__other_extensions_are_rejected(path: str, shown: str) -> None:
    # GIVEN a file type the pipeline cannot read
    # WHEN typed  THEN rejected, naming the extension and the accepted ones
    with pytest.raises(DocumentRejected) as rejected:
        document_type_for(path)
    assert rejected.value.reason.startswith(f"unsupported file type ({shown})")
    assert ".pdf" in rejected.value.reason
    assert rejected.value.document_id == path


# --- prepare_textract ---------------------------------------------------------------------


def test_prepare_textract__gives_a_pdf_document_with_the_sources_hash() -> None:
    # GIVEN Textract's answer for a PDF and that PDF's hash
    responses = json.loads(TEXTRACT_FIXTURE.read_text(encoding="utf-8"))
    # WHEN prepared
    document = prepare_textract(
        responses, "qr-earning", source_hash="ab" * 32, source_url="https://qr.example/earn"
    )
    # THEN it is a PDF document carrying the source's hash, titled by its first heading
    assert document.document_type == "pdf"
    assert document.content_hash == "ab" * 32
    assert document.source_url == "https://qr.example/earn"
    assert document.title == "Earning miles on Qatar Airways"
    assert any(b.kind == "table" for b in document.blocks)


def test_prepare_textract__no_text_is_rejected() -> None:
    # GIVEN an answer with a page but no lines
    responses = [{"JobStatus": "SUCCEEDED", "Blocks": [{"BlockType": "PAGE", "Id": "p"}]}]
    # WHEN prepared  THEN no text found, for that document
    with pytest.raises(DocumentRejected) as rejected:
        prepare_textract(responses, "scan-1", source_hash="00")
    assert rejected.value.reason.startswith("no text found")
    assert rejected.value.document_id == "scan-1"


def test_prepare_textract__failed_job_is_rejected_for_the_document() -> None:
    # GIVEN a failed job  WHEN prepared  THEN rejected with the document's id
    with pytest.raises(DocumentRejected) as rejected:
        prepare_textract([{"JobStatus": "FAILED"}], "scan-2", source_hash="00")
    assert rejected.value.document_id == "scan-2"
    assert rejected.value.reason.startswith("Textract analysis failed")
