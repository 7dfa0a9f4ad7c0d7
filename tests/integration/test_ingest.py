"""The local ingestion pipeline (`loyalty ingest`): documents -> facts -> graph."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from loyalty_maximizer.cli import app
from loyalty_maximizer.facts.loader import load_facts
from loyalty_maximizer.facts.models import TransferPartnership
from loyalty_maximizer.graph.build import graph_rows
from loyalty_maximizer.graph.embedded import (
    graph_stats,
    open_knowledge_base,
    write_knowledge_base,
)
from loyalty_maximizer.graph.export import export_facts
from loyalty_maximizer.ingestion.pipeline import HASHES, ingest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "samples" / "documents"
GOOD = ["amex-transfer-partners.html", "routes-jfk.txt", "avios-distance-chart.pdf"]


@pytest.fixture
def kb(tmp_path: Path) -> Path:
    """A knowledge base holding only the reference data (programs, airlines, airports)."""
    directory = tmp_path / "kb"
    facts = load_facts([ROOT / "samples" / "knowledge" / "reference.jsonl"]).facts
    write_knowledge_base(directory, graph_rows(facts))
    return directory


@pytest.fixture
def documents(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name in GOOD:
        shutil.copy(CORPUS / name, folder / name)
    shutil.copytree(CORPUS / "bad", folder / "bad")
    return folder


def _stats(kb: Path) -> dict[str, object]:
    graph = open_knowledge_base(kb)
    try:
        return graph_stats(graph)
    finally:
        graph.close()


def _facts(kb: Path) -> list[object]:
    graph = open_knowledge_base(kb)
    try:
        return list(export_facts(graph))
    finally:
        graph.close()


def test_ingest__good_documents_land_and_bad_ones_are_quarantined_with_reasons(
    kb: Path, documents: Path
) -> None:
    # GIVEN three good documents and five bad ones in one batch
    # WHEN ingested
    report = ingest([documents], kb).to_json()
    # THEN every good document lands with facts, and every bad one is set aside with why
    statuses = {d["documentId"]: d["status"] for d in report["documents"]}
    assert statuses["amex-transfer-partners"] == "ingested"
    assert statuses["routes-jfk"] == "ingested"
    assert statuses["avios-distance-chart"] == "ingested"
    reasons = {q["documentId"]: q["reason"] for q in report["quarantined"]}
    assert set(reasons) == {"empty", "binary-junk", "latin1-page", "corrupt", "nothing-relevant"}
    assert "empty" in reasons["empty"]
    assert "UTF-8" in reasons["latin1-page"]
    assert "PDF" in reasons["corrupt"]
    assert report["factsByType"]["route"] == 34
    assert report["factsByType"]["transferPartnership"] >= 12
    # AND the graph holds them
    transfers = [f for f in _facts(kb) if isinstance(f, TransferPartnership)]
    assert {(t.from_program_id, t.to_program_id) for t in transfers} >= {
        ("AMEX_MR", "AC_AEROPLAN"),
        ("AMEX_MR", "VS_FLYINGCLUB"),
    }


def test_ingest__same_documents_again_change_nothing(kb: Path, documents: Path) -> None:
    # GIVEN a batch already ingested
    ingest([documents], kb)
    before = _stats(kb)
    # WHEN the same batch is ingested again
    report = ingest([documents], kb).to_json()
    # THEN the documents are recognised by content and the graph is the same
    assert report["documentsUnchanged"] == 3
    assert report["documentsIngested"] == 0
    assert _stats(kb) == before


def test_ingest__re_reading_the_same_content_creates_no_duplicates(
    kb: Path, documents: Path
) -> None:
    # GIVEN a batch ingested, then the record of what was ingested lost
    ingest([documents], kb)
    before = _stats(kb)
    (kb / HASHES).unlink()
    # WHEN the documents are read and extracted again
    report = ingest([documents], kb).to_json()
    # THEN the deterministic ids make the graph identical: no duplicate nodes or edges
    assert report["documentsIngested"] == 3
    assert _stats(kb) == before


def test_ingest__a_changed_document_replaces_what_it_said_before(kb: Path, documents: Path) -> None:
    # GIVEN the Amex page ingested, then edited: Aeroplan now 1:2
    ingest([documents], kb)
    page = documents / "amex-transfer-partners.html"
    text = page.read_text(encoding="utf-8")
    page.write_text(
        text.replace("<td>Aeroplan</td><td>1:1</td>", "<td>Aeroplan</td><td>1:2</td>"),
        encoding="utf-8",
    )
    # WHEN ingested again
    ingest([documents], kb)
    # THEN the graph has the new ratio and not the old one
    ratios = {
        (t.ratio_from, t.ratio_to)
        for t in _facts(kb)
        if isinstance(t, TransferPartnership)
        and (t.from_program_id, t.to_program_id) == ("AMEX_MR", "AC_AEROPLAN")
    }
    assert ratios == {(1, 2)}


def test_ingest__a_document_over_the_size_cap_is_quarantined(kb: Path, documents: Path) -> None:
    # GIVEN a cap smaller than the Amex page  WHEN ingested
    report = ingest([documents / "amex-transfer-partners.html"], kb, max_bytes=2_000).to_json()
    # THEN it is quarantined with the cap in the reason
    assert report["documentsQuarantined"] == 1
    assert "cap" in report["quarantined"][0]["reason"]


def test_cli_ingest__prints_the_report_and_writes_the_facts(
    kb: Path, documents: Path, tmp_path: Path
) -> None:
    # GIVEN the CLI  WHEN `loyalty ingest` runs on the folder with --facts-out
    facts_out = tmp_path / "facts.jsonl"
    result = CliRunner().invoke(
        app, ["ingest", str(documents), "--kb", str(kb), "--facts-out", str(facts_out)]
    )
    # THEN exit 0, the JSON report on stdout, and the extracted facts in the file
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["documentsIngested"] == 3
    assert report["nodes"] > 0
    lines = facts_out.read_text(encoding="utf-8").splitlines()
    assert any(json.loads(line)["type"] == "route" for line in lines)
