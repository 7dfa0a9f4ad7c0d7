"""Precision, recall and F1 of the offline extractor on the project's gold corpus.

Each document under samples/documents/ has the facts a careful reader extracts from it in
samples/documents/gold/<documentId>.jsonl. A fact counts as found when the extractor
produced one equal to it in every field that states knowledge (the document record,
passages, rule ids and sourceDocumentId aside; ratios compared as fractions; the two
regions of a symmetric price in either order).

    .venv/bin/python scripts/score_extraction.py [--verbose]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from fractions import Fraction
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.prepare import document_type_for, prepare_document
from loyalty_maximizer.extraction.catalogue import Catalogue
from loyalty_maximizer.extraction.offline import OfflineExtractor
from loyalty_maximizer.facts.loader import load_facts
from loyalty_maximizer.facts.models import (
    FactModel,
)

ROOT = Path(__file__).resolve().parent.parent
IGNORED_TYPES = {"webSourceDocument", "passage"}
IGNORED_FIELDS = {"sourceDocumentId", "ruleId", "description", "notes", "name"}


def canonical(fact: dict[str, Any]) -> str:
    data = {k: v for k, v in fact.items() if k not in IGNORED_FIELDS}
    if data.get("type") == "transferPartnership":
        ratio = Fraction(data.pop("ratioFrom"), data.pop("ratioTo"))
        data["ratio"] = f"{ratio.numerator}:{ratio.denominator}"
    if data.get("type") == "awardPrice" and data.get("symmetric", True):
        # A symmetric row prices both directions: which region is named first means nothing.
        pair = sorted([data.pop("originRegionId"), data.pop("destinationRegionId")])
        data["regions"] = pair
    for key in ("fareClasses", "countries", "airports", "operatingAirlineIds"):
        if isinstance(data.get(key), list):
            data[key] = sorted(data[key])
    return json.dumps(data, sort_keys=True)


def _facts(facts: list[FactModel]) -> Counter[str]:
    return Counter(canonical(f.to_json_dict()) for f in facts if f.type not in IGNORED_TYPES)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--corpus", type=Path, default=ROOT / "samples" / "documents")
    parser.add_argument("--knowledge", type=Path, default=ROOT / "samples" / "knowledge")
    parser.add_argument("--verbose", action="store_true", help="list every miss")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    reference = load_facts([args.knowledge / "reference.jsonl"]).facts
    # The catalogue is what the knowledge graph knows before these documents are read:
    # the sample knowledge's names and ids (programs, airlines, award regions).
    knowledge = load_facts(sorted(args.knowledge.glob("*.jsonl"))).facts
    catalogue = Catalogue.from_facts(knowledge)
    extractor = OfflineExtractor(catalogue)
    gold_dir = args.corpus / "gold"
    totals = Counter[str]()
    table = Table(title="Offline extractor against the gold corpus")
    for column in ("document", "gold", "found", "extra", "precision", "recall"):
        table.add_column(column)
    misses: list[str] = []
    for gold_file in sorted(gold_dir.glob("*.jsonl")):
        document_id = gold_file.stem
        candidates = [p for p in args.corpus.iterdir() if p.is_file() and p.stem == document_id]
        if not candidates:
            continue
        path = candidates[0]
        gold = _facts(load_facts([args.knowledge / "reference.jsonl", gold_file]).facts) - _facts(
            reference
        )
        try:
            document = prepare_document(path.read_bytes(), document_id, document_type_for(path))
            got = _facts(extractor.extract(document).facts)
        except DocumentRejected as exc:
            got = Counter()
            misses.append(f"{document_id}: rejected: {exc.reason}")
        hit = sum((gold & got).values())
        extra = sum((got - gold).values())
        totals.update(gold=sum(gold.values()), hit=hit, extra=extra)
        p = hit / (hit + extra) if hit + extra else 1.0
        r = hit / sum(gold.values()) if gold else 1.0
        table.add_row(
            document_id, str(sum(gold.values())), str(hit), str(extra), f"{p:.2f}", f"{r:.2f}"
        )
        misses += [f"{document_id}: missed {m}" for m in (gold - got)]
        misses += [f"{document_id}: extra  {m}" for m in (got - gold)]
    precision = totals["hit"] / (totals["hit"] + totals["extra"]) if totals["hit"] else 0.0
    recall = totals["hit"] / totals["gold"] if totals["gold"] else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    if args.json:
        print(json.dumps({"precision": precision, "recall": recall, "f1": f1, **totals}))
        return 0
    console = Console(width=140)
    console.print(table)
    console.print(
        f"precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}  "
        f"({totals['hit']} of {totals['gold']} gold facts, {totals['extra']} extra)"
    )
    if args.verbose:
        for miss in misses:
            console.print(miss, markup=False, soft_wrap=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
