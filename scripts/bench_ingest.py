"""Ingestion throughput: generated loyalty pages -> facts -> graph.

Generates N documents (HTML transfer-partner pages, award charts, route lists and earning
tables built from the sample knowledge's programs and airlines, seeded), then measures:

- extraction in one Python process (prepare + offline extraction per document, a loop);
- extraction on local Spark (``local[2]``) with the Glue extraction job's library code,
  when PySpark and Java are available;
- graph building (validate, merge, build rows, load the embedded graph).

Prints documents per second for each against the target of 20 documents/second end to
end with the offline extractor.

    .venv/bin/python scripts/bench_ingest.py [--documents 1000] [--skip-spark]
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from loyalty_maximizer.facts.loader import load_facts
from loyalty_maximizer.facts.models import Airline, LoyaltyProgram
from loyalty_maximizer.graph.build import graph_rows
from loyalty_maximizer.graph.embedded import write_knowledge_base
from loyalty_maximizer.ingestion.pipeline import DEFAULT_MAX_BYTES, ingest

ROOT = Path(__file__).resolve().parent.parent
TARGET_DOCS_PER_SECOND = 20.0
progress = Console(stderr=True)


def _transfer_page(rng: random.Random, bank: LoyaltyProgram, airlines: list[LoyaltyProgram]) -> str:
    partners = rng.sample(airlines, k=min(len(airlines), rng.randint(4, 10)))
    rows = "".join(
        f"<tr><td>{p.name}</td><td>{rng.choice(['1:1', '1,000:800', '2:1.5', '1:1'])}</td>"
        f"<td>1,000 points</td><td>{rng.choice(['Instant', 'Up to 2 days', 'Within 24 hours'])}"
        "</td></tr>"
        for p in partners
    )
    bonus_partner = rng.choice(partners)
    return (
        f"<html><head><title>{bank.name} transfer partners</title></head><body>"
        "<nav><a href='/'>Home</a> <a href='/cards'>Cards</a></nav>"
        "<div class='cookie-banner'>We use cookies. Accept all</div>"
        f"<h1>Transfer {bank.name} points</h1>"
        "<p>Transfers are made in increments of 1,000 points, with a minimum of 1,000.</p>"
        f"<p>Get a {rng.choice([15, 20, 25, 30])}% bonus when you transfer {bank.name} points to "
        f"{bonus_partner.name} through Nov. 30, 2026.</p>"
        "<table><tr><th>Partner</th><th>Ratio</th><th>Minimum</th><th>Transfer time</th></tr>"
        f"{rows}</table><footer>Terms apply.</footer></body></html>"
    )


def _routes_page(rng: random.Random, airlines: list[Airline], airports: list[str]) -> str:
    lines = []
    for _ in range(rng.randint(5, 20)):
        a, b = rng.sample(airports, 2)
        cabins = rng.choice(["economy, business", "economy, premium economy, business, first"])
        lines.append(f"{rng.choice(airlines).airline_id} {a}-{b} {cabins}")
    return "Nonstop routes\n\n" + "\n".join(lines) + "\n"


def _earning_page(rng: random.Random, program: LoyaltyProgram, airline: Airline) -> str:
    rows = "".join(
        f"<tr><td>{cabin}</td><td>{classes}</td><td>{pct}%</td></tr>"
        for cabin, classes, pct in (
            ("First", "F, A", rng.choice([150, 200, 300])),
            ("Business", "J, C, D", rng.choice([125, 150, 250])),
            ("Economy", "Y, B, M", rng.choice([50, 75, 100])),
        )
    )
    return (
        f"<html><head><title>Earn {program.name} miles on {airline.name}</title></head><body>"
        f"<h1>{airline.name}</h1><h2>Earning on flights operated by {airline.name}</h2>"
        "<table><tr><th>Cabin</th><th>Booking code</th><th>Award miles (% of distance)</th></tr>"
        f"{rows}</table></body></html>"
    )


def generate(folder: Path, count: int, seed: int) -> None:
    """Write ``count`` documents built from the sample knowledge's names into ``folder``."""
    reference = load_facts([ROOT / "samples" / "knowledge" / "reference.jsonl"]).facts
    programs = [f for f in reference if isinstance(f, LoyaltyProgram)]
    banks = [p for p in programs if p.kind in ("bank", "hotel")]
    airline_programs = [p for p in programs if p.kind == "airline"]
    airlines = [f for f in reference if isinstance(f, Airline)]
    airports = ["JFK", "LHR", "FRA", "SIN", "DOH", "NRT", "LAX", "ORD", "CDG", "DXB", "HKG"]
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(count):
        kind = n % 3
        if kind == 0:
            text = _transfer_page(rng, rng.choice(banks), airline_programs)
            name = f"transfers-{n:05d}.html"
        elif kind == 1:
            text = _routes_page(rng, airlines, airports)
            name = f"routes-{n:05d}.txt"
        else:
            text = _earning_page(rng, rng.choice(airline_programs), rng.choice(airlines))
            name = f"earning-{n:05d}.html"
        (folder / name).write_text(text, encoding="utf-8")


