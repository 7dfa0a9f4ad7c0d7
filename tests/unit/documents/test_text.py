"""Plain text into blocks, and the text rules every reader shares."""

from __future__ import annotations

import pytest

from loyalty_maximizer.documents.model import Block
from loyalty_maximizer.documents.text import (
    clean_text,
    is_caps_heading,
    list_item_text,
    promote_table_captions,
    text_blocks,
)


def kinds_and_texts(blocks: list[Block]) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in blocks]


# --- clean_text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  miles\n\tper   dollar ", "miles per dollar"),
        ("no\u00a0break and\u2003em space", "no break and em space"),
        ("\ufb01rst class", "first class"),  # ligature from a PDF
        ("\uff15\uff10\uff10 miles", "500 miles"),  # full-width digits
        ("zero\u200bwidth soft\u00adhyphen", "zerowidth softhyphen"),
    ],
)
def test_clean_text__nfkc_invisibles_and_whitespace(raw: str, clean: str) -> None:
    # GIVEN text with odd whitespace or compatibility characters  WHEN cleaned  THEN plain
    assert clean_text(raw) == clean


# --- rules shared with the other readers ----------------------------------------------------


@pytest.mark.parametrize(
    ("line", "item"),
    [
        ("- Earn 5 miles", "Earn 5 miles"),
        ("* Earn 5 miles", "Earn 5 miles"),
        ("• Earn 5 miles", "Earn 5 miles"),
        ("1. Book", "Book"),
        ("2) Pay", "Pay"),
        ("-5 miles", None),
        ("2019. A year", None),
        ("Plain sentence.", None),
    ],
)
def test_list_item_text__bullets_and_numbers(line: str, item: str | None) -> None:
    # GIVEN a line  WHEN checked  THEN a marker followed by a space makes it a list item
    assert list_item_text(line) == item


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("EARNING AWARD MILES", True),
        ("TERMS & CONDITIONS:", True),
        ("JFK LHR 57,500", False),  # mostly digits: a data line
        ("THIS OFFER IS VALID UNTIL JUNE.", False),  # a sentence
        ("Earning award miles", False),
        ("A" * 81, False),
    ],
)
def test_is_caps_heading__short_capital_lines_only(line: str, heading: bool) -> None:
    # GIVEN a line  WHEN checked  THEN only short capitalised non-sentences are headings
    assert is_caps_heading(line) is heading


def test_promote_table_captions__short_line_before_table_heads_it_one_level_down() -> None:
    # GIVEN a level-2 section whose short paragraph "Award chart:" precedes a table
    blocks = [
        Block(kind="heading", text="Redeeming", level=2),
        Block(kind="paragraph", text="Award chart:"),
        Block(kind="table", rows=[["Region", "Miles"]]),
    ]
    # WHEN captions are promoted  THEN it is a level-3 heading without its colon
    assert promote_table_captions(blocks)[1] == Block(kind="heading", text="Award chart", level=3)


@pytest.mark.parametrize(
    "text",
    ["See the chart below.", "Status: Gold", "A " * 41, "2024"],
)
def test_promote_table_captions__sentences_and_statements_stay_paragraphs(text: str) -> None:
    # GIVEN a paragraph before a table that is a sentence, a statement, long or no words
    blocks = [Block(kind="paragraph", text=text.strip()), Block(kind="table", rows=[["a"]])]
    # WHEN captions are promoted  THEN it is unchanged
    assert promote_table_captions(blocks)[0].kind == "paragraph"


# --- text_blocks --------------------------------------------------------------------------


def test_text_blocks__blank_lines_separate_paragraphs_and_wrapped_lines_join() -> None:
    # GIVEN two paragraphs, the first wrapped over two lines, with Windows line ends
    text = "Miles post within\r\nthree days.\r\n\r\n\r\nBonuses post later.\r\n"
    # WHEN read  THEN two paragraphs
    assert kinds_and_texts(text_blocks(text)) == [
        ("paragraph", "Miles post within three days."),
        ("paragraph", "Bonuses post later."),
    ]


def test_text_blocks__markdown_and_underlined_headings_have_levels() -> None:
    # GIVEN "#" headings and lines underlined with === and ---
    text = "# Program\n\n### Partners ###\n\nEarning\n=======\n\nStatus\n------\nText."
    # WHEN read  THEN each is a heading with its level
    assert [(b.text, b.level) for b in text_blocks(text) if b.kind == "heading"] == [
        ("Program", 1),
        ("Partners", 3),
        ("Earning", 1),
        ("Status", 2),
    ]


