"""The local cloud's Amazon Textract: asynchronous document analysis of PDFs in S3.

``TextractEmulation`` holds jobs as Textract does. ``start_document_analysis`` checks the
request (document location, feature types, job tag, client request token: the same token
with the same request gives the same job), checks that the object exists and returns the
``JobId``; a background thread then reads the PDF from S3 (the version asked for) with
pdfplumber and answers in Textract's block format:

- ``PAGE``, ``LINE`` and ``WORD`` blocks with ``Geometry`` (``BoundingBox`` and ``Polygon``
  as fractions of the page), ``Confidence``, ``Page`` and ``CHILD`` relationships;
- with ``TABLES``: ``TABLE``, ``CELL`` (``RowIndex``, ``ColumnIndex``, spans, ``CHILD`` the
  words) and ``MERGED_CELL`` blocks from pdfplumber's table finder, kept as ``read_pdf``
  keeps them (at least two rows and two columns);
- with ``LAYOUT``: ``LAYOUT_TITLE``/``LAYOUT_SECTION_HEADER`` for the lines ``read_pdf``
  takes for headings (its first level is the title), ``LAYOUT_TEXT`` per paragraph and list
  item (items grouped in ``LAYOUT_LIST``), ``LAYOUT_TABLE`` and ``LAYOUT_PAGE_NUMBER``, by
  the page-layout rules of ``documents.pdf``.

So ``documents.textract.read_textract`` reads the emulation's answer into the blocks
``documents.pdf.read_pdf`` gives for the same file, except that Textract has two heading
levels. When the job ends, Textract's completion message (``JobId``, ``Status``, ``API``,
``JobTag``, ``Timestamp``, ``DocumentLocation``) goes to the job's SNS topic, no sooner than
``completion_delay`` seconds after the start returned. A file pdfplumber cannot read ends
the job ``FAILED`` with a ``StatusMessage``. ``FORMS``, ``QUERIES`` and ``SIGNATURES`` are
accepted and produce no blocks; ``OutputConfig`` is not written.

``get_document_analysis`` pages through the blocks (``MaxResults`` up to 1000,
``NextToken``); ``handle(target, body)`` answers Textract's JSON 1.1 protocol
(``X-Amz-Target: Textract.<Operation>``) with AWS error bodies, so a boto3 client whose
``endpoint_url`` is the local cloud talks to it.
"""

from __future__ import annotations

import base64
import binascii
import io
import itertools
import json
import logging
import re
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pdfplumber
from botocore.exceptions import BotoCoreError, ClientError
from pdfplumber.page import Page
from pdfplumber.table import Table
from pdfplumber.utils.text import WordExtractor, chars_to_textmap

from loyalty_maximizer.documents.pdf import (
    _BOLD_FONT,
    _PAGE_NUMBER,
    PageLine,
    PageTable,
    _heading_levels,
    _inside,
    _same_paragraph,
    _usual_gap,
)
from loyalty_maximizer.documents.text import clean_text, list_item_text

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_sns import SNSClient

log = logging.getLogger(__name__)

FEATURE_TYPES = frozenset({"TABLES", "FORMS", "QUERIES", "SIGNATURES", "LAYOUT"})
MODEL_VERSION = "1.0"
MAX_RESULTS = 1000
API = "StartDocumentAnalysis"
IN_PROGRESS, SUCCEEDED, FAILED = "IN_PROGRESS", "SUCCEEDED", "FAILED"

_JOB_TAG = re.compile(r"[a-zA-Z0-9_.\-:]{1,64}")
_TOKEN = re.compile(r"[a-zA-Z0-9\-_]{1,64}")
_JOB_ID = re.compile(r"[a-zA-Z0-9\-_]{1,64}")
_TOPIC_ARN = re.compile(r"arn:([a-z\d-]+):sns:[a-zA-Z\d-]{1,20}:\w{12}:.+")
_EOF_WINDOW = 2048  # as read_pdf: a complete PDF ends with %%EOF in its last bytes
_IDS = uuid.UUID("6f1f8a52-3c1e-4d7e-9a51-7e0c2d4b8f10")  # namespace of block ids

