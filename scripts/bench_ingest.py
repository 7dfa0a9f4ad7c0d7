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
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from loyalty_maximizer.extraction.catalogue import Catalogue
from loyalty_maximizer.extraction.offline import OfflineExtractor
from loyalty_maximizer.facts.loader import SourcedFact, load_facts, validate_records
from loyalty_maximizer.facts.models import Airline, FactModel, LoyaltyProgram
from loyalty_maximizer.graph.build import graph_rows
from loyalty_maximizer.graph.embedded import write_knowledge_base
from loyalty_maximizer.ingestion.pipeline import (
    DEFAULT_MAX_BYTES,
    collect_sources,
    process_document,
)

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
    """Extraction in a plain loop, then the graph build, timed apart."""
    sources, _ = collect_sources([documents])
    reference = load_facts([ROOT / "samples" / "knowledge" / "reference.jsonl"]).facts
    extractor = OfflineExtractor(Catalogue.from_facts(reference))
    started = time.perf_counter()
    facts: list[FactModel] = list(reference)
    ingested = 0
    for source in sources:
        extracted, outcome = process_document(
            source.path.read_bytes(),
            source,
            extractor.extract,
            max_bytes=DEFAULT_MAX_BYTES,
            retrieved=None,
        )
        facts += extracted
        ingested += outcome.status == "ingested"
    extraction = time.perf_counter() - started
    started = time.perf_counter()
    sourced = [SourcedFact(f, "bench", i, "") for i, f in enumerate(facts, start=1)]
    valid = validate_records(sourced, [], quarantine=True).facts
    summary = write_knowledge_base(kb, graph_rows(valid))
    graph = time.perf_counter() - started
    return {
        "documents": len(sources),
        "ingested": ingested,
        "extraction": extraction,
        "graph": graph,
        "nodes": summary["nodes"],
        "edges": summary["edges"],
    }


def _spark(documents: Path, work: Path) -> dict[str, float] | None:
    """The two Glue jobs' transforms on local Spark, timed apart, or None when Spark
    cannot run here."""
    try:
        from loyalty_maximizer.spark import job_session
        from loyalty_maximizer.spark.extract_job import ExtractOptions, run_extract
        from loyalty_maximizer.spark.graph_job import GraphOptions, build_graph_load

        spark = job_session()
    except Exception as exc:  # no Java or no PySpark: say so and go on
        progress.print(f"[yellow]Spark skipped: {exc}[/yellow]")
        return None
    reference = str(ROOT / "samples" / "knowledge" / "reference.jsonl")
    output = str(work / "spark-out")
    try:
        spark.range(1).count()  # start the executors before timing
        started = time.perf_counter()
        run_extract(
            spark,
            ExtractOptions(source=str(documents), output=output, reference_facts=(reference,)),
        )
        extraction = time.perf_counter() - started
        started = time.perf_counter()
        build_graph_load(spark, GraphOptions(output=output, reference_facts=(reference,)))
        graph = time.perf_counter() - started
    finally:
        spark.stop()
    return {"extraction": extraction, "graph": graph}


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
        with progress.status("One process: extraction loop, then the graph build..."):
            loop = _python_loop(documents, kb)
        with progress.status("Local Spark: the extraction job, then the graph job..."):
            spark = None if args.skip_spark else _spark(documents, work)

        n = loop["documents"]
        table = Table(title=f"Ingestion of {args.documents} generated documents (documents/s)")
        for column in ("path", "extraction", "graph building", "end to end", "target"):
            table.add_column(column)

        def rates(extraction: float, graph: float) -> list[str]:
            return [f"{n / extraction:.1f}", f"{n / graph:.1f}", f"{n / (extraction + graph):.1f}"]

        def verdict(extraction: float, graph: float) -> str:
            passed = n / (extraction + graph) >= TARGET_DOCS_PER_SECOND
            return f">= {TARGET_DOCS_PER_SECOND:.0f} end to end: {'PASS' if passed else 'FAIL'}"

        table.add_row(
            "one Python process (a loop)",
            *rates(loop["extraction"], loop["graph"]),
            verdict(loop["extraction"], loop["graph"]),
        )
        if spark is not None:
            table.add_row(
                "Glue jobs on local[2] Spark",
                *rates(spark["extraction"], spark["graph"]),
                verdict(spark["extraction"], spark["graph"]),
            )
        Console(width=120).print(table)
        print(
            f"graph: {loop['nodes']:,} nodes, {loop['edges']:,} edges; "
            f"{loop['ingested']:.0f} of {n:.0f} documents gave facts"
        )
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