def test_text_blocks__caps_line_heads_the_paragraph_under_it() -> None:
    # GIVEN a capitalised line directly above a paragraph (no blank line)
    text = "EARNING MILES\nYou earn 5 miles per dollar."
    # WHEN read  THEN a level-2 heading then the paragraph
    assert text_blocks(text) == [
        Block(kind="heading", text="EARNING MILES", level=2),
        Block(kind="paragraph", text="You earn 5 miles per dollar."),
    ]


def test_text_blocks__bullets_are_list_items_and_wrapped_items_continue() -> None:
    # GIVEN a paragraph followed by bullets of three kinds, one wrapped
    text = "Rules:\n- Transfers are final\n  and cannot be undone.\n* Minimum 1,000\n• No fees"
    # WHEN read  THEN the paragraph, then three items
    assert kinds_and_texts(text_blocks(text)) == [
        ("paragraph", "Rules:"),
        ("list_item", "Transfers are final and cannot be undone."),
        ("list_item", "Minimum 1,000"),
        ("list_item", "No fees"),
    ]


def test_text_blocks__pipe_table_with_separator_row() -> None:
    # GIVEN a Markdown table with an escaped pipe in a cell and a short row
    text = "| Region | Miles |\n|:---|---:|\n| Europe | 30,000 |\n| A \\| B |\n"
    # WHEN read  THEN one table, separator dropped, rows padded to the width
    assert text_blocks(text) == [
        Block(kind="table", rows=[["Region", "Miles"], ["Europe", "30,000"], ["A | B", ""]])
    ]


def test_text_blocks__pipe_table_without_outer_pipes_needs_its_separator() -> None:
    # GIVEN a GitHub-style table without leading pipes
    text = "Region | Miles\n--- | ---\nAsia | 40,000"
    # WHEN read  THEN a table
    assert text_blocks(text) == [
        Block(kind="table", rows=[["Region", "Miles"], ["Asia", "40,000"]])
    ]


def test_text_blocks__space_aligned_columns_are_a_table() -> None:
    # GIVEN columns aligned with spaces, a right-aligned number column, under a short title
    text = (
        "Award chart\n"
        "Region        Economy   Business\n"
        "Europe         30,000     57,500\n"
        "South Asia     40,000     70,000\n"
    )
    # WHEN read  THEN the title heads a table of three rows
    assert text_blocks(text) == [
        Block(kind="heading", text="Award chart", level=1),
        Block(
            kind="table",
            rows=[
                ["Region", "Economy", "Business"],
                ["Europe", "30,000", "57,500"],
                ["South Asia", "40,000", "70,000"],
            ],
        ),
    ]


def test_text_blocks__tab_separated_columns_are_a_table() -> None:
    # GIVEN tab-separated rows that do not line up visually
    text = "Class\tMiles\nJ\t150%\nEconomy saver\t100%"
    # WHEN read  THEN a table
    assert text_blocks(text)[0].rows == [
        ["Class", "Miles"],
        ["J", "150%"],
        ["Economy saver", "100%"],
    ]


def test_text_blocks__dot_leaders_separate_columns() -> None:
    # GIVEN a list laid out with dot leaders
    text = "Premier Gold ........ 8 miles per dollar\nPremier 1K .......... 11 miles per dollar"
    # WHEN read  THEN a two-column table
    assert text_blocks(text)[0].rows == [
        ["Premier Gold", "8 miles per dollar"],
        ["Premier 1K", "11 miles per dollar"],
    ]


def test_text_blocks__lines_that_each_start_afresh_stay_separate_paragraphs() -> None:
    # GIVEN three route records, one per line, none continuing the one before
    text = "BA JFK-LHR economy, business\nAA JFK-LHR economy, first\nVS JFK-LHR business"
    # WHEN read  THEN three paragraphs, not one run-on
    assert [b.text for b in text_blocks(text)] == text.split("\n")


def test_text_blocks__double_spaced_prose_that_does_not_line_up_stays_a_paragraph() -> None:
    # GIVEN prose with two spaces after full stops, two parts per line, not aligned
    text = "Book early.  Seats are limited on\nall routes to Doha.  Fees apply."
    # WHEN read  THEN one paragraph
    assert kinds_and_texts(text_blocks(text)) == [
        ("paragraph", "Book early. Seats are limited on all routes to Doha. Fees apply.")
    ]


def test_text_blocks__horizontal_rules_and_blank_text_give_nothing() -> None:
    # GIVEN only rules and whitespace  WHEN read  THEN no blocks
    assert text_blocks("----\n\n***\n   \n\t\n") == []
