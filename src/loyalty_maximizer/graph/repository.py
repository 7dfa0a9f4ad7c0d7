"""Typed reads of the knowledge graph, over any engine that runs openCypher.

The tools depend on ``KnowledgeRepository``; the engine behind it is a ``CypherRunner``
(the embedded LadybugDB graph, or Neptune's openCypher endpoint). Small reference data
(programs, airlines, alliances, booking partners, passages, award prices) is read once and
kept: for the repository's lifetime, or, with ``max_age``, until ``refresh_if_stale`` finds
it older than that (a warm Lambda calls it between requests, so it sees a new graph load
without reading the reference data on every request).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from functools import cached_property
from typing import Any, Protocol, TypeVar

from loyalty_maximizer.facts.airports import METRO_AIRPORTS, known_airport, reference_airport
from loyalty_maximizer.facts.models import (
    Airline,
    Airport,
    Alliance,
    AwardPrice,
    AwardRegion,
    BookablePartner,
    EarningRule,
    EliteTier,
    FactModel,
    LoyaltyProgram,
    Passage,
    Route,
    TransferBonus,
    TransferPartnership,
    WebSourceDocument,
)
from loyalty_maximizer.graph import queries
from loyalty_maximizer.graph.build import fact_from_properties

F = TypeVar("F", bound=FactModel)


class CypherRunner(Protocol):
    def query(self, text: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]: ...


# What ``refresh`` forgets besides the dictionaries: every cached_property of the class.
_CACHED_PROPERTIES = (
    "programs",
    "airlines",
    "alliances",
    "booking_partners",
    "passages",
    "_earning_rules_for_any_airline",
)


class KnowledgeRepository:
    def __init__(
        self,
        runner: CypherRunner,
        *,
        max_age: float | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._runner = runner
        self.max_age = max_age  # seconds; None keeps the cached data for good
        self._clock = clock
        # Bumped by every refresh, so what callers derive from the cached data (a search
        # index over the passages) knows when to rebuild.
        self.generation = 0
        self._reset()

    def _reset(self) -> None:
        # Rows that carry their node or edge id are parsed once: a graph's facts do not
        # change between refreshes.
        self._parsed: dict[str, FactModel] = {}
        self._bookable: dict[tuple[str, str], bool] = {}
        self._prices: dict[str, dict[str, list[AwardPrice]]] = {}
        for name in _CACHED_PROPERTIES:
            self.__dict__.pop(name, None)
        self._loaded_at = self._clock()

    def refresh(self) -> None:
        """Forget every cached read: the next ones go to the graph."""
        self._reset()
        self.generation += 1

    def refresh_if_stale(self) -> bool:
        """``refresh`` when the cached data is older than ``max_age``; whether it did.

        Call it between requests, never within one, so one answer never mixes two loads.
        """
        if self.max_age is None or self._clock() - self._loaded_at < self.max_age:
            return False
        self.refresh()
        return True

    def _facts(self, model: type[F], text: str, **params: Any) -> list[F]:
        facts: list[F] = []
        for row in self._runner.query(text, params):
            key = row.get("id")
            fact = self._parsed.get(key) if key is not None else None
            if fact is None:
                fact = fact_from_properties(model, row)
                if key is not None:
                    self._parsed[key] = fact
            facts.append(fact)  # type: ignore[arg-type]
        return facts

    # Reference data, read once.
    @cached_property
    def programs(self) -> dict[str, LoyaltyProgram]:
        return {p.program_id: p for p in self._facts(LoyaltyProgram, queries.PROGRAMS)}

    @cached_property
    def airlines(self) -> dict[str, Airline]:
        return {a.airline_id: a for a in self._facts(Airline, queries.AIRLINES)}

    @cached_property
    def alliances(self) -> dict[str, Alliance]:
        return {a.alliance_id: a for a in self._facts(Alliance, queries.ALLIANCES)}

    @cached_property
    def booking_partners(self) -> frozenset[tuple[str, str]]:
        rows = self._facts(BookablePartner, queries.BOOKABLE_PARTNERS)
        return frozenset((b.program_id, b.airline_id) for b in rows)

    @cached_property
    def passages(self) -> list[Passage]:
        return self._facts(Passage, queries.PASSAGES)

    def can_book(self, program_id: str, airline_id: str) -> bool:
        """The bookability rule of facts.md."""
        key = (program_id, airline_id)
        if key not in self._bookable:
            self._bookable[key] = self._can_book(program_id, airline_id)
        return self._bookable[key]

    def _can_book(self, program_id: str, airline_id: str) -> bool:
        program = self.programs.get(program_id)
        if program is None or program.kind != "airline":
            return False
        operator = program.operator_airline_id
        if operator == airline_id or (program_id, airline_id) in self.booking_partners:
            return True
        if operator is None:
            return False
        own = self.airlines.get(operator)
        other = self.airlines.get(airline_id)
        return bool(
            own is not None
            and other is not None
            and own.alliance_id is not None
            and own.alliance_id == other.alliance_id
        )

    # Per-request reads.
    def airports(self, codes: Iterable[str]) -> dict[str, Airport]:
        """Airports by code: the graph's records, else the bundled database's."""
        wanted = sorted(set(codes))
        found = {
            a.airport_id: a for a in self._facts(Airport, queries.AIRPORTS_BY_CODE, codes=wanted)
        }
        for code in wanted:
            if code not in found:
                reference = reference_airport(code)
                if reference is not None:
                    found[code] = Airport.model_validate(reference, strict=False)
        return found

    def metro_airports(self, metro: str) -> list[str]:
        """Every airport of a metro code: the facts' metroCode and the curated table."""
        rows = self._runner.query(queries.AIRPORTS_BY_METRO, {"metro": metro})
        return sorted({r["airportId"] for r in rows} | set(METRO_AIRPORTS.get(metro, ())))

    def airport_codes(self) -> list[str]:
        """The code of every airport in the graph (the places the knowledge can route)."""
        return [str(r["airportId"]) for r in self._runner.query(queries.ALL_AIRPORTS, {})]

    def is_metro(self, code: str) -> bool:
        return bool(self.metro_airports(code))

    def is_airport(self, code: str) -> bool:
        return bool(self.airports([code])) or known_airport(code)

    def routes_touching(self, codes: Iterable[str]) -> list[Route]:
        return self._facts(Route, queries.ROUTES_TOUCHING, codes=sorted(set(codes)))

    def regions(self, program_ids: Iterable[str]) -> list[AwardRegion]:
        ids = sorted(set(program_ids))
        return self._facts(AwardRegion, queries.REGIONS_OF_PROGRAMS, programIds=ids)

    def award_prices(self, cabin: str) -> dict[str, list[AwardPrice]]:
        """Every price row of a cabin, by program, read once per repository.

        Award analysis looks at the rows of many programs for every trip; reading them once
        per cabin is cheaper than one filtered read per request. Like the other reference
        data, this is a snapshot until the next ``refresh``.
        """
        cached = self._prices.get(cabin)
        if cached is None:
            cached = {}
            for row in self._facts(AwardPrice, queries.AWARD_PRICES, cabin=cabin):
                cached.setdefault(row.program_id, []).append(row)
            self._prices[cabin] = cached
        return cached

    def transfers_touching(self, program_ids: Iterable[str]) -> list[TransferPartnership]:
        ids = sorted(set(program_ids))
        return self._facts(TransferPartnership, queries.TRANSFERS_TOUCHING, programIds=ids)

    def transfer_bonuses_touching(self, program_ids: Iterable[str]) -> list[TransferBonus]:
        ids = sorted(set(program_ids))
        return self._facts(TransferBonus, queries.TRANSFER_BONUSES_TOUCHING, programIds=ids)

    def earning_rules_of_programs(self, program_ids: Iterable[str]) -> list[EarningRule]:
        ids = sorted(set(program_ids))
        return self._facts(EarningRule, queries.EARNING_RULES_OF_PROGRAMS, programIds=ids)

    @cached_property
    def _earning_rules_for_any_airline(self) -> list[EarningRule]:
        return self._facts(EarningRule, queries.EARNING_RULES_FOR_ANY_AIRLINE)

    def earning_rules_for_airlines(self, airline_ids: Iterable[str]) -> list[EarningRule]:
        ids = sorted(set(airline_ids))
        rules = {r.rule_id: r for r in self._earning_rules_for_any_airline}
        for rule in self._facts(EarningRule, queries.EARNING_RULES_FOR_AIRLINES, airlineIds=ids):
            rules[rule.rule_id] = rule
        return [rules[k] for k in sorted(rules)]

    def elite_tiers(self, program_ids: Iterable[str]) -> list[EliteTier]:
        ids = sorted(set(program_ids))
        return self._facts(EliteTier, queries.ELITE_TIERS, programIds=ids)

    def documents(self, document_ids: Iterable[str]) -> dict[str, WebSourceDocument]:
        ids = sorted(set(document_ids))
        rows = self._facts(WebSourceDocument, queries.DOCUMENTS_BY_ID, documentIds=ids)
        return {d.document_id: d for d in rows}
