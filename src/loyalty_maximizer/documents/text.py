"""Plain text into blocks, and the text rules every reader shares.

Saved ``.txt`` and ``.md`` pages have no markup, so structure comes from conventions:
blank lines end paragraphs; ``-``, ``*``, ``•`` or ``1.`` start list items; ``# x``, a line
underlined with ``===`` or ``---`` and a short ALL-CAPS line are headings; ``| a | b |`` lines
and columns aligned with tabs or runs of spaces are tables. The HTML, PDF and Textract
readers use ``clean_text``, ``list_item_text``, ``paragraph_texts``, ``rectangular`` and
``promote_table_captions`` from here, so every source normalises text, joins lines and names
table headings the same way.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from loyalty_maximizer.documents.model import Block

# Invisible characters that survive NFKC and would split or glue words in extracted facts.
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_BULLET = re.compile(r"(?:[-*•·▪‣◦●○■□–—]|\d{1,2}[.)]|[a-z][.)])\s+(?P<text>\S.*)")
_ATX_HEADING = re.compile(r"(?P<marks>#{1,6})\s+(?P<text>.*?)(?:\s+#+)?")
_SETEXT_RULE = re.compile(r"(?P<mark>=|-)(?P=mark){2,}")
_HORIZONTAL_RULE = re.compile(r"([-*_=])(?:\s*\1){2,}")
_PIPE_SEPARATOR = re.compile(r"\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?")
_PIPE = re.compile(r"(?<!\\)\|")
# A cell of an aligned table: words joined by single spaces; two spaces, a tab or a dot
# leader ("Premier Gold ...... 8 miles") end it.
_ALIGNED_CELL = re.compile(r"\S+(?: \S+)*")
_DOT_LEADER = re.compile(r" ?\.{3,} ?")
_CAPTION_MAX_CHARS = 80
_CAPTION_MAX_WORDS = 12
# How far (in characters) the starts or ends of one column may wander and still be a column.
_COLUMN_SLACK = 2


def clean_text(value: str) -> str:
    """NFKC (ligatures, no-break and full-width spaces become plain), invisible characters
    dropped, whitespace runs collapsed to one space."""
    return " ".join(unicodedata.normalize("NFKC", value).translate(_INVISIBLE).split())


def list_item_text(line: str) -> str | None:
    """The text of a bulleted or numbered line without its marker, or None if it is not one."""
    match = _BULLET.fullmatch(line.strip())
    return match.group("text") if match else None


def is_caps_heading(line: str) -> bool:
    """A short line in capitals, such as ``EARNING AWARD MILES``: a heading by typewriter
    convention. Lines mostly of digits (``JFK LHR 57,500``) and sentences are not."""
    text = line.strip()
    letters = sum(c.isalpha() for c in text)
    digits = sum(c.isdigit() for c in text)
    return (
        letters >= 3
        and digits * 2 <= letters
        and len(text) <= _CAPTION_MAX_CHARS
        and len(text.split()) <= 10
        and text == text.upper()
        and text[-1] not in ".,;!?"
    )


def promote_table_captions(blocks: Sequence[Block]) -> list[Block]:
    """A short paragraph right before a table (``Award chart``, ``Earning rates:``) names the
    table, so it becomes a heading one level below the section it sits in: chunking then keeps
    it with the table and extractors read it as the table's subject."""
    promoted: list[Block] = []
    section_level = 0
    for index, block in enumerate(blocks):
        if block.kind == "heading" and block.level is not None:
            section_level = block.level
        next_is_table = index + 1 < len(blocks) and blocks[index + 1].kind == "table"
        if block.kind == "paragraph" and next_is_table and _is_caption(block.text):
            level = min(section_level + 1, 6)
            text = block.text.rstrip(":").rstrip()
            promoted.append(Block(kind="heading", text=text, level=level, page=block.page))
        else:
            promoted.append(block)
    return promoted


