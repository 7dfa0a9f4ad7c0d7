"""PDFs into blocks with pdfplumber, and the page-layout rules Textract's output shares.

A PDF page is positioned characters, not structure. Tables come from ruling lines
(pdfplumber's table finder); the remaining characters become lines, and lines become
headings (a font larger than the body's, or a bold short line), list items (a bullet or
number first) and paragraphs (lines close together). ``page_blocks`` holds those rules for
any source of positioned lines, so the AWS path (Textract) and the local path read a page
the same way.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError
from pdfplumber.page import Page
from pdfplumber.table import Table
from pdfplumber.utils.exceptions import PdfminerException

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.model import Block
from loyalty_maximizer.documents.text import (
    clean_text,
    list_item_text,
    paragraph_texts,
    promote_table_captions,
)

# A heading's font is at least this much larger than the body's.
_HEADING_SIZE_RATIO = 1.15
# Heading sizes closer than this (relative) are one level: 17.5 pt and 18 pt are the same.
_SAME_LEVEL_RATIO = 0.95
_HEADING_MAX_WORDS = 15
_HEADING_MAX_CHARS = 200
_BOLD_HEADING_MAX_CHARS = 80
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi", re.IGNORECASE)
_PAGE_NUMBER = re.compile(r"(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?", re.IGNORECASE)
# The end-of-file marker sits in the last kilobyte of a complete PDF (readers allow some
# trailing bytes); without it the file was cut off during download or upload.
_EOF_WINDOW = 2048


@dataclass(frozen=True)
class PageLine:
    """One line of text where it sits on its page. ``size`` is the font size (PDF) or the
    line's height (Textract): only compared between lines of one document."""

    page: int
    top: float
    bottom: float
    text: str
    size: float
    bold: bool = False
    # A layout analyser's verdict, when there is one (Textract's LAYOUT_* blocks).
    role: Literal["title", "section_header"] | None = None
    group: str | None = None  # the layout paragraph the line belongs to


@dataclass(frozen=True)
class PageTable:
    page: int
    top: float
    rows: list[list[str]]
    caption: str = ""


def read_pdf(raw: bytes) -> list[Block]:
    """Blocks of a PDF, page by page.

    Raises DocumentRejected for a file that is not a PDF, truncated, damaged or needs a
    password."""
    if b"%PDF-" not in raw[:1024]:
        raise DocumentRejected("corrupt PDF: no %PDF- header; is the file really a PDF?")
    if b"%%EOF" not in raw[-_EOF_WINDOW:]:
        raise DocumentRejected(
            "corrupt PDF: the file is truncated (no %%EOF end marker); upload the complete file"
        )
    lines: list[PageLine] = []
    tables: list[PageTable] = []
    try:
        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            for page in pdf.pages:
                _read_page(page, lines, tables)
                # Drop the page's parsed objects now: a long PDF would otherwise hold them all.
                page.close()
    except PdfminerException as error:
        cause = error.args[0] if error.args else error
        if isinstance(cause, PDFEncryptionError):
            raise DocumentRejected(
                "encrypted PDF: it needs a password to open; remove the password and upload "
                "it again"
            ) from error
        raise DocumentRejected(f"corrupt PDF: {_describe(cause)}") from error
    except Exception as error:
        # pdfminer raises whatever a damaged object happens to trigger (KeyError, TypeError,
        # struct.error, ...); to the curator they all mean the same thing.
        raise DocumentRejected(f"corrupt PDF: {_describe(error)}") from error
    return page_blocks(lines, tables)


def _describe(error: BaseException) -> str:
    detail = str(error).strip() or "unreadable structure"
    return f"{detail} ({type(error).__name__}); export or download the PDF again"