_CONFIDENCE = {
    "PAGE": None,
    "LINE": 99.9,
    "WORD": 99.9,
    "TABLE": 99.5,
    "CELL": 97.0,
    "MERGED_CELL": 97.0,
}
_LAYOUT_CONFIDENCE = 92.0


class TextractError(Exception):
    """An error Textract answers with: its ``__type`` (``code``), message and HTTP status."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status

    def body(self) -> dict[str, Any]:
        return {"__type": self.code, "message": self.message}


def _invalid(message: str) -> TextractError:
    return TextractError("InvalidParameterException", message)


# --- PDF to blocks -----------------------------------------------------------------------


class DocumentUnreadable(Exception):
    """A document Textract's analysis would fail on; the message is the job's StatusMessage."""


Box = tuple[float, float, float, float]  # x0, top, x1, bottom in PDF points


def _box(values: Iterable[Any]) -> Box:
    x0, top, x1, bottom = (float(v) for v in values)
    return x0, top, x1, bottom


def _union(boxes: Iterable[Box]) -> Box:
    x0s, tops, x1s, bottoms = zip(*boxes, strict=True)
    return min(x0s), min(tops), max(x1s), max(bottoms)


def _char_box(chars: Sequence[Mapping[str, Any]]) -> Box:
    return _union(
        (float(c["x0"]), float(c["top"]), float(c["x1"]), float(c["bottom"])) for c in chars
    )


def _in_cell(char: Mapping[str, Any], box: Box) -> bool:
    """pdfplumber's test of a table character (its middle inside, right and bottom open)."""
    y = (float(char["top"]) + float(char["bottom"])) / 2
    x = (float(char["x0"]) + float(char["x1"])) / 2
    return box[0] <= x < box[2] and box[1] <= y < box[3]


@dataclass
class _Word:
    text: str
    box: Box
    id: str = ""


@dataclass
class _Line:
    text: str
    box: Box
    words: list[_Word]
    page_line: PageLine | None = None  # lines outside tables: as read_pdf sees them
    id: str = ""


@dataclass
class _Cell:
    row: int  # 1-based, Textract's RowIndex
    column: int
    row_span: int
    column_span: int
    box: Box
    lines: list[_Line] = field(default_factory=list)

    @property
    def words(self) -> list[_Word]:
        return [w for line in self.lines for w in line.words]

    @property
    def text(self) -> str:
        return clean_text(" ".join(w.text for w in self.words))


@dataclass
class _Table:
    box: Box
    rows: int
    columns: int
    cells: list[_Cell]  # one per grid position; merged cells hold their words top left
    merged: list[_Cell]  # the spans of merged cells
    page_table: PageTable


@dataclass
class _Page:
    number: int
    bbox: Box
    lines: list[_Line]  # outside tables
    tables: list[_Table]


def _with_words(
    found_lines: Sequence[dict[str, Any]], chars: Sequence[dict[str, Any]]
) -> list[tuple[dict[str, Any], list[dict[str, Any]], list[_Word]]]:
    """Each text line pdfplumber found, with its visible characters and its words. Words are
    cut from all the characters (spaces included, as pdfplumber cuts them), and belong to
    the line of their first character."""
    line_of = {id(char): n for n, found in enumerate(found_lines) for char in found["chars"]}
    words: dict[int, list[_Word]] = {}
    for word, word_chars in WordExtractor().iter_extract_tuples(chars):
        visible = [c for c in word_chars if str(c.get("text", "")).strip()]
        line = line_of.get(id(visible[0])) if visible else None
        if line is not None:
            words.setdefault(line, []).append(_Word(str(word["text"]), _char_box(visible)))
    result = []
    for n, found in enumerate(found_lines):
        visible = [c for c in found["chars"] if str(c.get("text", "")).strip()]
        if visible and n in words:
            result.append((found, visible, words[n]))
    return result


def _lines_of(chars: list[dict[str, Any]]) -> list[_Line]:
    """Text lines of characters, each with its words, as pdfplumber reads lines."""
    if not chars:
        return []
    found_lines = chars_to_textmap(chars).extract_text_lines(strip=True)
    return [
        _Line(str(found["text"]), _char_box(visible), words)
        for found, visible, words in _with_words(found_lines, chars)
    ]


