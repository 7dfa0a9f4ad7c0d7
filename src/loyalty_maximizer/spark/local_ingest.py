"""`loyalty ingest` on local PySpark: the Glue jobs' own transforms, run against a work
folder instead of S3, ending in the embedded knowledge base.

documents -> (extract job) extracted-facts/ + quarantine/ -> (graph job) checks and
neptune-load/<run>/*.csv -> the embedded graph loads those same CSV files.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from loyalty_maximizer.documents.prepare import DEFAULT_MAX_BYTES
from loyalty_maximizer.facts.loader import read_lines
from loyalty_maximizer.graph.embedded import MANIFEST, open_knowledge_base
from loyalty_maximizer.graph.export import export_facts
from loyalty_maximizer.graph.neptune_csv import load_csv_into_knowledge_base
from loyalty_maximizer.ingestion.pipeline import collect_sources
from loyalty_maximizer.spark import job_session
from loyalty_maximizer.spark.extract_job import ExtractOptions, run_extract
from loyalty_maximizer.spark.graph_job import GraphOptions, build_graph_load
from loyalty_maximizer.spark.storage import EXTRACTED_PREFIX, LOAD_PREFIX


def _reference_facts(kb: Path, fact_files: Iterable[Path], target: Path) -> None:
    """What the graph holds now, plus curated facts files, as one JSONL the jobs read."""
    with target.open("w", encoding="utf-8") as out:
        if (kb / MANIFEST).exists():
            graph = open_knowledge_base(kb)
            try:
                for fact in export_facts(graph):
                    out.write(json.dumps(fact.to_json_dict(), ensure_ascii=False) + "\n")
            finally:
                graph.close()
        for _, _, text in read_lines(fact_files):
            if text is not None:
                out.write(text + "\n")


def ingest_on_spark(
    paths: Iterable[Path],
    kb: Path,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    facts_out: Path | None = None,
    progress: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """Run both Glue jobs on local Spark and load their CSV into ``kb``; return a report."""
    sources, fact_files = collect_sources(paths)
    with tempfile.TemporaryDirectory(prefix="loyalty-ingest-") as tmp:
        work = Path(tmp)
        raw = work / "raw"
        raw.mkdir()
        for source in sources:
            # The jobs name a document after its key without the extension, as here.
            suffix = source.path.suffix if source.document_id == source.path.stem else ""
            shutil.copyfile(source.path, raw / f"{source.document_id}{suffix}")
        reference = work / "reference.jsonl"
        _reference_facts(kb, fact_files, reference)
        output = work / "out"
        progress("starting Spark")
        spark = job_session()
        progress(f"extracting {len(sources)} documents on Spark")
        extracted = run_extract(
            spark,
            ExtractOptions(
                source=str(raw),
                output=str(output),
                reference_facts=(str(reference),),
                max_bytes=max_bytes,
            ),
        )
        progress("checking the facts and writing the Neptune load files")
        graph = build_graph_load(
            spark, GraphOptions(output=str(output), reference_facts=(str(reference),))
        )
        progress("loading the graph")
        summary = load_csv_into_knowledge_base(output / LOAD_PREFIX / graph["runId"], kb)
        extracted_lines = [
            line
            for path in sorted((output / EXTRACTED_PREFIX).glob("*.jsonl"))
            for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()
        ]
        if facts_out is not None:
            facts_out.write_text("".join(f"{line}\n" for line in extracted_lines), encoding="utf-8")
    by_type = Counter(json.loads(line)["type"] for line in extracted_lines)
    return {
        "engine": "spark",
        "documentsRead": extracted["documents"],
        "documentsIngested": extracted["ingested"],
        "documentsQuarantined": extracted["quarantined"],
        "factsExtracted": extracted["facts"],
        "factsByType": dict(sorted(by_type.items())),
        "quarantined": [
            {"documentId": o["documentId"], "reason": o.get("reason")}
            for o in extracted["outcomes"]
            if o["status"] == "quarantined"
        ],
        "rejectedLines": graph["rejectedLines"],
        "rejectedByCheck": graph["rejectedByCheck"],
        "conflicts": graph["conflicts"],
        **summary,
    }
