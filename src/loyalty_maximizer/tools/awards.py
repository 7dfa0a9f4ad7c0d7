"""analyze_award_redemption_strategies: which programs can book a trip, what it costs,
and how to fund it from the traveller's balances (contracts/tools.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from loyalty_maximizer.errors import InvalidRequest
from loyalty_maximizer.facts.models import AwardRegion, LoyaltyProgram
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.tools.award_pricing import PriceTable, Quote, quote
from loyalty_maximizer.tools.funding import Funding, Source, TransferPath, fund, micro_cents
from loyalty_maximizer.tools.itineraries import Itinerary, find_itineraries, legs_of
from loyalty_maximizer.tools.requests import AwardRequest
from loyalty_maximizer.tools.transfers import TransferLink, links_on

MAX_OPTIONS = 20
CABIN_NAMES = {
    "economy": "Economy",
    "premium_economy": "Premium economy",
    "business": "Business",
    "first": "First",
}


def resolve_place(repo: KnowledgeRepository, code: str, field: str) -> set[str]:
    """An IATA airport or metro code as a set of airports; a metro code wins."""
    metro = repo.metro_airports(code)
    if metro:
        return set(metro)
    if repo.is_airport(code):
        return {code}
    raise InvalidRequest(f'{field}: "{code}" is neither a known airport nor a metro code', field)


def _check_programs(repo: KnowledgeRepository, request: AwardRequest) -> None:
    seen: set[str] = set()
    for i, b in enumerate(request.user_rewards_balances):
        field = f"userRewardsBalances[{i}].programId"
        if b.program_id not in repo.programs:
            raise InvalidRequest(f'{field}: unknown program "{b.program_id}"', field)
        if b.program_id in seen:
            raise InvalidRequest(f'{field}: "{b.program_id}" is listed twice', field)
        seen.add(b.program_id)
    for i, p in enumerate(request.preferences.exclude_programs):
        if p not in repo.programs:
            field = f"preferences.excludePrograms[{i}]"
            raise InvalidRequest(f'{field}: unknown program "{p}"', field)
    for i, a in enumerate(request.preferences.preferred_alliances):
        if a not in repo.alliances:
            field = f"preferences.preferredAlliances[{i}]"
            known = ", ".join(sorted(repo.alliances))
            raise InvalidRequest(f'{field}: unknown alliance "{a}" (known: {known})', field)


@dataclass(frozen=True)
class _Option:
    program: LoyaltyProgram
    itinerary: Itinerary
    quote: Quote
    cost: int
    funding: Funding

    def sort_key(self) -> tuple[Any, ...]:
        f = self.funding
        return (
            not f.feasible,
            f.shortfall if not f.feasible else 0,
            f.value,
            self.cost,
            len(self.itinerary.segments),
            self.program.program_id,
            "-".join(self.itinerary.airports),
            self.itinerary.airlines,
        )


class _RegionIndex:
    """Region membership (facts.md): an airport is in a program's region when the region
    lists it or its country. Indexed by airport and by country, so a lookup costs two dict
    reads however many regions the programs have."""

    def __init__(self, regions: Sequence[AwardRegion], countries: dict[str, str | None]) -> None:
        self._by_airport: dict[str, dict[str, set[str]]] = {}
        self._by_country: dict[str, dict[str, set[str]]] = {}
        for r in regions:
            for code in r.airports or ():
                self._by_airport.setdefault(code, {}).setdefault(r.program_id, set()).add(
                    r.region_id
                )
            for country in r.countries or ():
                self._by_country.setdefault(country, {}).setdefault(r.program_id, set()).add(
                    r.region_id
                )
        self._countries = countries
        self._memo: dict[tuple[str, str], frozenset[str]] = {}

    def __call__(self, program_id: str, airport: str) -> frozenset[str]:
        key = (program_id, airport)
        found = self._memo.get(key)
        if found is None:
            country = self._countries.get(airport)
            by_country = self._by_country.get(country, {}) if country else {}
            found = frozenset(
                {"*"}
                | self._by_airport.get(airport, {}).get(program_id, set())
                | by_country.get(program_id, set())
            )
            self._memo[key] = found
        return found


def _sources_for(
    target: str,
    balances: dict[str, int],
    links: dict[tuple[str, str], TransferLink],
    programs: dict[str, LoyaltyProgram],
    excluded: set[str],
    max_hops: int,
    need_cap: int,
) -> list[Source]:
    sources = []
    for source_id, balance in balances.items():
        if source_id == target or source_id in excluded or balance <= 0:
            continue
        paths = []
        if (source_id, target) in links:
            paths.append(TransferPath((links[(source_id, target)],)))
        if max_hops == 2:
            for (a, via), first in links.items():
                if a != source_id or via in (target, source_id) or via in excluded:
                    continue
                if (via, target) in links:
                    paths.append(TransferPath((first, links[(via, target)])))
        if paths:
            value = micro_cents(programs[source_id].value_cents)
            sources.append(Source(source_id, balance, value, tuple(paths), need_cap))
    return sources


def _describe(itinerary: Itinerary, cabin: str) -> str:
    legs = " + ".join(f"{s.airline} {s.origin}-{s.destination}" for s in itinerary.segments)
    return f"{CABIN_NAMES[cabin]} on {legs}"


def _key_rules(
    option: _Option, links: dict[tuple[str, str], TransferLink], request: AwardRequest
) -> list[str]:
    rules: list[str] = []
    q = option.quote
    if q.pricing == "dynamic_from":
        rules.append(
            f"Dynamic pricing: {q.points:,} points per traveller is a typical 'from' price, "
            "not a guarantee; verify the live award price before transferring any points."
        )
    if q.per_segment:
        rules.append(
            "Priced per segment by distance: "
            + ", ".join(
                f"{s.origin}-{s.destination} {s.distance:,} mi = {r.points:,}"
                for s, r in zip(option.itinerary.segments, q.rows, strict=True)
            )
            + (" (doubled for the return)" if request.trip_type == "round_trip" else "")
            + "."
        )
    elif q.rows[0].trip_type == "one_way" and request.trip_type == "round_trip":
        rules.append("Round trip priced as two one-way awards.")
    for row in q.rows:
        if row.notes:
            rules.append(row.notes)
    for hop in option.funding.hops:
        link = links[(hop.from_program, hop.to_program)]
        p = link.partnership
        text = (
            f"Transfer {hop.points_moved:,} {hop.from_program} to {hop.to_program} at "
            f"{p.ratio_from}:{p.ratio_to} for {hop.points_received:,} points"
        )
        if hop.bonus_applied:
            text += (
                f", including a {float(link.bonus_percent):g}% transfer bonus "
                f"({hop.bonus_applied:,} points) ending {link.bonus_end_dates[0].isoformat()}"
            )
        if p.transfer_time and p.transfer_time != "instant":
            text += f"; transfers take {p.transfer_time}, so confirm award space first"
        rules.append(text + ".")
    if option.funding.hops:
        rules.append("Transfers cannot be reversed: check award availability before moving points.")
    for s in option.itinerary.segments:
        if not s.cabins_stated:
            rules.append(
                f"The route facts for {s.airline} {s.origin}-{s.destination} do not list cabins: "
                f"check that {CABIN_NAMES[request.cabin_class].lower()} is offered."
            )
    return rules


def _render(
    option: _Option,
    number: int,
    links: dict[tuple[str, str], TransferLink],
    request: AwardRequest,
) -> dict[str, Any]:
    f = option.funding
    q = option.quote
    target = option.program.program_id
    plan = dict(f.source_points)
    if f.own_points_used:
        plan[target] = f.own_points_used
    return {
        "optionId": f"opt-{number}",
        "programId": target,
        "programName": option.program.name,
        "description": _describe(option.itinerary, request.cabin_class),
        "tripType": request.trip_type,
        "segments": [
            {
                "airline": s.airline,
                "origin": s.origin,
                "destination": s.destination,
                "cabin": request.cabin_class,
                "distanceMiles": s.distance,
            }
            for s in option.itinerary.segments
        ],
        "estimatedCost": {
            "amount": option.cost,
            "currencyName": option.program.currency_name,
            "programId": target,
        },
        "pricing": q.pricing,
        "feasible": f.feasible,
        "shortfall": f.shortfall,
        "fundingPlan": [
            {"programId": k, "pointsUsed": v} for k, v in sorted(plan.items()) if v > 0
        ],
        "transferPartnersPotentiallyNeeded": [
            {
                "fromProgram": h.from_program,
                "toProgram": h.to_program,
                "estimatedPointsToTransfer": h.points_moved,
                "pointsReceived": h.points_received,
                "transferBonusApplied": h.bonus_applied,
            }
            for h in f.hops
        ],
        "valueSpentCents": round(f.value / 1_000_000, 6),
        "taxesAndFeesEstimate": {
            "amount": round(q.surcharge_usd * request.number_of_travelers, 2),
            "currency": "USD",
        },
        "keyRulesOrBenefits": _key_rules(option, links, request),
        "confidence": "high" if q.pricing == "fixed" else "medium",
    }


def _advice(options: list[dict[str, Any]], request: AwardRequest) -> str:
    trip = f"{request.origin}-{request.destination} in {request.cabin_class.replace('_', ' ')}"
    if not options:
        return (
            f"No program in the knowledge base prices an award for {trip} on the known routes. "
            "Try another cabin, allow a connection, or another nearby airport."
        )
    best = options[0]
    amount = best["estimatedCost"]["amount"]
    if not best["feasible"]:
        return (
            f"None of your balances covers {trip}; the closest is {best['programName']} at "
            f"{amount:,} {best['estimatedCost']['currencyName']}, short by {best['shortfall']:,}."
        )
    moves = "; ".join(
        f"transfer {t['estimatedPointsToTransfer']:,} {t['fromProgram']} to {t['toProgram']}"
        for t in best["transferPartnersPotentiallyNeeded"]
    )
    text = (
        f"Best value: {best['description']} with {best['programName']} for {amount:,} "
        f"{best['estimatedCost']['currencyName']} in total plus about "
        f"${best['taxesAndFeesEstimate']['amount']:,.2f} in fees"
    )
    text += f" ({moves})." if moves else " from your own balance."
    if best["pricing"] == "dynamic_from":
        text += " The price is dynamic: confirm it live before transferring."
    return text


def analyze_award_redemption_strategies(
    repo: KnowledgeRepository, request: AwardRequest
) -> dict[str, Any]:
    _check_programs(repo, request)
    day = request.today()
    origins = resolve_place(repo, request.origin, "origin")
    destinations = resolve_place(repo, request.destination, "destination")
    if origins & destinations:
        raise InvalidRequest("origin and destination are the same place", "destination")
    prefs = request.preferences
    excluded = set(prefs.exclude_programs)

    legs = legs_of(repo.routes_touching(origins | destinations), request.cabin_class, day)
    endpoints = {code for key in legs for code in key[1:]}
    airports = repo.airports(endpoints | origins | destinations)
    itineraries = find_itineraries(legs, origins, destinations, airports, prefs.max_stops)
    if prefs.preferred_alliances:
        wanted = set(prefs.preferred_alliances)
        itineraries = [
            i
            for i in itineraries
            if all(
                (a := repo.airlines.get(airline)) is not None and a.alliance_id in wanted
                for airline in i.airlines
            )
        ]
    if request.trip_type == "round_trip":
        itineraries = [i for i in itineraries if i.has_return]

    bookers: dict[str, list[Itinerary]] = {}
    airlines = {a for i in itineraries for a in i.airlines}
    for program_id, program in repo.programs.items():
        if program.kind != "airline" or program_id in excluded:
            continue
        can_book = {a for a in airlines if repo.can_book(program_id, a)}
        bookable = [i for i in itineraries if can_book.issuperset(i.airlines)]
        if bookable:
            bookers[program_id] = bookable
    if not bookers:
        return {"awardOptions": [], "summaryAdvice": _advice([], request)}

    regions = _RegionIndex(repo.regions(bookers), {code: a.country for code, a in airports.items()})
    rows = repo.award_prices(request.cabin_class)

    balances = {b.program_id: b.balance for b in request.user_rewards_balances}
    links: dict[tuple[str, str], TransferLink] = {}
    if prefs.consider_point_transfers and balances:
        touching = set(balances) | set(bookers)
        links = {
            key: link
            for key, link in links_on(
                repo.transfers_touching(touching), repo.transfer_bonuses_touching(touching), day
            ).items()
            if key[0] not in excluded and key[1] not in excluded
        }
    travellers = request.number_of_travelers
    options: list[_Option] = []
    for program_id, its in bookers.items():
        program = repo.programs[program_id]
        program_rows = [r for r in rows.get(program_id, []) if r.valid_on(day)]
        if not program_rows:
            continue
        table = PriceTable(program_rows, regions)
        round_trip = request.trip_type == "round_trip"
        quotes = [
            (itinerary, q)
            for itinerary in its
            if (q := quote(table, program_id, itinerary, round_trip=round_trip)) is not None
        ]
        if not quotes:
            continue
        costs = {q.points * travellers for _, q in quotes}
        sources = _sources_for(
            program_id,
            balances,
            links,
            repo.programs,
            excluded,
            prefs.max_transfer_hops,
            max(costs),
        )
        own = balances.get(program_id, 0)
        fundings = {
            cost: fund(program_id, cost, own, micro_cents(program.value_cents), sources)
            for cost in sorted(costs)
        }
        for itinerary, q in quotes:
            cost = q.points * travellers
            options.append(_Option(program, itinerary, q, cost, fundings[cost]))
    options.sort(key=_Option.sort_key)
    rendered = [_render(o, n, links, request) for n, o in enumerate(options[:MAX_OPTIONS], start=1)]
    return {"awardOptions": rendered, "summaryAdvice": _advice(rendered, request)}