def _table(page: Page, found: Table) -> _Table | None:
    """A found table as Textract cells, or None for what read_pdf does not take for one."""
    cells = [_box(cell) for cell in found.cells]
    xs = sorted({c[0] for c in cells})
    tops = sorted({c[1] for c in cells})
    x_edges = [*xs, max(c[2] for c in cells)]
    y_edges = [*tops, max(c[3] for c in cells)]
    grid: dict[tuple[int, int], _Cell] = {}
    merged: list[_Cell] = []
    x0, top, x1, bottom = _box(found.bbox)
    table_chars = [c for c in page.chars if _in_cell(c, (x0, top, x1 + 1, bottom + 1))]
    for row in found.rows:
        row_chars = [c for c in table_chars if _in_cell(c, _box(row.bbox))]
        for bbox in row.cells:
            if bbox is None:
                continue
            x0, top, x1, bottom = (float(v) for v in bbox)
            row_index, column_index = tops.index(top) + 1, xs.index(x0) + 1
            row_span = max(sum(1 for y in tops if top <= y < bottom - 0.01), 1)
            column_span = max(sum(1 for x in xs if x0 <= x < x1 - 0.01), 1)
            cell_chars = [c for c in row_chars if _in_cell(c, (x0, top, x1, bottom))]
            lines = _lines_of(cell_chars)
            for r in range(row_index, row_index + row_span):
                for c in range(column_index, column_index + column_span):
                    box = (x_edges[c - 1], y_edges[r - 1], x_edges[c], y_edges[r])
                    first = (r, c) == (row_index, column_index)
                    grid.setdefault((r, c), _Cell(r, c, 1, 1, box, lines if first else []))
            if row_span > 1 or column_span > 1:
                merged.append(
                    _Cell(row_index, column_index, row_span, column_span, (x0, top, x1, bottom))
                )
    row_count, column_count = len(tops), len(xs)
    for r in range(1, row_count + 1):  # positions no cell covers (irregular rulings)
        for c in range(1, column_count + 1):
            box = (x_edges[c - 1], y_edges[r - 1], x_edges[c], y_edges[r])
            grid.setdefault((r, c), _Cell(r, c, 1, 1, box))
    texts = [
        [grid[(r, c)].text for c in range(1, column_count + 1)] for r in range(1, row_count + 1)
    ]
    for span in merged:
        text = grid[(span.row, span.column)].text
        for r in range(span.row, span.row + span.row_span):
            for c in range(span.column, span.column + span.column_span):
                texts[r - 1][c - 1] = text
    rows = [row for row in texts if any(row)]
    # A framed paragraph is a 1x1 "table"; read_pdf reads it as text.
    if len(rows) < 2 or column_count < 2:
        return None
    box = _box(found.bbox)
    return _Table(
        box=box,
        rows=row_count,
        columns=column_count,
        cells=[grid[key] for key in sorted(grid)],
        merged=merged,
        page_table=PageTable(page=page.page_number, top=box[1], rows=rows),
    )


def _read_page(page: Page) -> _Page:
    tables = [t for t in (_table(page, found) for found in page.find_tables()) if t is not None]
    boxes = [t.box for t in tables]

    def outside_tables(obj: dict[str, Any]) -> bool:
        return obj.get("object_type") != "char" or not any(_inside(obj, box) for box in boxes)

    lines: list[_Line] = []
    outside = page.filter(outside_tables)
    found_lines = outside.extract_text_lines(return_chars=True)
    for found, chars, words in _with_words(found_lines, outside.chars):
        page_line = PageLine(
            page=page.page_number,
            top=float(found["top"]),
            bottom=float(found["bottom"]),
            text=str(found["text"]),
            size=statistics.median_low(float(c["size"]) for c in chars),
            bold=sum(bool(_BOLD_FONT.search(str(c["fontname"]))) for c in chars)
            >= 0.9 * len(chars),
        )
        lines.append(_Line(str(found["text"]), _char_box(chars), words, page_line))
    return _Page(page.page_number, _box(page.bbox), lines, tables)


