"""calculate_flight_earnings: what a paid itinerary earns in each program (contracts/
facts.md, Earning rule choice and Earning arithmetic)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from loyalty_maximizer.arithmetic import great_circle_miles, round_half_up
from loyalty_maximizer.errors import InvalidRequest
from loyalty_maximizer.facts.models import EarningRule, EliteTier, LoyaltyProgram
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.tools.requests import (
    EarningsRequest,
    FlightItinerary,
    FlightSegment,
    StatusTier,
    TicketPrice,
)


def applicable(rule: EarningRule, segment: FlightSegment, day: dt.date) -> bool:
    ops = rule.operating_airline_ids
    return (
        ("*" in ops or segment.operator in ops)
        and (
            rule.marketing_airline_ids is None
            or segment.marketing_carrier in rule.marketing_airline_ids
        )
        and (rule.fare_classes is None or segment.fare_class in rule.fare_classes)
        and rule.valid_on(segment.travel_date or day)
    )


def choose_rule(
    rules: Sequence[EarningRule], program_id: str, segment: FlightSegment, day: dt.date
) -> EarningRule | None:
    """The one rule used: highest priority, then fare classes listed, then marketing
    airlines listed, then the smallest ruleId."""
    candidates = [
        r for r in rules if r.crediting_program_id == program_id and applicable(r, segment, day)
    ]
    return min(
        candidates,
        key=lambda r: (
            -r.priority,
            r.fare_classes is None,
            r.marketing_airline_ids is None,
            r.rule_id,
        ),
        default=None,
    )


@dataclass(frozen=True)
class SegmentEarning:
    origin: str
    destination: str
    distance: int
    rule: EarningRule | None
    base: int
    bonus: int
    metrics: dict[str, int]


@dataclass
class ProgramEarning:
    program: LoyaltyProgram
    distance: int
    segments: list[SegmentEarning] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def redeemable(self) -> int:
        return sum(s.base + s.bonus for s in self.segments)

    def metrics(self) -> dict[str, int]:
        totals: dict[str, int] = defaultdict(int)
        for s in self.segments:
            for name, value in s.metrics.items():
                totals[name] += value
        return dict(totals)


def segment_distances(repo: KnowledgeRepository, itinerary: FlightItinerary) -> list[int]:
    codes = {c for s in itinerary.segments for c in (s.origin_airport, s.destination_airport)}
    airports = repo.airports(codes)
    distances = []
    for i, s in enumerate(itinerary.segments):
        for name, code in (
            ("originAirport", s.origin_airport),
            ("destinationAirport", s.destination_airport),
        ):
            airport = airports.get(code)
            if airport is None or airport.latitude is None or airport.longitude is None:
                where = f"flightItinerary.segments[{i}].{name}"
                raise InvalidRequest(f'{where}: unknown airport "{code}"', where)
        a, b = airports[s.origin_airport], airports[s.destination_airport]
        distances.append(great_circle_miles(a.latitude, a.longitude, b.latitude, b.longitude))  # type: ignore[arg-type]
    return distances


def held_tiers(
    repo: KnowledgeRepository, tiers: Sequence[StatusTier], field_name: str
) -> dict[str, EliteTier]:
    """The tier held in each program, checked against the knowledge."""
    if not tiers:
        return {}
    known = {(t.program_id, t.tier_id): t for t in repo.elite_tiers({s.program_id for s in tiers})}
    held: dict[str, EliteTier] = {}
    for i, status in enumerate(tiers):
        where = f"{field_name}[{i}]"
        if status.program_id not in repo.programs:
            raise InvalidRequest(
                f'{where}.programId: unknown program "{status.program_id}"', f"{where}.programId"
            )
        tier = known.get((status.program_id, status.tier))
        if tier is None:
            raise InvalidRequest(
                f'{where}.tier: program "{status.program_id}" has no tier "{status.tier}"',
                f"{where}.tier",
            )
        held[status.program_id] = tier
    return held


def check_programs(repo: KnowledgeRepository, program_ids: Sequence[str], field_name: str) -> None:
    for i, program_id in enumerate(program_ids):
        if program_id not in repo.programs:
            where = f"{field_name}[{i}]"
            raise InvalidRequest(f'{where}: unknown program "{program_id}"', where)


def earn(
    repo: KnowledgeRepository,
    itinerary: FlightItinerary,
    program_ids: Sequence[str],
    held: dict[str, EliteTier],
    day: dt.date,
) -> list[ProgramEarning]:
    """Earnings per program for the itinerary; with no programs given, every program with
    an applicable rule for at least one segment."""
    segments = itinerary.segments
    distances = segment_distances(repo, itinerary)
    total_distance = sum(distances)
    if program_ids:
        rules = repo.earning_rules_of_programs(program_ids)
    else:
        rules = repo.earning_rules_for_airlines({s.operator for s in segments})
        program_ids = sorted(
            {r.crediting_program_id for r in rules for s in segments if applicable(r, s, day)}
        )
    price = itinerary.ticket_price
    eligible = (price.base_fare + price.carrier_imposed_surcharges) if price else 0.0
    results = []
    for program_id in program_ids:
        program = repo.programs[program_id]
        earning = ProgramEarning(program, total_distance)
        tier = held.get(program_id)
        currency_notes: set[str] = set()
        for segment, distance in zip(segments, distances, strict=True):
            rule = choose_rule(rules, program_id, segment, day)
            share = (
                eligible * distance / total_distance if total_distance else eligible / len(segments)
            )
            earning.segments.append(
                _segment(segment, distance, share, rule, tier, price, currency_notes, earning.notes)
            )
        earning.notes.extend(sorted(currency_notes))
        results.append(earning)
    return results


def _segment(
    segment: FlightSegment,
    distance: int,
    share: float,
    rule: EarningRule | None,
    tier: EliteTier | None,
    price: TicketPrice | None,
    currency_notes: set[str],
    notes: list[str],
) -> SegmentEarning:
    leg = f"{segment.origin_airport}-{segment.destination_airport}"
    if rule is None:
        fare = segment.fare_class or "not given"
        notes.append(
            f"{leg}: no earning rule applies ({segment.operator}-operated, fare class {fare}); "
            "earns nothing."
        )
        return SegmentEarning(
            segment.origin_airport, segment.destination_airport, distance, None, 0, 0, {}
        )
    revenue_ok = price is not None and price.currency == rule.revenue_currency
    earns_on_fare = rule.basis == "revenue" or any(
        m.basis == "revenue" for m in rule.elite_metrics or ()
    )
    if price is not None and not revenue_ok and earns_on_fare:
        currency_notes.add(
            f"Ticket currency {price.currency} differs from rule {rule.rule_id}'s "
            f"{rule.revenue_currency}: revenue-based earning is 0 (no currency conversion)."
        )

    def amount(basis: str, rate: float) -> int:
        if basis == "distance":
            return round_half_up(distance * rate)
        if basis == "revenue":
            return round_half_up(share * rate) if revenue_ok else 0
        return round_half_up(rate)

    base = amount(rule.basis, rule.redeemable_rate)
    if rule.basis == "distance":
        base = max(base, rule.minimum_redeemable or 0)
        notes.append(
            f"{leg}: rule {rule.rule_id}, {rule.redeemable_rate:g} x {distance:,} miles = {base:,}."
        )
    elif rule.basis == "revenue":
        if price is None:
            notes.append(
                f"{leg}: rule {rule.rule_id} earns on the fare, and no ticketPrice was given: "
                "0 redeemable."
            )
        else:
            notes.append(
                f"{leg}: rule {rule.rule_id}, {rule.redeemable_rate:g} per "
                f"{rule.revenue_currency} on a {share:,.2f} fare share = {base:,}."
            )
    else:
        notes.append(f"{leg}: rule {rule.rule_id}, fixed {base:,} per segment.")
    bonus = 0
    if tier is not None and rule.elite_bonus_eligible and tier.redeemable_bonus_percent:
        bonus = round_half_up(base * tier.redeemable_bonus_percent / 100)
        notes.append(f"{leg}: {tier.name} bonus {tier.redeemable_bonus_percent:g}% = {bonus:,}.")
    metrics: dict[str, int] = {}
    for metric in rule.elite_metrics or ():
        value = (
            base + bonus
            if metric.basis == "same_as_redeemable"
            else amount(metric.basis, metric.rate or 0.0)
        )
        metrics[metric.metric_name] = metrics.get(metric.metric_name, 0) + value
    return SegmentEarning(
        segment.origin_airport, segment.destination_airport, distance, rule, base, bonus, metrics
    )


def metric_unit(name: str) -> str:
    """A display unit for an elite metric, read from its conventional name."""
    lowered = name.lower()
    if any(w in lowered for w in ("segment", "flight", "pqf", "sector")):
        return "segments"
    if any(w in lowered for w in ("dollar", "mqd", "spend")):
        return "USD"
    if "mile" in lowered or lowered in {"eqm", "mqm"}:
        return "miles"
    return "points"


def render_earning(e: ProgramEarning) -> dict[str, Any]:
    return {
        "programId": e.program.program_id,
        "programName": e.program.name,
        "calculatedDistanceMiles": e.distance,
        "redeemableCurrency": {"amountEarned": e.redeemable, "type": e.program.currency_name},
        "eliteQualifyingMetrics": [
            {"name": name, "valueEarned": value, "unit": metric_unit(name)}
            for name, value in sorted(e.metrics().items())
        ],
        "segments": [
            {
                "originAirport": s.origin,
                "destinationAirport": s.destination,
                "ruleId": s.rule.rule_id if s.rule else None,
                "distanceMiles": s.distance,
                "baseRedeemable": s.base,
                "eliteBonus": s.bonus,
            }
            for s in e.segments
        ],
        "calculationNotes": e.notes,
    }


def calculate_flight_earnings(
    repo: KnowledgeRepository, request: EarningsRequest
) -> dict[str, Any]:
    check_programs(repo, request.target_loyalty_programs, "targetLoyaltyPrograms")
    held = held_tiers(
        repo, request.user_profile_context.status_tiers, "userProfileContext.statusTiers"
    )
    earnings = earn(
        repo, request.flight_itinerary, request.target_loyalty_programs, held, request.today()
    )
    earnings.sort(key=lambda e: (-e.redeemable, e.program.program_id))
    options = [render_earning(e) for e in earnings]
    if options and options[0]["redeemableCurrency"]["amountEarned"] > 0:
        best = options[0]
        advice = (
            f"Crediting to {best['programName']} earns the most: "
            f"{best['redeemableCurrency']['amountEarned']:,} {best['redeemableCurrency']['type']}"
            f" over {best['calculatedDistanceMiles']:,} miles."
        )
    else:
        advice = "No program in the knowledge base earns on this itinerary as given."
    return {"earningOptions": options, "summaryAdvice": advice}
