"""Amazon Textract document analysis into blocks.

``data/textract_qatar_earning.json`` is a GetDocumentAnalysis answer in two response pages
(the first with a NextToken) for a two-page PDF: a title, a paragraph over two lines, a
table with a TABLE_TITLE, a column-header row and a MERGED_CELL spanning two rows, a note,
then a section heading, a paragraph, two bullet lines, and a page number on each page.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.model import Block
from loyalty_maximizer.documents.textract import read_textract

FIXTURE = Path(__file__).parent / "data" / "textract_qatar_earning.json"


@pytest.fixture
def responses() -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return loaded


def textract_line(block_id: str, text: str, top: float, height: float = 0.015) -> dict[str, Any]:
    """A LINE (without WORD children: nothing here reads words outside tables)."""
    box = {"Width": 0.5, "Height": height, "Left": 0.1, "Top": top}
    return {
        "BlockType": "LINE",
        "Id": block_id,
        "Text": text,
        "Page": 1,
        "Geometry": {"BoundingBox": box},
    }


def layout(kind: str, block_id: str, *children: str) -> dict[str, Any]:
    box = {"Width": 0.5, "Height": 0.02, "Left": 0.1, "Top": 0.0}
    return {
        "BlockType": kind,
        "Id": block_id,
        "Page": 1,
        "Geometry": {"BoundingBox": box},
        "Relationships": [{"Type": "CHILD", "Ids": list(children)}],
    }


def test_read_textract__fixture_gives_the_documents_blocks(
    responses: list[dict[str, Any]],
) -> None:
    # GIVEN the two-response answer for the two-page PDF
    # WHEN it is read
    blocks = read_textract(responses)
    # THEN the blocks are those of the document, in page order, each with its page
    assert blocks == [
        Block(kind="heading", text="Earning miles on Qatar Airways", level=1, page=1),
        Block(
            kind="paragraph",
            text="AAdvantage members earn award miles and Loyalty Points on eligible flights "
            "marketed and operated by Qatar Airways.",
            page=1,
        ),
        Block(
            kind="table",
            text="Award miles by booking class",
            rows=[
                ["Cabin", "Booking class", "Award miles (% of distance)"],
                ["Business", "J, C, D", "150%"],
                ["Business", "I, R", "125%"],
                ["Economy", "Y, B, H, K, M", "100%"],
            ],
            page=1,
        ),
        Block(
            kind="paragraph",
            text="A minimum of 500 award miles is earned per flight segment.",
            page=1,
        ),
        Block(kind="heading", text="Loyalty Points", level=2, page=2),
        Block(
            kind="paragraph",
            text="Loyalty Points equal the award miles earned on each eligible Qatar Airways "
            "flight.",
            page=2,
        ),
        Block(
            kind="list_item",
            text="Status bonus miles do not count toward Loyalty Points.",
            page=2,
        ),
        Block(
            kind="list_item",
            text="Award tickets earn neither award miles nor Loyalty Points.",
            page=2,
        ),
    ]


def test_read_textract__order_of_responses_and_blocks_does_not_matter(
    responses: list[dict[str, Any]],
) -> None:
    # GIVEN the same answer with its responses and each response's blocks reversed
    shuffled = copy.deepcopy(responses)[::-1]
    for response in shuffled:
        response["Blocks"].reverse()
    # WHEN both are read  THEN the blocks are the same
    assert read_textract(shuffled) == read_textract(responses)


def test_read_textract__without_the_merged_cell_the_spanned_position_is_empty(
    responses: list[dict[str, Any]],
) -> None:
    # GIVEN the answer as an older Textract gave it, without MERGED_CELL blocks
    for response in responses:
        response["Blocks"] = [b for b in response["Blocks"] if b["BlockType"] != "MERGED_CELL"]
    # WHEN read  THEN the second Business row has no cabin (the merge is what repeats it)
    [table] = [b for b in read_textract(responses) if b.kind == "table"]
    assert table.rows[2] == ["", "I, R", "125%"]


def test_read_textract__layout_blocks_decide_headings_paragraphs_and_furniture() -> None:
    # GIVEN lines of one height that LAYOUT_* blocks mark as title, header, text and footer
    blocks = [
        textract_line("l1", "Partner terms", 0.05),
        textract_line("l2", "Earning", 0.10),
        textract_line("l3", "Miles post", 0.13),
        textract_line("l4", "within three days.", 0.15),
        textract_line("l5", "Bonuses post later.", 0.17),
        textract_line("l6", "Confidential - page 1", 0.95),
        layout("LAYOUT_TITLE", "t", "l1"),
        layout("LAYOUT_SECTION_HEADER", "s", "l2"),
        layout("LAYOUT_TEXT", "p1", "l3", "l4"),
        layout("LAYOUT_TEXT", "p2", "l5"),
        layout("LAYOUT_FOOTER", "f", "l6"),
    ]
    # WHEN read
    read = read_textract([{"JobStatus": "SUCCEEDED", "Blocks": blocks}])
    # THEN the layout verdicts hold and the footer is gone
    assert read == [
        Block(kind="heading", text="Partner terms", level=1, page=1),
        Block(kind="heading", text="Earning", level=2, page=1),
        Block(kind="paragraph", text="Miles post within three days.", page=1),
        Block(kind="paragraph", text="Bonuses post later.", page=1),
    ]


def test_read_textract__without_layout_a_taller_line_is_a_heading() -> None:
    # GIVEN a line twice the height of the body lines, and no layout analysis
    blocks = [
        textract_line("l1", "Elite status", 0.05, height=0.03),
        textract_line("l2", "Status is earned with Loyalty Points.", 0.10),
        textract_line("l3", "Qualification runs March to February.", 0.12),
    ]
    # WHEN read  THEN it heads the paragraph
    read = read_textract([{"Blocks": blocks}])
    assert [(b.kind, b.text) for b in read] == [
        ("heading", "Elite status"),
        (
            "paragraph",
            "Status is earned with Loyalty Points. Qualification runs March to February.",
        ),
    ]


@pytest.mark.parametrize("status", ["FAILED", "IN_PROGRESS"])
def test_read_textract__unfinished_job_is_rejected(status: str) -> None:
    # GIVEN an answer whose job did not succeed
    response = {"JobStatus": status, "StatusMessage": "Unsupported document format"}
    # WHEN read  THEN rejected, naming the status and Textract's message
    with pytest.raises(DocumentRejected) as rejected:
        read_textract([response])
    assert rejected.value.reason.startswith(f"Textract analysis {status.lower()}")
    assert "Unsupported document format" in rejected.value.reason


def test_read_textract__malformed_answer_names_the_bad_field() -> None:
    # GIVEN a block without its Id
    response = {"Blocks": [{"BlockType": "LINE", "Text": "x"}]}
    # WHEN read  THEN rejected, pointing at the block and field
    with pytest.raises(
        DocumentRejected, match=r"malformed Textract output: response 1, Blocks\.0\.Id"
    ):
        read_textract([response])


def test_read_textract__answer_without_text_gives_no_blocks() -> None:
    # GIVEN a page with no lines  WHEN read  THEN no blocks
    page = {"BlockType": "PAGE", "Id": "p", "Page": 1}
    assert read_textract([{"JobStatus": "SUCCEEDED", "Blocks": [page]}]) == []