def _read_pdf(raw: bytes) -> list[_Page]:
    if b"%PDF-" not in raw[:1024]:
        raise DocumentUnreadable("Request has unsupported document format: not a PDF")
    if b"%%EOF" not in raw[-_EOF_WINDOW:]:
        raise DocumentUnreadable("Request has unsupported document format: the PDF is truncated")
    pages: list[_Page] = []
    try:
        with pdfplumber.open(io.BytesIO(raw)) as pdf:
            for page in pdf.pages:
                pages.append(_read_page(page))
                page.close()
    except Exception as error:
        detail = str(error).strip() or type(error).__name__
        raise DocumentUnreadable(
            f"Request has unsupported document format: {detail} ({type(error).__name__})"
        ) from error
    return pages


@dataclass
class _Layout:
    kind: str
    page: int
    lines: list[_Line]
    items: list[_Layout] = field(default_factory=list)  # a list's items
    box: Box | None = None  # when not the lines' union (a table's)


def _layouts(pages: Sequence[_Page]) -> list[_Layout]:
    """Layout blocks by the rules ``documents.pdf.page_blocks`` reads a page with: headings
    (level 1 the title), paragraphs and list items, tables, page numbers."""
    layouts: list[_Layout] = []
    readable: list[_Line] = []
    for page in pages:
        for line in page.lines:
            text = clean_text(line.text)
            if text and _PAGE_NUMBER.fullmatch(text):
                layouts.append(_Layout("LAYOUT_PAGE_NUMBER", page.number, [line]))
            elif text:
                readable.append(line)
    readable.sort(key=lambda line: (_page_line(line).page, _page_line(line).top))
    page_lines = [_page_line(line) for line in readable]
    levels = _heading_levels(page_lines)
    usual_gap = _usual_gap(page_lines, levels)
    items: list[tuple[int, float, int, _Line | _Table]] = [
        (_page_line(line).page, _page_line(line).top, order, line)
        for order, line in enumerate(readable)
    ]
    tables = [(page.number, table) for page in pages for table in page.tables]
    items += [(number, t.box[1], len(items) + n, t) for n, (number, t) in enumerate(tables)]
    items.sort(key=lambda item: item[:3])
    table_pages = {id(t): number for number, t in tables}

    current: _Layout | None = None
    list_layout: _Layout | None = None
    previous: PageLine | None = None
    for _, _, _, item in items:
        if isinstance(item, _Table):
            current = list_layout = previous = None
            table_lines = [t for cell in item.cells for t in cell.lines]
            layouts.append(
                _Layout("LAYOUT_TABLE", table_pages[id(item)], table_lines, box=item.box)
            )
            continue
        seen = _page_line(item)
        level = levels.get(id(seen))
        if level is not None:
            kind = "LAYOUT_TITLE" if level == 1 else "LAYOUT_SECTION_HEADER"
            layouts.append(_Layout(kind, seen.page, [item]))
            current = list_layout = None
        elif list_item_text(clean_text(seen.text)) is not None:
            current = _Layout("LAYOUT_TEXT", seen.page, [item])
            if list_layout is None or list_layout.page != seen.page:
                list_layout = _Layout("LAYOUT_LIST", seen.page, [])
                layouts.append(list_layout)
            list_layout.items.append(current)
        elif (
            current is not None
            and previous is not None
            and _same_paragraph(previous, seen, usual_gap)
        ):
            current.lines.append(item)
        else:
            current = _Layout("LAYOUT_TEXT", seen.page, [item])
            list_layout = None
            layouts.append(current)
        previous = seen
    return layouts


def _page_line(line: _Line) -> PageLine:
    assert line.page_line is not None  # lines outside tables always carry one
    return line.page_line


