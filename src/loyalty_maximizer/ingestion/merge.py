"""Merging newly extracted facts into the facts a graph already holds.

A document that is ingested again replaces every fact it contributed before. When two
sources define one entity differently, the version from the most recently retrieved source
is kept and the conflict is reported (contracts/facts.md).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass, field

from loyalty_maximizer.facts.models import FactModel, Passage, WebSourceDocument, entity_key


@dataclass(frozen=True)
class Conflict:
    entity: str
    kept_from: str | None
    dropped_from: str | None

    def __str__(self) -> str:
        return (
            f"{self.entity}: kept the version from {self.kept_from or 'curated facts'}, "
            f"dropped the one from {self.dropped_from or 'curated facts'}"
        )


@dataclass
class Merged:
    facts: list[FactModel]
    conflicts: list[Conflict] = field(default_factory=list)


def _source(fact: FactModel) -> str | None:
    return getattr(fact, "source_document_id", None)


def _belongs_to(fact: FactModel, documents: set[str]) -> bool:
    if isinstance(fact, WebSourceDocument | Passage):
        return fact.document_id in documents
    return _source(fact) in documents


def _comparable(fact: FactModel) -> str:
    data = fact.to_json_dict()
    data.pop("sourceDocumentId", None)
    return json.dumps(data, sort_keys=True)


def merge_facts(existing: Iterable[FactModel], incoming: Iterable[FactModel]) -> Merged:
    """``existing`` minus what the incoming documents stated before, plus ``incoming``."""
    incoming = list(incoming)
    replaced = {f.document_id for f in incoming if isinstance(f, WebSourceDocument)}
    kept = [f for f in existing if not _belongs_to(f, replaced)]
    candidates = kept + incoming
    retrieved: dict[str, dt.date] = {
        f.document_id: f.retrieved_date or dt.date.min
        for f in candidates
        if isinstance(f, WebSourceDocument)
    }

    def recency(fact: FactModel, order: int) -> tuple[dt.date, int]:
        source = _source(fact)
        return (retrieved.get(source, dt.date.min) if source else dt.date.min, order)

    winners: dict[tuple[str, ...], tuple[FactModel, int]] = {}
    conflicts: list[Conflict] = []
    result: list[tuple[int, FactModel]] = []
    for order, fact in enumerate(candidates):
        key = entity_key(fact)
        if key is None:
            result.append((order, fact))
            continue
        current = winners.get(key)
        if current is None:
            winners[key] = (fact, order)
            continue
        if _comparable(current[0]) == _comparable(fact):
            continue
        newer, older = (
            (fact, current[0])
            if recency(fact, order) >= recency(current[0], current[1])
            else (current[0], fact)
        )
        winners[key] = (newer, order if newer is fact else current[1])
        conflicts.append(Conflict("/".join(key), _source(newer), _source(older)))
    result.extend((order, fact) for fact, order in winners.values())
    return Merged([f for _, f in sorted(result, key=lambda item: item[0])], conflicts)