def paragraph_texts(lines: Sequence[str]) -> list[str]:
    """The paragraphs a run of consecutive lines holds. Wrapped prose continues mostly in
    lower case, so it is one paragraph (a word hyphenated at a line end rejoined, hyphen
    kept: "co-" + "branded"). When three or more lines each start afresh (``BA JFK-LHR
    ...``, ``AA JFK-LHR ...``), each line is a record of its own and stays one."""
    cleaned = [text for text in (clean_text(line) for line in lines) if text]
    if len(cleaned) >= 3 and not any(text[0].islower() for text in cleaned[1:]):
        return cleaned
    joined = ""
    for text in cleaned:
        joiner = "" if joined.endswith("-") and text[0].islower() else " "
        joined = f"{joined}{joiner}{text}" if joined else text
    return [joined] if joined else []


def rectangular(rows: list[list[str]]) -> list[list[str]]:
    """Rows padded with empty cells to the widest row, so columns line up for extractors."""
    width = max((len(row) for row in rows), default=0)
    return [row + [""] * (width - len(row)) for row in rows]


def text_blocks(text: str) -> list[Block]:
    """Blocks of a plain-text (or Markdown-ish) document, in reading order."""
    normalised = unicodedata.normalize("NFKC", text).translate(_INVISIBLE)
    lines = [line.rstrip() for line in re.split(r"\r\n|\r|\n|\f|\v", normalised)]
    blocks: list[Block] = []
    run: list[str] = []
    for line in [*lines, ""]:
        if line.strip():
            run.append(line)
        elif run:
            blocks.extend(_run_blocks(run))
            run = []
    return promote_table_captions(blocks)


def _run_blocks(lines: list[str]) -> list[Block]:
    """Blocks of one run of lines between blank lines."""
    blocks: list[Block] = []
    paragraph: list[str] = []
    item: list[str] = []
    # Lines already found not to start an aligned table; checking them again costs quadratic
    # time on long runs of two-space prose.
    no_table_before = 0

    def flush() -> None:
        if paragraph:
            blocks.extend(Block(kind="paragraph", text=t) for t in paragraph_texts(paragraph))
            paragraph.clear()
        if item:
            blocks.append(Block(kind="list_item", text=clean_text(" ".join(item))))
            item.clear()

    i = 0
    while i < len(lines):
        stripped = lines[i].strip()
        following = lines[i + 1].strip() if i + 1 < len(lines) else ""
        underline = _SETEXT_RULE.fullmatch(following)
        atx = _ATX_HEADING.fullmatch(stripped)
        is_rule = bool(_HORIZONTAL_RULE.fullmatch(stripped))
        if underline and not is_rule and not _starts_pipe_table(lines, i):
            flush()
            level = 1 if underline.group("mark") == "=" else 2
            blocks.append(Block(kind="heading", text=clean_text(stripped), level=level))
            i += 2
            continue
        if atx:
            flush()
            heading = clean_text(atx.group("text"))
            if heading:
                blocks.append(Block(kind="heading", text=heading, level=len(atx.group("marks"))))
            i += 1
            continue
        pipe_rows, used = _pipe_table(lines, i)
        if used:
            flush()
            if pipe_rows:
                blocks.append(Block(kind="table", rows=pipe_rows))
            i += used
            continue
        if is_rule:
            flush()
            i += 1
            continue
        bullet = list_item_text(stripped)
        if bullet is not None:
            flush()
            item.append(bullet)
            i += 1
            continue
        if i >= no_table_before:
            aligned_rows, used, checked = _aligned_table(lines, i)
            if used:
                flush()
                blocks.append(Block(kind="table", rows=aligned_rows))
                i += used
                continue
            no_table_before = i + checked
        if is_caps_heading(stripped):
            flush()
            blocks.append(Block(kind="heading", text=clean_text(stripped), level=2))
        elif item:
            # A wrapped list item: the line continues it until a blank line or a new marker.
            item.append(stripped)
        else:
            paragraph.append(stripped)
        i += 1
    flush()
    return blocks


