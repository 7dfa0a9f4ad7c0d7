"""query_loyalty_knowledge: the graph neighbourhood of the entities a question names, and
the source passages that best match it (BM25), with citations."""

from __future__ import annotations

import re
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any

from loyalty_maximizer.errors import InvalidRequest
from loyalty_maximizer.extraction.catalogue import Catalogue
from loyalty_maximizer.facts.models import FactModel, Passage
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.tools.requests import KnowledgeRequest

if TYPE_CHECKING:
    import bm25s
    import Stemmer

MAX_FACTS = 60


@cache
def _stemmer() -> Stemmer.Stemmer:
    import Stemmer

    return Stemmer.Stemmer("english")


def _tokenize(texts: list[str]) -> Any:
    # bm25s brings numpy and scipy: imported on the first search, not on a Lambda's cold start
    import bm25s

    return bm25s.tokenize(texts, stopwords="en", stemmer=_stemmer(), show_progress=False)


class PassageIndex:
    """A BM25 index over every passage of the knowledge graph."""

    def __init__(self, passages: list[Passage]) -> None:
        self.passages = passages
        self._bm25: bm25s.BM25 | None = None
        if passages:
            corpus = [f"{p.heading or ''} {p.text}" for p in passages]
            import bm25s

            self._bm25 = bm25s.BM25()
            self._bm25.index(_tokenize(corpus), show_progress=False)

    def search(self, query: str, limit: int) -> list[tuple[Passage, float]]:
        if self._bm25 is None:
            return []
        k = min(limit, len(self.passages))
        ids, scores = self._bm25.retrieve(_tokenize([query]), k=k, show_progress=False)
        return [
            (self.passages[int(i)], float(s))
            for i, s in zip(ids[0], scores[0], strict=True)
            if float(s) > 0
        ]


class KnowledgeSearch:
    def __init__(self, repo: KnowledgeRepository) -> None:
        self.repo = repo

    @cached_property
    def index(self) -> PassageIndex:
        return PassageIndex(self.repo.passages)

    @cached_property
    def catalogue(self) -> Catalogue:
        """The names the graph and the curated aliases give programs, airlines and
        alliances: the same catalogue the extractors resolve names with."""
        return Catalogue.build(
            self.repo.programs.values(), self.repo.airlines.values(), self.repo.alliances.values()
        )

    def entities(self, question: str) -> dict[str, set[str]]:
        found: dict[str, set[str]] = {
            "program": set(),
            "airline": set(),
            "alliance": set(),
            "airport": set(),
        }
        for mention in self.catalogue.mentions(question):
            found[mention.kind].add(mention.id)
        for token in re.findall(r"\b[A-Z0-9]{2,3}\b", question):
            if len(token) == 2 and token in self.repo.airlines:
                found["airline"].add(token)
            elif len(token) == 3 and token.isalpha():
                if self.repo.is_metro(token):
                    found["airport"].update(self.repo.metro_airports(token))
                elif self.repo.airports([token]):
                    found["airport"].add(token)
        return found


def _fact_json(fact: FactModel) -> dict[str, Any]:
    data = fact.to_json_dict()
    data.setdefault("sourceDocumentId", None)
    return data


def _sentence(fact: dict[str, Any], names: dict[str, str]) -> str | None:
    def n(key: str) -> str:
        code = str(fact[key])
        return names.get(code, code)

    match fact["type"]:
        case "transferPartnership":
            text = (
                f"{n('fromProgramId')} transfers to {n('toProgramId')} at "
                f"{fact['ratioFrom']}:{fact['ratioTo']}"
            )
            if "minimumTransfer" in fact:
                text += f" (minimum {fact['minimumTransfer']:,})"
            return text
        case "transferBonus":
            return (
                f"{n('fromProgramId')} to {n('toProgramId')} has a {fact['bonusPercent']:g}% "
                f"bonus until {fact['endDate']}"
            )
        case "eliteTier":
            return f"{n('programId')} {fact['name']} is tier rank {fact['rank']}"
        case "bookablePartner":
            return f"{n('programId')} can book {n('airlineId')} flights"
        case "route":
            cabins = ", ".join(c.replace("_", " ") for c in fact.get("cabins", []))
            return (
                f"{fact['airlineId']} flies {fact['origin']}-{fact['destination']} "
                f"({cabins or 'cabins not stated'})"
            )
    return None


def query_loyalty_knowledge(search: KnowledgeSearch, request: KnowledgeRequest) -> dict[str, Any]:
    repo = search.repo
    for i, p in enumerate(request.program_ids):
        if p not in repo.programs:
            raise InvalidRequest(f'programIds[{i}]: unknown program "{p}"', f"programIds[{i}]")
    found = search.entities(request.question)
    programs = found["program"] | set(request.program_ids)
    day = request.today()
    facts: list[FactModel] = [repo.programs[p] for p in sorted(programs)]
    if programs:
        facts += [t for t in repo.transfers_touching(programs) if t.valid_on(day)]
        facts += [b for b in repo.transfer_bonuses_touching(programs) if b.end_date >= day]
        facts += repo.elite_tiers(programs)
    for airline in sorted(found["airline"]):
        facts.append(repo.airlines[airline])
    for alliance in sorted(found["alliance"]):
        facts.append(repo.alliances[alliance])
    if found["airport"]:
        facts += [r for r in repo.routes_touching(found["airport"]) if r.valid_on(day)][:20]
    rendered = [_fact_json(f) for f in facts[:MAX_FACTS]]

    query = " ".join([request.question, *(repo.programs[p].name for p in sorted(programs))])
    hits = search.index.search(query, request.limit)
    passages = [
        {
            "documentId": p.document_id,
            "passageId": p.passage_id,
            "text": p.text,
            "score": round(s, 4),
        }
        for p, s in hits
    ]
    names = {p.program_id: p.name for p in repo.programs.values()}
    names.update({a.airline_id: a.name for a in repo.airlines.values()})
    lines = []
    cited: set[str] = set()
    for fact in rendered:
        source: str | None = fact.get("sourceDocumentId")
        sentence = _sentence(fact, names)
        if sentence and source:
            lines.append(f"{sentence} [{source}].")
            cited.add(source)
    if passages:
        top = passages[0]
        lines.append(f'From the sources: "{top["text"]}" [{top["documentId"]}].')
        cited.update(str(p["documentId"]) for p in passages)
    documents = repo.documents(cited)
    citations = [
        {"documentId": d, "sourceUrl": documents[d].source_url, "title": documents[d].title}
        for d in sorted(cited)
        if d in documents
    ]
    answer = " ".join(lines[:12]) if lines else "The knowledge base has nothing on this question."
    return {"facts": rendered, "passages": passages, "citations": citations, "answer": answer}
