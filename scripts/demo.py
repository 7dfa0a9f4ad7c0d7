"""`make demo`: build the knowledge graph from the sample knowledge and run the reference
architecture's scenarios as a traveller would see them.

Progress goes to stderr; the scenario tables go to stdout.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from loyalty_maximizer.facts.loader import load_facts
from loyalty_maximizer.graph.build import graph_rows
from loyalty_maximizer.graph.embedded import open_knowledge_base, write_knowledge_base
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.tools.registry import ToolContext, call_tool

ROOT = Path(__file__).resolve().parent.parent
out = Console(width=132)
progress = Console(stderr=True)


def _award_table(result: dict[str, Any], limit: int = 8) -> Table:
    table = Table(title="Award options (best first)", show_lines=False)
    for column in ("#", "program", "itinerary", "cost", "fees USD", "pricing", "funding"):
        table.add_column(column)
    for option in result["awardOptions"][:limit]:
        if option["feasible"]:
            funding = ", ".join(
                f"{f['pointsUsed']:,} {f['programId']}" for f in option["fundingPlan"]
            )
        else:
            funding = f"short by {option['shortfall']:,}"
        table.add_row(
            option["optionId"],
            option["programName"],
            option["description"],
            f"{option['estimatedCost']['amount']:,}",
            f"{option['taxesAndFeesEstimate']['amount']:,.2f}",
            option["pricing"],
            funding,
        )
    return table


def _earnings_table(title: str, result: dict[str, Any]) -> Table:
    table = Table(title=title)
    for column in ("program", "distance", "redeemable", "elite metrics", "rules"):
        table.add_column(column)
    for option in result["earningOptions"]:
        metrics = ", ".join(
            f"{m['valueEarned']:,} {m['name']}" for m in option["eliteQualifyingMetrics"]
        )
        rules = ", ".join(str(s["ruleId"]) for s in option["segments"])
        table.add_row(
            option["programName"],
            f"{option['calculatedDistanceMiles']:,} mi",
            f"{option['redeemableCurrency']['amountEarned']:,} "
            f"{option['redeemableCurrency']['type']}",
            metrics or "-",
            rules,
        )
    return table


def _us001(context: ToolContext, as_of: str) -> None:
    out.rule("US-001  Award pathways: New York to London in business for two")
    request = {
        "origin": "NYC",
        "destination": "LON",
        "cabinClass": "business",
        "numberOfTravelers": 2,
        "tripType": "one_way",
        "userRewardsBalances": [
            {"programId": "AMEX_MR", "balance": 100000},
            {"programId": "UA_MILEAGEPLUS", "balance": 50000},
            {"programId": "DL_SKYMILES", "balance": 30000},
        ],
        "preferences": {"maxStops": 1, "considerPointTransfers": True},
        "asOfDate": as_of,
    }
    out.print("Balances: 100,000 Amex Membership Rewards, 50,000 United miles, 30,000 Delta miles")
    result = call_tool(context, "analyze_award_redemption_strategies", request)
    out.print(_award_table(result))
    best = result["awardOptions"][0] if result["awardOptions"] else None
    if best:
        for rule in best["keyRulesOrBenefits"]:
            out.print(f"  - {rule}")
    out.print(f"[bold]Advice:[/bold] {result['summaryAdvice']}\n")


def _us002(context: ToolContext, repo: KnowledgeRepository, as_of: str) -> None:
    out.rule("US-002  Earnings: Lufthansa FRA-SIN in K, Star Alliance Gold through United")
    gold = next(
        t.tier_id for t in repo.elite_tiers(["UA_MILEAGEPLUS"]) if t.alliance_tier == "star_gold"
    )
    request = {
        "flightItinerary": {
            "segments": [
                {
                    "marketingCarrier": "LH",
                    "operatingCarrier": "LH",
                    "flightNumber": "778",
                    "originAirport": "FRA",
                    "destinationAirport": "SIN",
                    "fareClass": "K",
                    "travelDate": as_of,
                }
            ],
            "ticketPrice": {
                "baseFare": 812.0,
                "carrierImposedSurcharges": 240.0,
                "taxesAndAirportFees": 95.0,
                "totalFare": 1147.0,
                "currency": "USD",
            },
        },
        "userProfileContext": {"statusTiers": [{"programId": "UA_MILEAGEPLUS", "tier": gold}]},
        "targetLoyaltyPrograms": ["LH_MILESANDMORE", "UA_MILEAGEPLUS", "AC_AEROPLAN"],
        "asOfDate": as_of,
    }
    result = call_tool(context, "calculate_flight_earnings", request)
    out.print(_earnings_table("LH 778 FRA-SIN, fare class K", result))
    out.print(f"[bold]Advice:[/bold] {result['summaryAdvice']}\n")


def _aadvantage(context: ToolContext, repo: KnowledgeRepository, as_of: str) -> None:
    out.rule("AAdvantage earning by status (proof-of-concept scope)")
    tiers = [None, *repo.elite_tiers(["AA_AADVANTAGE"])]
    flights = [
        ("AA 100 JFK-LHR (AA-marketed, $1,000 fare)", "AA", "AA", "JFK", "LHR", "Q", 850.0, 150.0),
        ("BA 178 JFK-LHR (BA-marketed, $1,000 fare)", "BA", "BA", "JFK", "LHR", "J", 850.0, 150.0),
        ("QR 702 JFK-DOH (QR-operated, class K)", "QR", "QR", "JFK", "DOH", "K", None, None),
    ]
    table = Table(title="Redeemable miles / Loyalty Points credited to AAdvantage")
    table.add_column("flight")
    for tier in tiers:
        table.add_column("member" if tier is None else tier.name)
    for label, marketing, operating, origin, destination, fare, base, surcharge in flights:
        itinerary: dict[str, Any] = {
            "segments": [
                {
                    "marketingCarrier": marketing,
                    "operatingCarrier": operating,
                    "originAirport": origin,
                    "destinationAirport": destination,
                    "fareClass": fare,
                    "travelDate": as_of,
                }
            ]
        }
        if base is not None:
            itinerary["ticketPrice"] = {
                "baseFare": base,
                "carrierImposedSurcharges": surcharge,
                "currency": "USD",
            }
        cells = []
        for tier in tiers:
            statuses = (
                [] if tier is None else [{"programId": "AA_AADVANTAGE", "tier": tier.tier_id}]
            )
            result = call_tool(
                context,
                "calculate_flight_earnings",
                {
                    "flightItinerary": itinerary,
                    "userProfileContext": {"statusTiers": statuses},
                    "targetLoyaltyPrograms": ["AA_AADVANTAGE"],
                    "asOfDate": as_of,
                },
            )
            option = result["earningOptions"][0]
            points = sum(m["valueEarned"] for m in option["eliteQualifyingMetrics"])
            cells.append(f"{option['redeemableCurrency']['amountEarned']:,} / {points:,}")
        table.add_row(label, *cells)
    out.print(table)
    out.print("")


def _us003(context: ToolContext, as_of: str) -> None:
    out.rule("US-003  Where to credit a year of Star Alliance flying for Star Alliance Gold")
    year = as_of[:4]
    legs = [
        ("UA", "EWR", "FRA", "Y", "03-10"),
        ("LH", "FRA", "SIN", "K", "03-12"),
        ("LH", "SIN", "FRA", "K", "03-20"),
        ("UA", "FRA", "EWR", "Y", "03-22"),
        ("AC", "YYZ", "LHR", "M", "06-02"),
        ("AC", "LHR", "YYZ", "M", "06-09"),
        ("LH", "FRA", "ORD", "T", "09-14"),
        ("LH", "ORD", "FRA", "T", "09-21"),
    ]
    request = {
        "flightItinerary": {
            "segments": [
                {
                    "marketingCarrier": airline,
                    "operatingCarrier": airline,
                    "originAirport": origin,
                    "destinationAirport": destination,
                    "fareClass": fare,
                    "travelDate": f"{year}-{day}",
                }
                for airline, origin, destination, fare, day in legs
            ]
        },
        "currentEliteProgress": [
            {"programId": "AC_AEROPLAN", "metricName": "SQC", "currentValue": 20000},
            {"programId": "UA_MILEAGEPLUS", "metricName": "PQP", "currentValue": 3000},
        ],
        "currentTiers": [],
        "targetLoyaltyPrograms": ["UA_MILEAGEPLUS", "AC_AEROPLAN", "LH_MILESANDMORE"],
        "goal": {"allianceTier": "star_gold"},
        "asOfDate": as_of,
    }
    result = call_tool(context, "recommend_crediting_program", request)
    table = Table(title="Crediting recommendations (best first)")
    for column in ("program", "tier reached", "goal", "metrics after", "next tier", "redeemable"):
        table.add_column(column)
    for r in result["recommendations"]:
        progress_text = "-"
        if r["progressToNextTier"]:
            p = r["progressToNextTier"]
            progress_text = f"{p['tierId']} {p['fraction']:.0%}"
        table.add_row(
            r["programId"],
            r["tierReached"] or "-",
            "yes" if r["goalReached"] else "no",
            ", ".join(f"{m['value']:,} {m['metricName']}" for m in r["metricsAfter"]),
            progress_text,
            f"{r['redeemableEarned']:,}",
        )
    out.print(table)
    out.print(f"[bold]Advice:[/bold] {result['summaryAdvice']}\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--facts", type=Path, default=ROOT / "samples" / "knowledge")
    parser.add_argument("--kb", type=Path, default=ROOT / "build" / "demo-kb")
    parser.add_argument("--as-of", default="2026-11-22", help="the day rules are read for")
    args = parser.parse_args()

    files = sorted(args.facts.glob("*.jsonl"))
    started = time.perf_counter()
    with progress.status(f"Validating {len(files)} facts files from {args.facts}..."):
        facts = load_facts(files).facts
    with progress.status("Building the embedded knowledge graph..."):
        summary = write_knowledge_base(args.kb, graph_rows(facts))
    elapsed = time.perf_counter() - started
    out.rule("Knowledge graph")
    out.print(
        f"{len(facts):,} facts from {len(files)} files -> {summary['nodes']:,} nodes and "
        f"{summary['edges']:,} edges in {args.kb} ({elapsed:.1f} s)"
    )
    out.print(
        "  " + ", ".join(f"{label} {count}" for label, count in summary["nodesByType"].items())
    )
    out.print(f"Rules in force on {args.as_of}.\n")

    graph = open_knowledge_base(args.kb)
    try:
        repo = KnowledgeRepository(graph)
        context = ToolContext(repo)
        _us001(context, args.as_of)
        _us002(context, repo, args.as_of)
        _aadvantage(context, repo, args.as_of)
        _us003(context, args.as_of)
    finally:
        graph.close()


if __name__ == "__main__":
    main()