class _BlockWriter:
    """Textract blocks with ids, geometry relative to the page, and relationships."""

    def __init__(self, seed: str) -> None:
        self._seed = seed
        self._count = itertools.count()
        self.blocks: list[dict[str, Any]] = []

    def new_id(self) -> str:
        return str(uuid.uuid5(_IDS, f"{self._seed}/{next(self._count)}"))

    def add(
        self,
        kind: str,
        page: _Page,
        box: Box,
        *,
        block_id: str | None = None,
        children: Sequence[str] = (),
        confidence: float | None = None,
        **extra: Any,
    ) -> str:
        block: dict[str, Any] = {"BlockType": kind}
        if confidence is not None:
            block["Confidence"] = confidence
        block |= extra
        block["Geometry"] = self._geometry(page, box)
        block["Id"] = block_id or self.new_id()
        if children:
            block["Relationships"] = [{"Type": "CHILD", "Ids": list(children)}]
        block["Page"] = page.number
        self.blocks.append(block)
        return str(block["Id"])

    @staticmethod
    def _geometry(page: _Page, box: Box) -> dict[str, Any]:
        px0, ptop, px1, pbottom = page.bbox
        width, height = (px1 - px0) or 1.0, (pbottom - ptop) or 1.0

        def x(value: float) -> float:
            return min(max((value - px0) / width, 0.0), 1.0)

        def y(value: float) -> float:
            return min(max((value - ptop) / height, 0.0), 1.0)

        left, top, right, bottom = x(box[0]), y(box[1]), x(box[2]), y(box[3])
        return {
            "BoundingBox": {
                "Width": right - left,
                "Height": bottom - top,
                "Left": left,
                "Top": top,
            },
            "Polygon": [
                {"X": left, "Y": top},
                {"X": right, "Y": top},
                {"X": right, "Y": bottom},
                {"X": left, "Y": bottom},
            ],
        }


def _write_line(writer: _BlockWriter, page: _Page, line: _Line) -> list[dict[str, Any]]:
    """The LINE and its WORD blocks (returned, to be appended after the page's lines)."""
    words: list[dict[str, Any]] = []
    for word in line.words:
        word.id = writer.new_id()
    line.id = writer.add(
        "LINE",
        page,
        line.box,
        children=[w.id for w in line.words],
        confidence=_CONFIDENCE["LINE"],
        Text=line.text,
    )
    for word in line.words:
        words.append(
            {
                "BlockType": "WORD",
                "Confidence": _CONFIDENCE["WORD"],
                "Text": word.text,
                "TextType": "PRINTED",
                "Geometry": writer._geometry(page, word.box),
                "Id": word.id,
                "Page": page.number,
            }
        )
    return words


def analyze_pdf(
    raw: bytes, feature_types: Collection[str], *, seed: str = ""
) -> tuple[int, list[dict[str, Any]]]:
    """The page count and the Textract blocks of a PDF (ids derived from ``seed``).

    Raises DocumentUnreadable when pdfplumber cannot read the file."""
    pages = _read_pdf(raw)
    layouts = _layouts(pages) if "LAYOUT" in feature_types else []
    writer = _BlockWriter(seed)
    for page in pages:
        page_id = writer.new_id()
        start = len(writer.blocks)
        words: list[dict[str, Any]] = []
        table_lines = [line for table in page.tables for cell in table.cells for line in cell.lines]
        page_lines = sorted(
            [*page.lines, *table_lines], key=lambda line: (line.box[1], line.box[0])
        )
        for line in page_lines:
            words += _write_line(writer, page, line)
        writer.blocks += words
        children = [line.id for line in page_lines]
        if "TABLES" in feature_types:
            for table in page.tables:
                children.append(_write_table(writer, page, table))
        for layout in (layout for layout in layouts if layout.page == page.number):
            children.append(_write_layout(writer, page, layout))
        writer.blocks.insert(
            start,
            {
                "BlockType": "PAGE",
                "Geometry": writer._geometry(page, page.bbox),
                "Id": page_id,
                "Relationships": [{"Type": "CHILD", "Ids": children}],
                "Page": page.number,
            },
        )
    return len(pages), writer.blocks


