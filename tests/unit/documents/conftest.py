"""PDFs made at test time with fpdf2, so each test states the page it reads.

- ``earning_pdf``: two pages. Page 1: a 20 pt title, a two-line paragraph, a short line
  before a ruled table (header row, two rows, and a row whose second cell spans two
  columns). Page 2: a 16 pt heading, a bold 11 pt line, a paragraph, two "-" bullets and a
  page number.
- ``pdf_with(*lines)``: one page of 11 pt lines, for small cases.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fpdf import FPDF
from fpdf.enums import XPos, YPos

PdfWith = Callable[..., bytes]

EARNING_ROWS = [
    ["Cabin", "Booking class", "Award miles"],
    ["Business", "J, C, D", "150%"],
    ["Economy", "Y, B", "100%"],
]


def _line(pdf: FPDF, text: str, size: float = 11, style: str = "", height: float = 7) -> None:
    pdf.set_font("Helvetica", style=style, size=size)
    pdf.cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


@pytest.fixture(scope="session")
def earning_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()
    _line(pdf, "Qatar Airways partner earning", size=20, height=12)
    pdf.set_font("Helvetica", size=11)
    pdf.multi_cell(
        60,
        6,
        "AAdvantage members earn award miles on flights operated by Qatar Airways.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(8)
    _line(pdf, "Award miles by booking class")
    pdf.ln(2)
    with pdf.table() as table:
        for cells in EARNING_ROWS:
            row = table.row()
            for text in cells:
                row.cell(text)
        row = table.row()
        row.cell("Basic Economy")
        row.cell("Not eligible", colspan=2)
    pdf.add_page()
    _line(pdf, "Loyalty Points", size=16, height=10)
    _line(pdf, "Important", style="B")
    _line(pdf, "Loyalty Points count toward status.")
    pdf.ln(8)
    _line(pdf, "- Status bonus miles do not count.")
    _line(pdf, "- Award tickets earn nothing.")
    pdf.set_y(-20)
    _line(pdf, "2")
    return bytes(pdf.output())


@pytest.fixture(scope="session")
def pdf_with() -> PdfWith:
    """``pdf_with(*lines, owner_password=None, user_password=None) -> bytes``; no lines
    gives a blank page."""

    def make(
        *lines: str, owner_password: str | None = None, user_password: str | None = None
    ) -> bytes:
        pdf = FPDF()
        pdf.add_page()
        for text in lines:
            _line(pdf, text)
        if owner_password is not None:
            pdf.set_encryption(owner_password=owner_password, user_password=user_password)
        return bytes(pdf.output())

    return make
