"""A prepared document in pieces small enough for one extraction call.

Blocks stay in document order. A chunk's ``headings`` is the h1..hN path in force at its
first content block (leading heading blocks included); heading blocks inside the chunk
continue that path, so a reader replaying them knows every block's section. A heading never
ends a chunk away from what it heads: headings travel with the next block, so a table always
has its heading. A table larger than a chunk is split by rows, each piece a chunk of its own
with the header row repeated; an overlong paragraph is split at sentence ends. A new section
starts a new chunk once the current one is half full, so chunks follow the document's
sections where that costs little.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from loyalty_maximizer.documents.model import Block, Chunk, PreparedDocument

DEFAULT_MAX_CHARS = 6000
_SENTENCE_END = re.compile(r"(?<=[.!?;:])\s+")


@dataclass(frozen=True)
class _Unit:
    """Blocks that must share a chunk: headings and the block they head."""

    blocks: list[Block]
    alone: bool = False  # a piece of a split table: a chunk to itself

    @property
    def size(self) -> int:
        return sum(_size(block) for block in self.blocks)

    @property
    def starts_section(self) -> bool:
        return self.blocks[0].kind == "heading"


def chunk(document: PreparedDocument, max_chars: int = DEFAULT_MAX_CHARS) -> list[Chunk]:
    """The document's blocks in chunks of at most ``max_chars`` characters of text (more
    only when one table row, or a piece plus the headings it must carry, does not fit)."""
    if max_chars < 1:
        raise ValueError(f"max_chars must be at least 1, got {max_chars}")
    chunks: list[Chunk] = []
    current: list[Block] = []
    current_size = 0
    current_alone = False
    path: list[tuple[int, str]] = []  # (level, text) of the headings in force
    start_path: list[str] = []

    def close() -> None:
        nonlocal current, current_size
        if current:
            chunks.append(
                Chunk(
                    document_id=document.document_id,
                    index=len(chunks),
                    headings=start_path,
                    blocks=current,
                )
            )
        current, current_size = [], 0

    for unit in _units(document.blocks, max_chars):
        full = current_size + unit.size > max_chars
        section_break = unit.starts_section and current_size * 2 >= max_chars
        if current and (full or section_break or unit.alone or current_alone):
            close()
        if not current:
            leading = itertools.takewhile(lambda b: b.kind == "heading", unit.blocks)
            start_path = [text for _, text in _enter(path, *leading)]
        current.extend(unit.blocks)
        current_size += unit.size
        current_alone = unit.alone
        path = _enter(path, *(b for b in unit.blocks if b.kind == "heading"))
    close()
    return chunks


def _enter(path: list[tuple[int, str]], *headings: Block) -> list[tuple[int, str]]:
    """The (level, text) path after ``headings``: each replaces its level and any deeper."""
    for heading in headings:
        level = heading.level or 1
        path = [*(entry for entry in path if entry[0] < level), (level, heading.text)]
    return path


def _units(blocks: list[Block], max_chars: int) -> list[_Unit]:
    units: list[_Unit] = []
    headings: list[Block] = []
    for block in blocks:
        if block.kind == "heading":
            headings.append(block)
            continue
        headings_size = sum(_size(h) for h in headings)
        if headings_size + _size(block) <= max_chars:
            units.append(_Unit([*headings, block]))
        else:
            # The first piece keeps the headings' room; later pieces have the whole chunk.
            first_budget = max(max_chars - headings_size, max_chars // 2)
            pieces = _split(block, first_budget, max_chars)
            alone = block.kind == "table"
            units.append(_Unit([*headings, pieces[0]], alone=alone))
            units.extend(_Unit([piece], alone=alone) for piece in pieces[1:])
        headings = []
    if headings:
        units.append(_Unit(headings))
    return units


def _split(block: Block, first_budget: int, budget: int) -> list[Block]:
    if block.kind == "table":
        return _split_table(block, first_budget, budget)
    texts = _split_text(block.text, first_budget, budget)
    return [block.model_copy(update={"text": text}) for text in texts]


def _split_table(table: Block, first_budget: int, budget: int) -> list[Block]:
    """Pieces of the table by rows, each starting with the header row (and the caption)."""
    header, body = table.rows[:1], table.rows[1:]
    fixed = _size(table.model_copy(update={"rows": header}))
    pieces: list[list[list[str]]] = []
    rows: list[list[str]] = []
    size = fixed
    for row in body:
        row_size = _row_size(row)
        limit = first_budget if not pieces else budget
        if rows and size + row_size > limit:
            pieces.append(rows)
            rows, size = [], fixed
        rows.append(row)
        size += row_size
    if rows or not pieces:
        pieces.append(rows)
    return [table.model_copy(update={"rows": header + piece}) for piece in pieces]


def _split_text(text: str, first_budget: int, budget: int) -> list[str]:
    """Pieces of at most the budget characters, cut after a sentence where one fits, else
    between words, else (one enormous word) anywhere."""
    pieces: list[str] = []
    current = ""
    for sentence in _SENTENCE_END.split(text):
        for part in _fit(sentence, budget):
            limit = first_budget if not pieces else budget
            joined = f"{current} {part}" if current else part
            if len(joined) <= limit:
                current = joined
            else:
                pieces.append(current)
                current = part
    if current:
        pieces.append(current)
    return [p for p in pieces if p]


def _fit(sentence: str, budget: int) -> list[str]:
    if len(sentence) <= budget:
        return [sentence]
    parts: list[str] = []
    current = ""
    for word in sentence.split():
        for cut in range(0, len(word), budget):
            piece = word[cut : cut + budget]
            joined = f"{current} {piece}" if current else piece
            if len(joined) <= budget:
                current = joined
            else:
                parts.append(current)
                current = piece
    if current:
        parts.append(current)
    return parts


def _size(block: Block) -> int:
    return len(block.text) + sum(_row_size(row) for row in block.rows)


def _row_size(row: list[str]) -> int:
    return sum(len(cell) + 1 for cell in row)
