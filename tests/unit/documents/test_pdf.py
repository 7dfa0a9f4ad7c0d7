"""Reading PDFs (pdfplumber) and the page-layout rules shared with Textract."""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

import pytest

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.model import Block
from loyalty_maximizer.documents.pdf import PageLine, PageTable, page_blocks, read_pdf

PdfWith = Callable[..., bytes]


def line(
    text: str,
    top: float,
    *,
    size: float = 10,
    page: int = 1,
    bold: bool = False,
    role: Literal["title", "section_header"] | None = None,
    group: str | None = None,
) -> PageLine:
    """A line ``size`` tall (its font size) at ``top`` on ``page``."""
    return PageLine(page, top, top + size, text, size, bold, role, group)


# --- read_pdf -----------------------------------------------------------------------------


def test_read_pdf__two_pages_give_headings_paragraphs_table_and_list_items(
    earning_pdf: bytes,
) -> None:
    # GIVEN the two-page earning PDF (see conftest)
    # WHEN it is read
    blocks = read_pdf(earning_pdf)
    # THEN every block is there once, in page order, with its page number
    assert blocks == [
        Block(kind="heading", text="Qatar Airways partner earning", level=1, page=1),
        Block(
            kind="paragraph",
            text="AAdvantage members earn award miles on flights operated by Qatar Airways.",
            page=1,
        ),
        Block(kind="heading", text="Award miles by booking class", level=2, page=1),
        Block(
            kind="table",
            rows=[
                ["Cabin", "Booking class", "Award miles"],
                ["Business", "J, C, D", "150%"],
                ["Economy", "Y, B", "100%"],
                ["Basic Economy", "Not eligible", "Not eligible"],
            ],
            page=1,
        ),
        Block(kind="heading", text="Loyalty Points", level=2, page=2),
        Block(kind="heading", text="Important", level=3, page=2),
        Block(kind="paragraph", text="Loyalty Points count toward status.", page=2),
        Block(kind="list_item", text="Status bonus miles do not count.", page=2),
        Block(kind="list_item", text="Award tickets earn nothing.", page=2),
    ]


def test_read_pdf__table_text_is_not_repeated_as_paragraphs(earning_pdf: bytes) -> None:
    # GIVEN a PDF with a ruled table  WHEN it is read
    texts = [b.text for b in read_pdf(earning_pdf) if b.kind != "table"]
    # THEN no cell text appears outside the table block
    assert not any("Booking class" in t or "150%" in t for t in texts)


def test_read_pdf__owner_password_only_is_still_read(pdf_with: PdfWith) -> None:
    # GIVEN a PDF encrypted only against editing (it opens without a password)
    raw = pdf_with("Transfers post within 48 hours.", owner_password="owner")
    # WHEN it is read  THEN its text comes out
    assert read_pdf(raw) == [
        Block(kind="paragraph", text="Transfers post within 48 hours.", page=1)
    ]


def test_read_pdf__password_to_open_is_rejected_as_encrypted(pdf_with: PdfWith) -> None:
    # GIVEN a PDF that needs a password to open
    raw = pdf_with("secret", owner_password="owner", user_password="reader")
    # WHEN it is read  THEN it is rejected, telling the curator to remove the password
    with pytest.raises(DocumentRejected) as rejected:
        read_pdf(raw)
    assert rejected.value.reason.startswith("encrypted PDF")
    assert "remove the password" in rejected.value.reason


