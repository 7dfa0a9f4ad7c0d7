"""Latency of one offline conversation turn in process (`loyalty ask` without the process
start and the knowledge base opening): the offline agent, the tool calls and the answer,
over the sample knowledge. Prints JSON with p50, p95 and max in milliseconds (target: p50
under 200 ms); progress on stderr.

    .venv/bin/python scripts/bench_conversation.py [--repeat 10]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from loyalty_maximizer.conversation.local import ask
from loyalty_maximizer.facts.loader import load_facts
from loyalty_maximizer.graph.build import graph_rows
from loyalty_maximizer.graph.embedded import open_knowledge_base, write_knowledge_base
from loyalty_maximizer.graph.repository import KnowledgeRepository

ROOT = Path(__file__).resolve().parent.parent
PROFILE = ROOT / "tests" / "data" / "conversations" / "profiles" / "us001.json"
QUESTIONS = [
    "New York to London in business for two next September with my points?",
    "How much would I earn on Lufthansa FRA to SIN in class K credited to Miles & More, "
    "MileagePlus or Aeroplan?",
    "Can I transfer Chase points to an airline that flies to the Maldives with a flat bed?",
    "Where should I credit Lufthansa Frankfurt to Singapore in J to reach Star Alliance Gold?",
    "Which hotel nights in Paris are cheapest?",
]
TODAY = dt.date(2026, 11, 22)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        kb = Path(folder) / "kb"
        facts = load_facts(sorted((ROOT / "samples" / "knowledge").glob("*.jsonl"))).facts
        write_knowledge_base(kb, graph_rows(facts))
        profile = Path(folder) / "profile.json"
        shutil.copy(PROFILE, profile)
        with open_knowledge_base(kb) as graph:
            repository = KnowledgeRepository(graph)
            for question in QUESTIONS:  # warm-up: caches and the search index
                ask(question, repository, profile_file=profile, today=TODAY)
            timings: list[float] = []
            for round_ in range(args.repeat):
                sys.stderr.write(f"round {round_ + 1}/{args.repeat}\n")
                for question in QUESTIONS:
                    started = time.perf_counter()
                    ask(question, repository, profile_file=profile, today=TODAY)
                    timings.append((time.perf_counter() - started) * 1000)
    timings.sort()
    result = {
        "turns": len(timings),
        "p50Ms": round(statistics.median(timings), 1),
        "p95Ms": round(timings[int(len(timings) * 0.95) - 1], 1),
        "maxMs": round(timings[-1], 1),
        "targetP50Ms": 200,
    }
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
