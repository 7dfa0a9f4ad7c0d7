"""Chunking prepared documents for extraction."""

from __future__ import annotations

import pytest

from loyalty_maximizer.documents.chunking import chunk
from loyalty_maximizer.documents.model import Block, Chunk, PreparedDocument


def document(*blocks: Block) -> PreparedDocument:
    return PreparedDocument(
        document_id="doc-1", document_type="html", content_hash="0" * 64, blocks=list(blocks)
    )


def heading(text: str, level: int) -> Block:
    return Block(kind="heading", text=text, level=level)


def paragraph(text: str) -> Block:
    return Block(kind="paragraph", text=text)


def table(rows: int, cell: str = "x") -> Block:
    return Block(
        kind="table",
        text="Chart",
        rows=[["Region", "Miles"], *([f"{cell}{n}", str(n)] for n in range(rows))],
    )


def size(piece: Chunk) -> int:
    return sum(len(b.text) + sum(len(c) + 1 for r in b.rows for c in r) for b in piece.blocks)


def test_chunk__small_document_is_one_chunk_under_its_headings() -> None:
    # GIVEN a short document
    doc = document(heading("Program", 1), paragraph("Intro."), heading("Earning", 2), table(2))
    # WHEN chunked
    chunks = chunk(doc)
    # THEN one chunk holds every block, under the first heading
    assert chunks == [Chunk(document_id="doc-1", index=0, headings=["Program"], blocks=doc.blocks)]


def test_chunk__continuation_chunks_carry_the_heading_path() -> None:
    # GIVEN a section with more paragraphs than fit in one chunk
    doc = document(
        heading("Program", 1),
        heading("Earning", 2),
        *(paragraph(f"Paragraph {n} " + "x" * 40) for n in range(6)),
    )
    # WHEN chunked at 120 characters
    chunks = chunk(doc, max_chars=120)
    # THEN later chunks sit under Program / Earning, and indexes count up
    assert len(chunks) > 1
    assert all(c.headings == ["Program", "Earning"] for c in chunks)
    assert [c.index for c in chunks] == list(range(len(chunks)))


def test_chunk__a_sibling_heading_replaces_the_deeper_path() -> None:
    # GIVEN Program > Earning > Partners, then a new level-2 section, each section about
    # half a chunk
    long = "y" * 60
    doc = document(
        heading("Program", 1),
        heading("Earning", 2),
        heading("Partners", 3),
        paragraph(long),
        heading("Redeeming", 2),
        paragraph(long),
    )
    # WHEN chunked at 100 characters
    chunks = chunk(doc, max_chars=100)
    # THEN the second chunk is under Program / Redeeming, its heading block included
    assert [c.headings for c in chunks] == [
        ["Program", "Earning", "Partners"],
        ["Program", "Redeeming"],
    ]
    assert chunks[1].blocks[0] == heading("Redeeming", 2)


def test_chunk__a_table_stays_with_the_heading_before_it() -> None:
    # GIVEN a paragraph under half a chunk, then a heading and a table (43 characters)
    doc = document(paragraph("p" * 40), heading("Award chart", 2), table(5))
    # WHEN chunked where the heading alone would still fit after the paragraph
    chunks = chunk(doc, max_chars=90)
    # THEN the heading moved to the table's chunk
    assert [[b.kind for b in c.blocks] for c in chunks] == [["paragraph"], ["heading", "table"]]
    assert chunks[1].headings == ["Award chart"]


@pytest.mark.parametrize(("first", "chunk_count"), [(60, 2), (40, 1)])
def test_chunk__a_section_starts_a_new_chunk_once_the_current_is_half_full(
    first: int, chunk_count: int
) -> None:
    # GIVEN a paragraph, then a short new section that would fit after it
    doc = document(paragraph("p" * first), heading("Fees", 2), paragraph("None."))
    # WHEN chunked at 100  THEN the section starts a chunk only after a half-full one
    assert len(chunk(doc, max_chars=100)) == chunk_count


def test_chunk__a_large_table_is_split_by_rows_with_its_header_repeated() -> None:
    # GIVEN a heading over a 40-row table, then a paragraph
    big = table(40)
    doc = document(heading("Award chart", 2), big, paragraph("After."))
    # WHEN chunked at 120 characters
    chunks = chunk(doc, max_chars=120)
    table_chunks = [c for c in chunks if any(b.kind == "table" for b in c.blocks)]
    pieces = [b for c in table_chunks for b in c.blocks if b.kind == "table"]
    # THEN each piece is a chunk of its own (the first with its heading) within the limit,
    assert len(table_chunks) > 1
    assert [b.kind for b in table_chunks[0].blocks] == ["heading", "table"]
    assert all(len(c.blocks) == 1 for c in table_chunks[1:])
    assert all(size(c) <= 120 for c in chunks)
    # starting with the header row and the caption, and together holding every row once
    assert all(p.rows[0] == ["Region", "Miles"] and p.text == "Chart" for p in pieces)
    assert [row for p in pieces for row in p.rows[1:]] == big.rows[1:]
    # and the paragraph after it is not packed into the last piece
    assert chunks[-1].blocks == [paragraph("After.")]


def test_chunk__an_overlong_paragraph_is_split_at_sentence_ends() -> None:
    # GIVEN one paragraph of ten 30-character sentences
    sentences = [f"Sentence number {n:02d} ends here." for n in range(10)]
    doc = document(paragraph(" ".join(sentences)))
    # WHEN chunked at 100 characters
    chunks = chunk(doc, max_chars=100)
    texts = [b.text for c in chunks for b in c.blocks]
    # THEN every piece fits, is cut after a sentence, and nothing is lost
    assert all(len(t) <= 100 for t in texts)
    assert all(t.endswith("here.") for t in texts)
    assert " ".join(texts) == " ".join(sentences)


def test_chunk__a_word_longer_than_a_chunk_is_cut() -> None:
    # GIVEN a paragraph that is one 250-character token
    doc = document(paragraph("z" * 250))
    # WHEN chunked at 100  THEN pieces of at most 100 that join back to the token
    texts = [b.text for c in chunk(doc, max_chars=100) for b in c.blocks]
    assert all(len(t) <= 100 for t in texts)
    assert "".join(texts) == "z" * 250


def test_chunk__trailing_headings_are_kept() -> None:
    # GIVEN a document ending with an empty section  WHEN chunked
    chunks = chunk(document(paragraph("Body."), heading("Notes", 2)))
    # THEN the heading is still in a chunk
    assert chunks[-1].blocks[-1] == heading("Notes", 2)


def test_chunk__is_deterministic_and_empty_documents_give_no_chunks() -> None:
    # GIVEN a mixed document  WHEN chunked twice  THEN the same chunks
    doc = document(heading("A", 1), table(30), paragraph("p " * 200), heading("B", 2))
    assert chunk(doc, max_chars=150) == chunk(doc, max_chars=150)
    # AND a document without blocks gives none
    assert chunk(document()) == []


def test_chunk__max_chars_must_be_positive() -> None:
    # GIVEN a zero limit  WHEN chunking  THEN a clear error
    with pytest.raises(ValueError, match="max_chars must be at least 1"):
        chunk(document(paragraph("x")), max_chars=0)