def test_read_pdf__truncated_file_is_rejected_as_corrupt(earning_pdf: bytes) -> None:
    # GIVEN the first half of a PDF (an interrupted download)
    raw = earning_pdf[: len(earning_pdf) // 2]
    # WHEN it is read  THEN it is rejected as truncated
    with pytest.raises(DocumentRejected, match="corrupt PDF: the file is truncated"):
        read_pdf(raw)


def test_read_pdf__damaged_structure_is_rejected_as_corrupt() -> None:
    # GIVEN a file with a PDF header and end marker but garbage between
    raw = b"%PDF-1.7\n" + bytes(range(256)) * 8 + b"\ntrailer\n<< /Size 3 >>\n%%EOF\n"
    # WHEN it is read  THEN it is rejected as corrupt, with pdfminer's complaint as detail
    with pytest.raises(DocumentRejected) as rejected:
        read_pdf(raw)
    assert rejected.value.reason.startswith("corrupt PDF: ")
    assert "export or download the PDF again" in rejected.value.reason


def test_read_pdf__content_without_pdf_header_is_rejected() -> None:
    # GIVEN a text file posing as a PDF  WHEN it is read  THEN the missing header is named
    with pytest.raises(DocumentRejected, match="no %PDF- header"):
        read_pdf(b"Award chart\nEurope 30,000\n")


def test_read_pdf__blank_page_gives_no_blocks(pdf_with: PdfWith) -> None:
    # GIVEN a PDF whose page has no text  WHEN it is read  THEN there are no blocks
    assert read_pdf(pdf_with()) == []


# --- page_blocks --------------------------------------------------------------------------


def test_page_blocks__lines_close_together_join_and_a_wide_gap_starts_a_paragraph() -> None:
    # GIVEN two lines 2 pt apart, then a third 20 pt below
    lines = [line("Miles post", 0), line("in 3 days.", 12), line("Next paragraph.", 42)]
    # WHEN blocks are made  THEN the first two are one paragraph
    assert [b.text for b in page_blocks(lines, [])] == ["Miles post in 3 days.", "Next paragraph."]


def test_page_blocks__hyphen_at_line_end_joins_without_a_space() -> None:
    # GIVEN a word broken over two lines
    lines = [line("Earn on co-", 0), line("branded cards.", 12)]
    # WHEN blocks are made  THEN the halves meet, the hyphen kept
    assert page_blocks(lines, [])[0].text == "Earn on co-branded cards."


def test_page_blocks__page_numbers_are_dropped() -> None:
    # GIVEN body lines and page-number lines
    lines = [line("Body text.", 0), line("Page 1 of 2", 700), line("3", 0, page=2)]
    # WHEN blocks are made  THEN only the body text remains
    assert [b.text for b in page_blocks(lines, [])] == ["Body text."]


def test_page_blocks__heading_set_over_two_lines_is_one_heading() -> None:
    # GIVEN a 20 pt heading wrapped onto two lines above 10 pt body text
    lines = [
        line("Qatar Airways", 0, size=20),
        line("partner earning", 22, size=20),
        line("Body text.", 60),
        line("More body text here.", 72),
    ]
    # WHEN blocks are made  THEN the heading is one block
    assert page_blocks(lines, [])[0] == Block(
        kind="heading", text="Qatar Airways partner earning", level=1, page=1
    )


def test_page_blocks__larger_fonts_give_higher_levels() -> None:
    # GIVEN 24 pt, 18 pt and 14 pt lines over 10 pt body text
    lines = [
        line("Program", 0, size=24),
        line("Earning", 40, size=18),
        line("Partners", 80, size=14),
        line("Body text that is long enough to be the body.", 120),
    ]
    # WHEN blocks are made  THEN they are levels 1, 2 and 3
    assert [b.level for b in page_blocks(lines, [])][:3] == [1, 2, 3]


def test_page_blocks__bold_body_text_is_not_all_headings() -> None:
    # GIVEN a document set entirely in bold
    lines = [line("First short line", 0, bold=True), line("Second line", 40, bold=True)]
    # WHEN blocks are made  THEN bold says nothing: no headings
    assert {b.kind for b in page_blocks(lines, [])} == {"paragraph"}


def test_page_blocks__layout_roles_override_font_sizes() -> None:
    # GIVEN lines a layout analyser marked, all the same size
    lines = [
        line("Terms", 0, role="title"),
        line("Earning", 20, role="section_header"),
        line("Miles post in 3 days.", 40),
    ]
    # WHEN blocks are made  THEN title is level 1 and section header level 2
    assert [(b.kind, b.level) for b in page_blocks(lines, [])] == [
        ("heading", 1),
        ("heading", 2),
        ("paragraph", None),
    ]


def test_page_blocks__layout_groups_decide_paragraphs() -> None:
    # GIVEN three evenly spaced lines, the layout analyser grouping the first two
    lines = [
        line("One", 0, group="a"),
        line("two.", 12, group="a"),
        line("Three.", 24, group="b"),
    ]
    # WHEN blocks are made  THEN the groups are the paragraphs
    assert [b.text for b in page_blocks(lines, [])] == ["One two.", "Three."]


def test_page_blocks__tables_sit_between_lines_by_position() -> None:
    # GIVEN a line above and a line below a table on page 1, and a line on page 2
    table = PageTable(page=1, top=50, rows=[["a", "b"], ["1", "2"]])
    lines = [line("Below the table.", 200), line("Above the table.", 0), line("Next.", 0, page=2)]
    # WHEN blocks are made  THEN the order is by page, then top
    assert [b.kind for b in page_blocks(lines, [table])] == [
        "paragraph",
        "table",
        "paragraph",
        "paragraph",
    ]
    assert page_blocks(lines, [table])[0].text == "Above the table."