def _write_table(writer: _BlockWriter, page: _Page, table: _Table) -> str:
    table_id = writer.new_id()
    cell_ids: dict[tuple[int, int], str] = {}
    at = len(writer.blocks)
    for cell in table.cells:
        extra: dict[str, Any] = {}
        if cell.row == 1:
            extra["EntityTypes"] = ["COLUMN_HEADER"]
        cell_ids[(cell.row, cell.column)] = writer.add(
            "CELL",
            page,
            cell.box,
            children=[w.id for w in cell.words],
            confidence=_CONFIDENCE["CELL"],
            RowIndex=cell.row,
            ColumnIndex=cell.column,
            RowSpan=1,
            ColumnSpan=1,
            **extra,
        )
    merged_ids = [
        writer.add(
            "MERGED_CELL",
            page,
            span.box,
            children=[
                cell_ids[(r, c)]
                for r in range(span.row, span.row + span.row_span)
                for c in range(span.column, span.column + span.column_span)
            ],
            confidence=_CONFIDENCE["MERGED_CELL"],
            RowIndex=span.row,
            ColumnIndex=span.column,
            RowSpan=span.row_span,
            ColumnSpan=span.column_span,
        )
        for span in table.merged
    ]
    relationships = [{"Type": "CHILD", "Ids": list(cell_ids.values())}]
    if merged_ids:
        relationships.append({"Type": "MERGED_CELL", "Ids": merged_ids})
    writer.blocks.insert(
        at,
        {
            "BlockType": "TABLE",
            "Confidence": _CONFIDENCE["TABLE"],
            "Geometry": writer._geometry(page, table.box),
            "Id": table_id,
            "Relationships": relationships,
            "EntityTypes": ["STRUCTURED_TABLE"],
            "Page": page.number,
        },
    )
    return table_id


def _write_layout(writer: _BlockWriter, page: _Page, layout: _Layout) -> str:
    if layout.kind == "LAYOUT_LIST":
        items = [_write_layout(writer, page, item) for item in layout.items]
        boxes = [line.box for item in layout.items for line in item.lines]
        return writer.add(
            "LAYOUT_LIST",
            page,
            _union(boxes),
            children=items,
            confidence=_LAYOUT_CONFIDENCE,
        )
    return writer.add(
        layout.kind,
        page,
        layout.box or _union(line.box for line in layout.lines),
        children=[line.id for line in layout.lines],
        confidence=_LAYOUT_CONFIDENCE,
    )


# --- jobs -----------------------------------------------------------------------------------


@dataclass
class _Job:
    job_id: str
    bucket: str
    name: str
    version: str | None
    features: frozenset[str]
    topic_arn: str | None
    job_tag: str | None
    fingerprint: str
    status: str = IN_PROGRESS
    status_message: str | None = None
    pages: int = 0
    blocks: list[dict[str, Any]] = field(default_factory=list)
    returned: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)


def _s3_object(request: Mapping[str, Any]) -> tuple[str, str, str | None]:
    location = request.get("DocumentLocation")
    s3_object = location.get("S3Object") if isinstance(location, Mapping) else None
    if not isinstance(s3_object, Mapping):
        raise _invalid("DocumentLocation.S3Object is required")
    bucket, name, version = s3_object.get("Bucket"), s3_object.get("Name"), s3_object.get("Version")
    if not isinstance(bucket, str) or not bucket or not isinstance(name, str) or not name:
        raise _invalid("DocumentLocation.S3Object needs Bucket and Name")
    if version is not None and not isinstance(version, str):
        raise _invalid("DocumentLocation.S3Object.Version must be a string")
    return bucket, name, version or None


def _features(request: Mapping[str, Any]) -> frozenset[str]:
    features = request.get("FeatureTypes")
    if not isinstance(features, list) or not features:
        raise _invalid(
            "FeatureTypes is required: one or more of " + ", ".join(sorted(FEATURE_TYPES))
        )
    unknown = [f for f in features if f not in FEATURE_TYPES]
    if unknown:
        raise _invalid(f"FeatureTypes {unknown} are not among {', '.join(sorted(FEATURE_TYPES))}")
    if "QUERIES" in features and not request.get("QueriesConfig"):
        raise _invalid("QueriesConfig is required with the QUERIES feature")
    return frozenset(str(f) for f in features)


def _topic(request: Mapping[str, Any]) -> str | None:
    channel = request.get("NotificationChannel")
    if channel is None:
        return None
    if not isinstance(channel, Mapping):
        raise _invalid("NotificationChannel must be an object")
    topic, role = channel.get("SNSTopicArn"), channel.get("RoleArn")
    if not isinstance(topic, str) or not _TOPIC_ARN.fullmatch(topic):
        raise _invalid(f"NotificationChannel.SNSTopicArn {topic!r} is not an SNS topic ARN")
    if not isinstance(role, str) or not role:
        raise _invalid("NotificationChannel.RoleArn is required")
    return topic