def _python_loop(documents: Path, kb: Path) -> dict[str, float]:
    started = time.perf_counter()
    report = ingest([documents], kb, max_bytes=DEFAULT_MAX_BYTES)
    total = time.perf_counter() - started
    data = report.to_json()
    return {
        "documents": data["documentsRead"],
        "ingested": data["documentsIngested"],
        "quarantined": data["documentsQuarantined"],
        "seconds": total,
        "nodes": data["nodes"],
        "edges": data["edges"],
    }


def _spark_extract(documents: Path, work: Path) -> dict[str, float] | None:
    """The Glue extraction job's transform on local Spark, or None when it cannot run."""
    try:
        from loyalty_maximizer.spark import extract_job
    except ImportError as exc:
        progress.print(f"[yellow]Spark extraction skipped: {exc}[/yellow]")
        return None
    try:
        from loyalty_maximizer.spark import job_session

        spark = job_session()
    except Exception as exc:  # no Java or no PySpark: say so and go on
        progress.print(f"[yellow]Spark extraction skipped: {exc}[/yellow]")
        return None
    try:
        options = extract_job.ExtractOptions(
            source=str(documents),
            output=str(work / "spark-out"),
            reference_facts=(str(ROOT / "samples" / "knowledge" / "reference.jsonl"),),
        )
        started = time.perf_counter()
        summary = extract_job.run_extract(spark, options)
        seconds = time.perf_counter() - started
    finally:
        spark.stop()
    return {"seconds": seconds, "summary": json.dumps(summary)[:200]}  # type: ignore[dict-item]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-spark", action="store_true")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="loyalty-bench-ingest-"))
    try:
        documents = work / "documents"
        with progress.status(f"Generating {args.documents} documents..."):
            generate(documents, args.documents, args.seed)
        kb = work / "kb"
        reference = load_facts([ROOT / "samples" / "knowledge" / "reference.jsonl"]).facts
        write_knowledge_base(kb, graph_rows(reference))
        with progress.status("Python loop: prepare + extract + graph..."):
            loop = _python_loop(documents, kb)
        spark = None if args.skip_spark else _spark_extract(documents, work)

        table = Table(title=f"Ingestion of {args.documents} generated documents")
        for column in ("path", "seconds", "documents/s", "target", "result"):
            table.add_column(column)
        rate = loop["documents"] / loop["seconds"]
        table.add_row(
            "one process (prepare, extract, validate, graph)",
            f"{loop['seconds']:.1f}",
            f"{rate:.1f}",
            f">= {TARGET_DOCS_PER_SECOND:.0f}",
            "PASS" if rate >= TARGET_DOCS_PER_SECOND else "FAIL",
        )
        if spark is not None:
            spark_rate = args.documents / spark["seconds"]
            table.add_row(
                "local[2] Spark extraction (Glue job transform)",
                f"{spark['seconds']:.1f}",
                f"{spark_rate:.1f}",
                "",
                "",
            )
        Console(width=120).print(table)
        print(
            f"graph: {loop['nodes']:,} nodes, {loop['edges']:,} edges; "
            f"{loop['ingested']:.0f} documents ingested, {loop['quarantined']:.0f} quarantined"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