def _is_caption(text: str) -> bool:
    return (
        0 < len(text) <= _CAPTION_MAX_CHARS
        and len(text.split()) <= _CAPTION_MAX_WORDS
        and text[-1] not in ".!?;,"
        # "Status: Gold" is a statement; only a closing colon introduces what follows.
        and ":" not in text.rstrip(":")
        and any(c.isalpha() for c in text)
    )


def _is_pipe_row(line: str) -> bool:
    return line.strip().startswith("|")


def _starts_pipe_table(lines: list[str], start: int) -> bool:
    return (
        "|" in lines[start]
        and start + 1 < len(lines)
        and bool(_PIPE_SEPARATOR.fullmatch(lines[start + 1].strip()))
    )


def _pipe_table(lines: list[str], start: int) -> tuple[list[list[str]], int]:
    """Rows of a pipe table starting at ``start`` and how many lines it used (0: none).

    Rows either all start with ``|``, or the header is followed by a ``---|---`` line (then a
    leading pipe is optional, as in GitHub Markdown)."""
    if _starts_pipe_table(lines, start):
        end = start + 2
        while end < len(lines) and "|" in lines[end]:
            end += 1
    elif _is_pipe_row(lines[start]):
        end = start
        while end < len(lines) and _is_pipe_row(lines[end]):
            end += 1
        if end - start < 2:
            return [], 0
    else:
        return [], 0
    rows = [
        _pipe_cells(line)
        for line in lines[start:end]
        if not _PIPE_SEPARATOR.fullmatch(line.strip())
    ]
    return rectangular([row for row in rows if any(row)]), end - start


def _pipe_cells(line: str) -> list[str]:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return [clean_text(cell.replace("\\|", "|")) for cell in _PIPE.split(inner)]


def _aligned_table(lines: list[str], start: int) -> tuple[list[list[str]], int, int]:
    """Rows of a table whose columns are separated by tabs or two or more spaces, starting at
    ``start``; how many lines it used (0: none); and how many lines were examined, so a failed
    candidate is not examined again from each of its lines.

    Every line must have the same number of cells (two or more) and, unless tabs separate
    them, each column must start or end at the same position on every line: prose with two
    spaces after a full stop rarely lines up like that."""
    first = _cell_spans(lines[start])
    if len(first) < 2:
        return [], 0, 1
    spans = [first]
    while start + len(spans) < len(lines):
        following = _cell_spans(lines[start + len(spans)])
        if len(following) != len(first):
            break
        spans.append(following)
    count = len(spans)
    candidate = [_as_gaps(line) for line in lines[start : start + count]]
    tabbed = all("\t" in line for line in lines[start : start + count])
    rows = [
        [clean_text(line[a:b]) for a, b in row] for line, row in zip(candidate, spans, strict=True)
    ]
    if count < 2 or not (tabbed or _columns_line_up(spans, rows)):
        return [], 0, count
    return rows, count, count


def _as_gaps(line: str) -> str:
    """The line with its separators as runs of spaces: a tab always separates cells, so it
    counts as a two-space gap; a dot leader keeps its width, so columns stay where they are."""
    line = line.replace("\t", "  ")
    return _DOT_LEADER.sub(lambda leader: " " * max(len(leader.group()), 2), line)


def _cell_spans(line: str) -> list[tuple[int, int]]:
    return [match.span() for match in _ALIGNED_CELL.finditer(_as_gaps(line))]


def _columns_line_up(spans: list[list[tuple[int, int]]], rows: list[list[str]]) -> bool:
    """Each column after the first starts at one position on every line, or is a column of
    numbers ending at one position (right-aligned). Wrapped prose ends near the same column
    too, so right alignment only counts for numbers (the header row may be words)."""
    for column in range(1, len(spans[0])):
        starts = [row[column][0] for row in spans]
        ends = [row[column][1] for row in spans]
        numeric = all(any(c.isdigit() for c in row[column]) for row in rows[1:])
        left_aligned = max(starts) - min(starts) <= _COLUMN_SLACK
        right_aligned = numeric and max(ends) - min(ends) <= _COLUMN_SLACK
        if not (left_aligned or right_aligned):
            return False
    return True
