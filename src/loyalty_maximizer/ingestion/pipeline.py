"""Ingestion on one machine: documents -> prepared structure -> facts -> graph.

The per-document step (``process_document``) is the one the Glue extraction job runs in
each Spark partition; ``ingest`` is the local driver behind ``loyalty ingest``. A document
whose bytes were ingested before is skipped (content hash), a document that changed
replaces what it contributed, and every bad document or fact is set aside with a reason
while the rest lands.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loyalty_maximizer.documents.chunking import chunk
from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.model import PreparedDocument, content_hash
from loyalty_maximizer.documents.prepare import (
    DEFAULT_MAX_BYTES,
    document_type_for,
    prepare_document,
)
from loyalty_maximizer.errors import FactIssue
from loyalty_maximizer.extraction.catalogue import Catalogue
from loyalty_maximizer.extraction.offline import OfflineExtractor
from loyalty_maximizer.extraction.result import Extraction
from loyalty_maximizer.facts.loader import SourcedFact, parse_files, validate_records
from loyalty_maximizer.facts.models import (
    FactModel,
    Passage,
    fact_type,
)
from loyalty_maximizer.graph.build import graph_rows
from loyalty_maximizer.graph.embedded import MANIFEST, open_knowledge_base, write_knowledge_base
from loyalty_maximizer.graph.export import export_facts
from loyalty_maximizer.ingestion.merge import Conflict, merge_facts

HASHES = "ingested-documents.json"
DOCUMENT_SUFFIXES = {".html", ".htm", ".pdf", ".txt", ".md"}
PASSAGE_CHARS = 1500


@dataclass(frozen=True)
class SourceFile:
    document_id: str
    path: Path


@dataclass
class DocumentOutcome:
    document_id: str
    path: str
    status: str  # ingested | unchanged | quarantined
    reason: str | None = None
    facts: dict[str, int] = field(default_factory=dict)
    confidence: float | None = None
    warnings: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "documentId": self.document_id,
            "path": self.path,
            "status": self.status,
        }
        if self.reason:
            data["reason"] = self.reason
        if self.facts:
            data["factsByType"] = self.facts
        if self.confidence is not None:
            data["extractionConfidence"] = self.confidence
        if self.warnings:
            data["warnings"] = self.warnings
        return data


@dataclass
class IngestReport:
    documents: list[DocumentOutcome]
    facts_by_type: dict[str, int]
    invalid_facts: list[FactIssue]
    conflicts: list[Conflict]
    graph: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        statuses = Counter(d.status for d in self.documents)
        return {
            "documentsRead": len(self.documents),
            "documentsIngested": statuses.get("ingested", 0),
            "documentsUnchanged": statuses.get("unchanged", 0),
            "documentsQuarantined": statuses.get("quarantined", 0),
            "factsByType": self.facts_by_type,
            "quarantined": [
                {"documentId": d.document_id, "path": d.path, "reason": d.reason}
                for d in self.documents
                if d.status == "quarantined"
            ],
            "invalidFacts": [i.to_json() for i in self.invalid_facts],
            "conflicts": [str(c) for c in self.conflicts],
            "documents": [d.to_json() for d in self.documents],
            "nodes": self.graph.get("nodes", 0),
            "edges": self.graph.get("edges", 0),
            "nodesByType": self.graph.get("nodesByType", {}),
            "edgesByType": self.graph.get("edgesByType", {}),
        }


def collect_sources(paths: Iterable[Path]) -> tuple[list[SourceFile], list[Path]]:
    """Documents under the given paths (folders by suffix, files as given) and the facts
    files (``.jsonl``) named explicitly.

    A document id is the file name without its extension; names that differ only by
    extension keep it (contracts/facts.md).
    """
    documents: list[Path] = []
    facts: list[Path] = []
    for path in paths:
        if path.is_dir():
            documents += sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES
            )
        elif path.suffix.lower() == ".jsonl":
            facts.append(path)
        else:
            documents.append(path)
    stems = Counter(p.stem for p in documents)
    sources = [SourceFile(p.stem if stems[p.stem] == 1 else p.name, p) for p in documents]
    return sources, facts


def passages_of(document: PreparedDocument) -> list[Passage]:
    """Retrievable passages: one per chunk, with its heading path."""
    passages = []
    for piece in chunk(document, max_chars=PASSAGE_CHARS):
        lines: list[str] = []
        for block in piece.blocks:
            if block.kind == "table":
                lines.extend("; ".join(c for c in row if c) for row in block.rows)
            elif block.kind != "heading" and block.text:
                lines.append(block.text)
        text = " ".join(lines).strip()
        if text:
            passages.append(
                Passage(
                    document_id=document.document_id,
                    passage_id=f"{document.document_id}#{piece.index + 1}",
                    heading=" / ".join(piece.headings) or None,
                    text=text[:PASSAGE_CHARS],
                )
            )
    return passages


def process_document(
    raw: bytes,
    source: SourceFile,
    extract: Callable[[PreparedDocument], Extraction],
    *,
    max_bytes: int,
    retrieved: dt.date | None,
) -> tuple[list[FactModel], DocumentOutcome]:
    """One document to facts, or to a quarantine outcome with the reason."""
    try:
        document = prepare_document(
            raw,
            source.document_id,
            document_type_for(source.path),
            max_bytes=max_bytes,
            retrieved_date=retrieved.isoformat() if retrieved else None,
        )
    except DocumentRejected as exc:
        return [], DocumentOutcome(source.document_id, str(source.path), "quarantined", exc.reason)
    return process_prepared(document, str(source.path), extract)


def process_prepared(
    document: PreparedDocument, path: str, extract: Callable[[PreparedDocument], Extraction]
) -> tuple[list[FactModel], DocumentOutcome]:
    """A prepared document (``processed-text/``) to facts, or to a quarantine outcome."""
    extraction = extract(document)
    facts = [*extraction.facts, *passages_of(document)]
    if len(extraction.facts) <= 1:  # only the document record itself
        outcome = DocumentOutcome(
            document.document_id,
            path,
            "quarantined",
            "no loyalty facts found in the document (nothing to extract)",
            warnings=extraction.warnings,
        )
        return [], outcome
    counts = Counter(fact_type(f) for f in facts)
    return facts, DocumentOutcome(
        document.document_id,
        path,
        "ingested",
        facts=dict(sorted(counts.items())),
        confidence=extraction.confidence,
        warnings=extraction.warnings,
    )


def ingest(
    paths: Iterable[Path],
    kb: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    facts_out: Path | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> IngestReport:
    """Ingest documents (and curated ``.jsonl`` facts) into the knowledge base at ``kb``."""
    sources, fact_files = collect_sources(paths)
    existing: list[FactModel] = []
    if (kb / MANIFEST).exists():
        graph = open_knowledge_base(kb)
        try:
            existing = export_facts(graph)
        finally:
            graph.close()
    # Curated facts are checked together with the graph and the documents' facts, like
    # everything an incremental ingestion loads (contracts/facts.md).
    parsed, line_issues = parse_files(fact_files)
    curated = [p.fact for p in parsed]
    hashes: dict[str, str] = json.loads((kb / HASHES).read_text()) if (kb / HASHES).exists() else {}
    extractor = OfflineExtractor(Catalogue.from_facts([*existing, *curated]))
    new_facts: list[FactModel] = []
    outcomes: list[DocumentOutcome] = []
    new_hashes: dict[str, str] = {}
    for n, source in enumerate(sources, start=1):
        progress(f"[{n}/{len(sources)}] {source.path}")
        raw = source.path.read_bytes()
        digest = content_hash(raw)
        if hashes.get(source.document_id) == digest:
            outcomes.append(DocumentOutcome(source.document_id, str(source.path), "unchanged"))
            continue
        retrieved = dt.datetime.fromtimestamp(source.path.stat().st_mtime, dt.UTC).date()
        facts, outcome = process_document(
            raw, source, extractor.extract, max_bytes=max_bytes, retrieved=retrieved
        )
        outcomes.append(outcome)
        if outcome.status == "ingested":
            new_facts.extend(facts)
            new_hashes[source.document_id] = digest
    merged = merge_facts([*existing, *curated], new_facts)
    progress(f"validating {len(merged.facts)} facts")
    sourced = [
        SourcedFact(
            f, getattr(f, "source_document_id", None) or "(curated)", i, f.model_dump_json()
        )
        for i, f in enumerate(merged.facts, start=1)
    ]
    result = validate_records(sourced, [], quarantine=True)
    progress("building the graph")
    summary = write_knowledge_base(kb, graph_rows(result.facts))
    hashes.update(new_hashes)
    (kb / HASHES).write_text(json.dumps(dict(sorted(hashes.items())), indent=2) + "\n")
    if facts_out is not None:
        with facts_out.open("w", encoding="utf-8") as out:
            for fact in new_facts:
                out.write(json.dumps(fact.to_json_dict(), ensure_ascii=False) + "\n")
    counts = Counter(fact_type(f) for f in new_facts)
    return IngestReport(
        outcomes,
        dict(sorted(counts.items())),
        line_issues + result.quarantined,
        merged.conflicts,
        summary,
    )
