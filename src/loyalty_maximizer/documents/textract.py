"""Amazon Textract document analysis (GetDocumentAnalysis pages) into blocks.

On AWS, PDFs are read by Textract rather than pdfplumber. Its answer is a flat list of
blocks linked by id: PAGE, LINE and WORD for text; TABLE, CELL, MERGED_CELL and TABLE_TITLE
for tables; LAYOUT_* when layout analysis was asked for. Tables are rebuilt from their cells;
the lines outside tables go through the same page-layout rules as a locally read PDF
(``pdf.page_blocks``), with Textract's layout verdicts (title, section header, paragraph,
page header and footer) used when present.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_pascal

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.model import Block
from loyalty_maximizer.documents.pdf import PageLine, PageTable, page_blocks
from loyalty_maximizer.documents.text import clean_text

_HEADING_ROLES: dict[str, Literal["title", "section_header"]] = {
    "LAYOUT_TITLE": "title",
    "LAYOUT_SECTION_HEADER": "section_header",
}
# Running heads, footers and page numbers repeat on every page and say nothing.
_FURNITURE_LAYOUTS = {"LAYOUT_HEADER", "LAYOUT_FOOTER", "LAYOUT_PAGE_NUMBER"}
_FINISHED = {"SUCCEEDED", "PARTIAL_SUCCESS"}


class _Textract(BaseModel):
    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True, extra="ignore")


class _BoundingBox(_Textract):
    top: float
    height: float


class _Geometry(_Textract):
    bounding_box: _BoundingBox


class _Relationship(_Textract):
    type: str
    ids: list[str] = []


class _Block(_Textract):
    block_type: str
    id: str
    text: str = ""
    page: int = 1  # absent in single-page (synchronous) answers
    row_index: int = 1
    column_index: int = 1
    row_span: int = 1
    column_span: int = 1
    geometry: _Geometry | None = None
    relationships: list[_Relationship] = []

    def related(self, kind: str) -> list[str]:
        return [
            i
            for relationship in self.relationships
            if relationship.type == kind
            for i in relationship.ids
        ]

    @property
    def top(self) -> float:
        return self.geometry.bounding_box.top if self.geometry else 0.0

    @property
    def height(self) -> float:
        return self.geometry.bounding_box.height if self.geometry else 0.0


class _Response(_Textract):
    blocks: list[_Block] = []
    job_status: str | None = None
    status_message: str | None = None


def read_textract(responses: Sequence[Mapping[str, Any]]) -> list[Block]:
    """Blocks of a document from all pages of its GetDocumentAnalysis (or AnalyzeDocument)
    responses, in the order they were fetched.

    Raises DocumentRejected when the job did not succeed or the answer is not Textract's."""
    parsed = _parse(responses)
    by_id = {block.id: block for response in parsed for block in response.blocks}
    tables, in_tables = _tables(by_id)
    lines = _lines(by_id, in_tables)
    return page_blocks(lines, tables)


def _parse(responses: Sequence[Mapping[str, Any]]) -> list[_Response]:
    parsed: list[_Response] = []
    for number, response in enumerate(responses, start=1):
        try:
            parsed.append(_Response.model_validate(response))
        except ValidationError as error:
            issue = error.errors()[0]
            where = ".".join(str(part) for part in issue["loc"])
            raise DocumentRejected(
                f"malformed Textract output: response {number}, {where}: {issue['msg']}"
            ) from error
    for page in parsed:
        if page.job_status is not None and page.job_status not in _FINISHED:
            message = f": {page.status_message}" if page.status_message else ""
            raise DocumentRejected(
                f"Textract analysis {page.job_status.lower()}{message}; "
                "check the PDF opens without a password and upload it again"
            )
    return parsed


def _text(block: _Block, by_id: Mapping[str, _Block]) -> str:
    words = [by_id[i].text for i in block.related("CHILD") if i in by_id]
    return clean_text(" ".join(w for w in words if w))


def _tables(by_id: Mapping[str, _Block]) -> tuple[list[PageTable], set[str]]:
    """The tables, and the ids of the words they hold (so those lines are not read twice)."""
    tables: list[PageTable] = []
    words: set[str] = set()
    for table in (b for b in by_id.values() if b.block_type == "TABLE"):
        cells = [by_id[i] for i in table.related("CHILD") if i in by_id]
        cells = [cell for cell in cells if cell.block_type == "CELL"]
        if not cells:
            continue
        row_count = max(cell.row_index + cell.row_span - 1 for cell in cells)
        column_count = max(cell.column_index + cell.column_span - 1 for cell in cells)
        grid = [[""] * column_count for _ in range(row_count)]
        for cell in cells:
            _fill(grid, cell, _text(cell, by_id))
            words.update(cell.related("CHILD"))
        # A merged cell's words sit in whichever underlying cell they fell on; the merged
        # text belongs in every position it covers.
        for merged in (by_id[i] for i in table.related("MERGED_CELL") if i in by_id):
            parts = [by_id[i] for i in merged.related("CHILD") if i in by_id]
            parts.sort(key=lambda cell: (cell.row_index, cell.column_index))
            _fill(grid, merged, " ".join(t for t in (_text(p, by_id) for p in parts) if t))
        titles = [by_id[i] for i in table.related("TABLE_TITLE") if i in by_id]
        for title in titles:
            words.update(title.related("CHILD"))
        rows = [row for row in grid if any(row)]
        if rows:
            caption = " ".join(_text(title, by_id) for title in titles)
            tables.append(PageTable(page=table.page, top=table.top, rows=rows, caption=caption))
    return tables, words


def _fill(grid: list[list[str]], cell: _Block, text: str) -> None:
    for row in range(cell.row_index - 1, cell.row_index - 1 + cell.row_span):
        for column in range(cell.column_index - 1, cell.column_index - 1 + cell.column_span):
            if 0 <= row < len(grid) and 0 <= column < len(grid[row]):
                grid[row][column] = text


def _lines(by_id: Mapping[str, _Block], in_tables: set[str]) -> list[PageLine]:
    roles: dict[str, Literal["title", "section_header"]] = {}
    groups: dict[str, str] = {}
    furniture: set[str] = set()
    for layout in (b for b in by_id.values() if b.block_type.startswith("LAYOUT_")):
        for child in layout.related("CHILD"):
            if layout.block_type in _HEADING_ROLES:
                roles[child] = _HEADING_ROLES[layout.block_type]
            elif layout.block_type in _FURNITURE_LAYOUTS:
                furniture.add(child)
            else:
                groups[child] = layout.id
    lines: list[PageLine] = []
    for line in (b for b in by_id.values() if b.block_type == "LINE"):
        if line.id in furniture or not in_tables.isdisjoint(line.related("CHILD")):
            continue
        lines.append(
            PageLine(
                page=line.page,
                top=line.top,
                bottom=line.top + line.height,
                text=line.text,
                size=line.height,
                role=roles.get(line.id),
                group=groups.get(line.id),
            )
        )
    return lines