def _read_page(page: Page, lines: list[PageLine], tables: list[PageTable]) -> None:
    boxes: list[tuple[float, float, float, float]] = []
    for found in page.find_tables():
        rows = _table_rows(found)
        # A framed paragraph is a 1x1 "table"; real tables have rows and columns.
        if len(rows) >= 2 and len(rows[0]) >= 2:
            x0, top, x1, bottom = (float(v) for v in found.bbox)
            tables.append(PageTable(page=page.page_number, top=top, rows=rows))
            boxes.append((x0, top, x1, bottom))

    def outside_tables(obj: dict[str, Any]) -> bool:
        return obj.get("object_type") != "char" or not any(_inside(obj, box) for box in boxes)

    for line in page.filter(outside_tables).extract_text_lines(return_chars=True):
        chars = [c for c in line["chars"] if str(c.get("text", "")).strip()]
        if not chars:
            continue
        lines.append(
            PageLine(
                page=page.page_number,
                top=float(line["top"]),
                bottom=float(line["bottom"]),
                text=str(line["text"]),
                size=statistics.median_low(float(c["size"]) for c in chars),
                bold=sum(bool(_BOLD_FONT.search(str(c["fontname"]))) for c in chars)
                >= 0.9 * len(chars),
            )
        )


def _inside(obj: dict[str, Any], box: tuple[float, float, float, float]) -> bool:
    x = (float(obj["x0"]) + float(obj["x1"])) / 2
    y = (float(obj["top"]) + float(obj["bottom"])) / 2
    return box[0] <= x <= box[2] and box[1] <= y <= box[3]


def _table_rows(table: Table) -> list[list[str]]:
    """Rows of cell texts. pdfplumber leaves a merged cell's other positions empty (None);
    they repeat the merged cell's text, as HTML spans do."""
    texts = table.extract()
    cells = table.cells
    text_of = {
        bbox: clean_text(text or "")
        for row, row_texts in zip(table.rows, texts, strict=True)
        for bbox, text in zip(row.cells, row_texts, strict=True)
        if bbox is not None
    }
    column_lefts = sorted({cell[0] for cell in cells})
    rows: list[list[str]] = []
    for row, row_texts in zip(table.rows, texts, strict=True):
        row_top = min(bbox[1] for bbox in row.cells if bbox is not None)
        out: list[str] = []
        for column, (bbox, text) in enumerate(zip(row.cells, row_texts, strict=True)):
            if bbox is not None:
                out.append(clean_text(text or ""))
                continue
            x, y = column_lefts[column] + 0.5, row_top + 0.5
            covering = next(
                (c for c in cells if c[0] <= x < c[2] and c[1] <= y < c[3]),
                None,
            )
            out.append(text_of.get(covering, "") if covering is not None else "")
        if any(out):
            rows.append(out)
    return rows


# --- positioned lines into blocks ---------------------------------------------------------


@dataclass
class _Paragraph:
    kind: Literal["paragraph", "list_item"]
    lines: list[PageLine] = field(default_factory=list)

    def blocks(self) -> list[Block]:
        page = self.lines[0].page
        texts = paragraph_texts([line.text for line in self.lines])
        if self.kind == "list_item":
            # An item's wrapped lines are its text, however they start.
            texts = [" ".join(texts)]
        return [Block(kind=self.kind, text=text, page=page) for text in texts]


def page_blocks(lines: Sequence[PageLine], tables: Sequence[PageTable]) -> list[Block]:
    """Blocks of positioned lines and tables, in page order then top to bottom.

    Headings: a layout analyser's title or section header when the lines carry roles;
    otherwise a short line in a font larger than the body's (bigger is higher), or a bold
    short line at body size. Lines join into a paragraph while the gap between them is
    about the document's usual line gap (or while a layout analyser groups them)."""
    readable = sorted(
        (
            line
            for line in lines
            if clean_text(line.text) and not _PAGE_NUMBER.fullmatch(clean_text(line.text))
        ),
        key=lambda line: (line.page, line.top),
    )
    levels = _heading_levels(readable)
    usual_gap = _usual_gap(readable, levels)
    items: list[tuple[int, float, int, PageLine | PageTable]] = [
        (line.page, line.top, order, line) for order, line in enumerate(readable)
    ]
    items += [(t.page, t.top, len(items) + n, t) for n, t in enumerate(tables)]
    items.sort(key=lambda item: item[:3])

    blocks: list[Block] = []
    current: _Paragraph | None = None
    previous: PageLine | None = None

    def flush() -> None:
        nonlocal current
        if current is not None:
            blocks.extend(current.blocks())
            current = None

    for _, _, _, item in items:
        if isinstance(item, PageTable):
            flush()
            blocks.append(Block(kind="table", text=item.caption, rows=item.rows, page=item.page))
            previous = None
            continue
        text = clean_text(item.text)
        level = levels.get(id(item))
        if level is not None:
            flush()
            if _continues_heading(blocks, previous, item, level, levels):
                blocks[-1] = blocks[-1].model_copy(update={"text": f"{blocks[-1].text} {text}"})
            else:
                blocks.append(Block(kind="heading", text=text, level=level, page=item.page))
        elif list_item_text(text) is not None:
            flush()
            current = _Paragraph("list_item", [_strip_bullet(item)])
        elif (
            current is not None
            and previous is not None
            and _same_paragraph(previous, item, usual_gap)
        ):
            current.lines.append(item)
        else:
            flush()
            current = _Paragraph("paragraph", [item])
        previous = item
    flush()
    return promote_table_captions([_demote_long_heading(b) for b in blocks])