def _optional(request: Mapping[str, Any], name: str, pattern: re.Pattern[str]) -> str | None:
    value = request.get(name)
    if value is None:
        return None
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _invalid(f"{name} {value!r} must match {pattern.pattern}")
    return value


def _encode_token(job_id: str, offset: int) -> str:
    return base64.urlsafe_b64encode(f"{job_id}:{offset}".encode()).decode()


def _decode_token(token: Any, job_id: str) -> int:
    try:
        owner, _, offset = base64.urlsafe_b64decode(str(token).encode()).decode().rpartition(":")
        if owner != job_id:
            raise ValueError(owner)
        return int(offset)
    except (ValueError, binascii.Error, UnicodeDecodeError) as error:
        raise _invalid("NextToken is not a token of this job") from error


class TextractEmulation:
    """Textract's asynchronous document analysis over an S3 and an SNS client."""

    def __init__(
        self,
        s3_client: S3Client,
        sns_client: SNSClient,
        *,
        completion_delay: float = 0.5,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._s3 = s3_client
        self._sns = sns_client
        self._delay = completion_delay
        self._clock = clock
        self._jobs: dict[str, _Job] = {}
        self._tokens: dict[str, str] = {}  # ClientRequestToken -> JobId
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start_document_analysis(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """``{"JobId"}``; raises TextractError for a request Textract refuses."""
        bucket, name, version = _s3_object(request)
        features = _features(request)
        topic = _topic(request)
        job_tag = _optional(request, "JobTag", _JOB_TAG)
        token = _optional(request, "ClientRequestToken", _TOKEN)
        fingerprint = json.dumps(
            {k: v for k, v in request.items() if k != "ClientRequestToken"},
            sort_keys=True,
            default=str,
        )
        with self._lock:
            if token is not None and token in self._tokens:
                job = self._jobs[self._tokens[token]]
                if job.fingerprint != fingerprint:
                    raise TextractError(
                        "IdempotentParameterMismatchException",
                        "The ClientRequestToken you provided is already in use with other "
                        "parameters.",
                    )
                return {"JobId": job.job_id}
        self._check_object(bucket, name, version)
        job = _Job(
            job_id=uuid.uuid4().hex + uuid.uuid4().hex[:32],
            bucket=bucket,
            name=name,
            version=version,
            features=features,
            topic_arn=topic,
            job_tag=job_tag,
            fingerprint=fingerprint,
        )
        with self._lock:
            if token is not None and token in self._tokens:  # a concurrent twin won
                return {"JobId": self._tokens[token]}
            self._jobs[job.job_id] = job
            if token is not None:
                self._tokens[token] = job.job_id
            thread = threading.Thread(
                target=self._run, args=(job, time.monotonic()), name=f"textract-{job.job_id[:8]}"
            )
            thread.daemon = True
            self._threads.append(thread)
        thread.start()
        job.returned.set()
        return {"JobId": job.job_id}

    def _check_object(self, bucket: str, name: str, version: str | None) -> None:
        try:
            if version:
                self._s3.head_object(Bucket=bucket, Key=name, VersionId=version)
            else:
                self._s3.head_object(Bucket=bucket, Key=name)
        except (ClientError, BotoCoreError) as error:
            raise TextractError(
                "InvalidS3ObjectException",
                "Unable to get object metadata from S3. Check object key, region and/or "
                "access permissions.",
            ) from error

    def _run(self, job: _Job, started: float) -> None:
        status, message, pages = FAILED, None, 0
        blocks: list[dict[str, Any]] = []
        try:
            if job.version:
                answer = self._s3.get_object(Bucket=job.bucket, Key=job.name, VersionId=job.version)
            else:
                answer = self._s3.get_object(Bucket=job.bucket, Key=job.name)
            raw = answer["Body"].read()
            pages, blocks = analyze_pdf(raw, job.features, seed=job.job_id)
            status = SUCCEEDED
        except DocumentUnreadable as error:
            message = str(error)
        except (ClientError, BotoCoreError) as error:
            message = f"Unable to get object from S3: {error}"
        except Exception as error:
            log.exception("Textract emulation: job %s failed", job.job_id)
            message = f"Internal error: {type(error).__name__}: {error}"
        job.returned.wait(timeout=30)
        pause = started + self._delay - time.monotonic()
        if pause > 0:
            time.sleep(pause)
        with self._lock:
            job.status, job.status_message, job.pages, job.blocks = status, message, pages, blocks
        self._publish(job)
        job.done.set()

    def _publish(self, job: _Job) -> None:
        if job.topic_arn is None:
            return
        message: dict[str, Any] = {"JobId": job.job_id, "Status": job.status, "API": API}
        if job.job_tag is not None:
            message["JobTag"] = job.job_tag
        message["Timestamp"] = int(self._clock() * 1000)
        message["DocumentLocation"] = {"S3ObjectName": job.name, "S3Bucket": job.bucket}
        try:
            self._sns.publish(TopicArn=job.topic_arn, Message=json.dumps(message))
        except (ClientError, BotoCoreError):
            log.exception("Textract emulation: could not publish job %s's end", job.job_id)

    def get_document_analysis(self, request: Mapping[str, Any]) -> dict[str, Any]:
        """One page of a job's answer; raises TextractError (``InvalidJobIdException``, ...)."""
        job_id = request.get("JobId")
        if not isinstance(job_id, str) or not _JOB_ID.fullmatch(job_id):
            raise _invalid(f"JobId {job_id!r} must match {_JOB_ID.pattern}")
        max_results = request.get("MaxResults", MAX_RESULTS)
        if not isinstance(max_results, int) or isinstance(max_results, bool) or max_results < 1:
            raise _invalid(f"MaxResults {max_results!r} must be a number of 1 or more")
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                raise TextractError("InvalidJobIdException", "Request has invalid Job Id")
            answer: dict[str, Any] = {"JobStatus": job.status}
            if job.status == FAILED:
                answer["StatusMessage"] = job.status_message or "The analysis failed"
            if job.status == SUCCEEDED:
                offset = (
                    _decode_token(request["NextToken"], job_id) if request.get("NextToken") else 0
                )
                end = offset + min(max_results, MAX_RESULTS)
                answer = {
                    "DocumentMetadata": {"Pages": job.pages},
                    "JobStatus": job.status,
                    "Blocks": job.blocks[offset:end],
                }
                if end < len(job.blocks):
                    answer["NextToken"] = _encode_token(job_id, end)
            answer["AnalyzeDocumentModelVersion"] = MODEL_VERSION
        return answer

    def handle(self, target: str, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        """The HTTP status and JSON answer of a JSON 1.1 request with ``X-Amz-Target``
        ``target`` (``Textract.StartDocumentAnalysis``, ``Textract.GetDocumentAnalysis``)."""
        operation = target.rpartition(".")[2]
        try:
            if not isinstance(body, Mapping):
                raise TextractError("SerializationException", "the request body must be an object")
            if operation == "StartDocumentAnalysis":
                return 200, self.start_document_analysis(body)
            if operation == "GetDocumentAnalysis":
                return 200, self.get_document_analysis(body)
            raise TextractError(
                "UnknownOperationException",
                f"{target or '(no X-Amz-Target)'} is not an operation the Textract emulation "
                "serves",
            )
        except TextractError as error:
            return error.status, error.body()
        except Exception as error:
            log.exception("Textract emulation: %s failed", target)
            return 500, {"__type": "InternalServerError", "message": str(error)}

    def wait_for_jobs(self, timeout: float = 60.0) -> None:
        """Block until every job started so far has ended (tests and shutdown)."""
        deadline = time.monotonic() + timeout
        with self._lock:
            threads = list(self._threads)
        for thread in threads:
            thread.join(max(deadline - time.monotonic(), 0))
            if thread.is_alive():
                raise TimeoutError(f"Textract jobs still running after {timeout} s")
        with self._lock:
            self._threads = [t for t in self._threads if t.is_alive()]