def _strip_bullet(line: PageLine) -> PageLine:
    return dataclasses.replace(line, text=list_item_text(clean_text(line.text)) or line.text)


def _heading_levels(lines: Sequence[PageLine]) -> dict[int, int]:
    """Heading level by ``id(line)`` for the lines that are headings."""
    if any(line.role is not None for line in lines):
        return {
            id(line): 1 if line.role == "title" else 2 for line in lines if line.role is not None
        }
    body = _body_size(lines)
    if body is None:
        return {}
    mostly_bold = sum(len(line.text) for line in lines if line.bold) * 2 > sum(
        len(line.text) for line in lines
    )
    larger = [line for line in lines if line.size >= body * _HEADING_SIZE_RATIO and _short(line)]
    tiers: list[float] = []  # the largest size of each level, descending
    for size in sorted({line.size for line in larger}, reverse=True):
        if not tiers or size < tiers[-1] * _SAME_LEVEL_RATIO:
            tiers.append(size)
    levels: dict[int, int] = {}
    for line in larger:
        tier = next(n for n, top in enumerate(tiers) if line.size >= top * _SAME_LEVEL_RATIO)
        levels[id(line)] = min(tier + 1, 6)
    bold_level = min(len(tiers) + 1, 6)
    for line in lines:
        text = clean_text(line.text)
        if (
            id(line) not in levels
            and line.bold
            and not mostly_bold
            and len(text) <= _BOLD_HEADING_MAX_CHARS
            and text[-1] not in ".,;!?"
            and list_item_text(text) is None
        ):
            levels[id(line)] = bold_level
    return levels


def _body_size(lines: Sequence[PageLine]) -> float | None:
    """The size most of the text is set in (the median weighted by characters)."""
    weighted = sorted((line.size, len(line.text)) for line in lines)
    total = sum(weight for _, weight in weighted)
    seen = 0
    for size, weight in weighted:
        seen += weight
        if seen * 2 >= total:
            return size
    return None


def _short(line: PageLine) -> bool:
    text = clean_text(line.text)
    return len(text.split()) <= _HEADING_MAX_WORDS and list_item_text(text) is None


def _usual_gap(lines: Sequence[PageLine], levels: dict[int, int]) -> float:
    gaps = [
        max(b.top - a.bottom, 0.0)
        for a, b in itertools.pairwise(lines)
        if a.page == b.page and id(a) not in levels and id(b) not in levels
    ]
    return statistics.median(gaps) if gaps else 0.0


def _same_paragraph(previous: PageLine, line: PageLine, usual_gap: float) -> bool:
    if previous.page != line.page:
        return False
    if previous.group is not None or line.group is not None:
        return previous.group == line.group
    height = max(previous.bottom - previous.top, line.bottom - line.top)
    return line.top - previous.bottom <= usual_gap + 0.5 * height


def _continues_heading(
    blocks: list[Block],
    previous: PageLine | None,
    line: PageLine,
    level: int,
    levels: dict[int, int],
) -> bool:
    """A heading set over two lines is one heading."""
    return (
        previous is not None
        and bool(blocks)
        and blocks[-1].kind == "heading"
        and levels.get(id(previous)) == level
        and previous.page == line.page
        and line.top - previous.bottom <= 0.5 * (line.bottom - line.top)
    )


def _demote_long_heading(block: Block) -> Block:
    """Several lines of large type merged into a "heading" are an introduction paragraph."""
    if block.kind == "heading" and len(block.text) > _HEADING_MAX_CHARS:
        return Block(kind="paragraph", text=block.text, page=block.page)
    return block
