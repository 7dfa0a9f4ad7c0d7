"""Benchmark the knowledge graph build and the tools on the sample and a large knowledge set.

For each set (the project's sample knowledge, and a large deterministic set made by
``generate_large_knowledge.py``) it builds an embedded knowledge base in a temporary
directory, timing validation, graph rows and the database load, then calls each tool many
times with varied, realistic requests drawn deterministically from the set's own facts,
and reports p50/p95/mean latencies against the project's targets (informational: the
exit status is 0 whatever the numbers).

    .venv/bin/python scripts/bench_tools.py [--sample-runs 50] [--large-runs 30] [--json]

Progress goes to stderr; stdout carries only the tables (or, with ``--json``, the JSON).
"""

from __future__ import annotations

import argparse
import cProfile
import dataclasses
import datetime as dt
import gc
import glob
import importlib
import io
import json
import math
import os
import platform
import pstats
import random
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from loyalty_maximizer.errors import LoyaltyError
from loyalty_maximizer.facts.loader import load_facts
from loyalty_maximizer.facts.models import (
    Airline,
    Airport,
    EliteTier,
    FactModel,
    LoyaltyProgram,
    MetricThreshold,
    Route,
)
from loyalty_maximizer.graph.build import graph_rows
from loyalty_maximizer.graph.embedded import open_knowledge_base, write_knowledge_base
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.tools.registry import ToolContext, call_tool

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
if str(SCRIPTS) not in sys.path:
    sys.path.insert(0, str(SCRIPTS))
generator = importlib.import_module("generate_large_knowledge")

DEFAULT_SAMPLE_GLOB = "samples/knowledge/*.jsonl"
FALLBACK_SAMPLE = Path("/work/shared/contracts/examples/kb-sample.jsonl")
AS_OF = "2026-11-15"

AWARDS = "analyze_award_redemption_strategies"
EARNINGS = "calculate_flight_earnings"
CREDITING = "recommend_crediting_program"
KNOWLEDGE = "query_loyalty_knowledge"
TOOLS = (AWARDS, EARNINGS, CREDITING, KNOWLEDGE)

FARE_CLASSES = "JCDZIWYBMHQVKLTSGN"
FARE_WEIGHTS = (3, 3, 2, 1, 1, 2, 4, 4, 4, 4, 4, 4, 5, 5, 5, 3, 2, 2)

err = Console(stderr=True, highlight=False, soft_wrap=True)


def progress(message: str) -> None:
    err.print(f"[dim]{time.strftime('%H:%M:%S')}[/dim] {message}")


# Statistics.
def percentile(values: Sequence[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "mean": sum(values) / len(values) if values else math.nan,
        "min": min(values, default=math.nan),
        "max": max(values, default=math.nan),
    }


# Building a knowledge base.
@dataclass
class Build:
    name: str
    files: list[str]
    facts: list[FactModel]
    validate_s: float
    rows_s: float
    load_s: float
    nodes: int
    edges: int
    kb_dir: Path
    generate_s: float | None = None
    note: str | None = None

    @property
    def total_s(self) -> float:
        return self.validate_s + self.rows_s + self.load_s


def build(name: str, files: list[Path], kb_dir: Path) -> Build:
    """Validate, make rows and load; raises what load_facts raises."""
    gc.collect()
    t0 = time.perf_counter()
    facts = load_facts(files).facts
    t1 = time.perf_counter()
    rows = graph_rows(facts)
    t2 = time.perf_counter()
    stats = write_knowledge_base(kb_dir, rows)
    t3 = time.perf_counter()
    return Build(
        name,
        [str(f) for f in files],
        facts,
        t1 - t0,
        t2 - t1,
        t3 - t2,
        stats["nodes"],
        stats["edges"],
        kb_dir,
    )


def sample_files(pattern: str) -> list[Path]:
    if not os.path.isabs(pattern):
        pattern = str(ROOT / pattern)
    return [Path(p) for p in sorted(glob.glob(pattern))]


def build_sample(pattern: str, fallback: Path, kb_dir: Path) -> Build:
    files = sample_files(pattern)
    note = None
    if files:
        try:
            return build("sample", files, kb_dir)
        except (LoyaltyError, OSError, ValueError) as exc:
            first = " ".join(str(exc).split()[:40]) or type(exc).__name__
            note = f"{pattern} did not load ({first[:300]}); used {fallback}"
    else:
        note = f"no file matches {pattern}; used {fallback}"
    progress(f"[yellow]sample:[/yellow] {note}")
    kb_dir = kb_dir.with_name(kb_dir.name + "-fallback")
    result = build("sample", [fallback], kb_dir)
    result.note = note
    return result


# Requests drawn from the facts.
@dataclass
class World:
    """What the request generators need to know about one knowledge set."""

    programs: dict[str, LoyaltyProgram]
    airlines: dict[str, Airline]
    airports: dict[str, Airport]
    routes: list[Route]
    tiers: dict[str, list[EliteTier]]
    hubs: list[str]
    legs_from: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def of(cls, facts: list[FactModel], hub_count: int = 12) -> World:
        programs = {f.program_id: f for f in facts if isinstance(f, LoyaltyProgram)}
        airlines = {f.airline_id: f for f in facts if isinstance(f, Airline)}
        airports = {f.airport_id: f for f in facts if isinstance(f, Airport)}
        routes = [f for f in facts if isinstance(f, Route)]
        tiers: dict[str, list[EliteTier]] = defaultdict(list)
        for f in facts:
            if isinstance(f, EliteTier):
                tiers[f.program_id].append(f)
        degree: Counter[str] = Counter()
        legs_from: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for r in sorted(routes, key=lambda r: (r.airline_id, r.origin, r.destination)):
            degree.update((r.origin, r.destination))
            legs_from[r.origin].append((r.airline_id, r.destination))
            if r.bidirectional:
                legs_from[r.destination].append((r.airline_id, r.origin))
        located = {c for c, a in airports.items() if a.latitude is not None}
        hubs = [
            c for c, _ in sorted(degree.items(), key=lambda kv: (-kv[1], kv[0])) if c in located
        ]
        return cls(
            programs,
            airlines,
            airports,
            routes,
            dict(tiers),
            hubs[:hub_count],
            dict(legs_from),
        )

    @property
    def airline_programs(self) -> list[str]:
        return sorted(p for p, v in self.programs.items() if v.kind == "airline")

    @property
    def currency_programs(self) -> list[str]:
        return sorted(p for p, v in self.programs.items() if v.kind != "airline")

    def metro(self, code: str) -> str | None:
        airport = self.airports.get(code)
        return airport.metro_code if airport is not None else None

    def miles(self, a: str, b: str) -> float:
        x, y = self.airports.get(a), self.airports.get(b)
        if x is None or y is None or x.latitude is None or y.latitude is None:
            return 1000.0
        lat1, lon1, lat2, lon2 = map(
            math.radians, (x.latitude, x.longitude, y.latitude, y.longitude)
        )  # type: ignore[arg-type]
        h = (
            math.sin((lat2 - lat1) / 2) ** 2
            + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        )
        return 2 * 3958.8 * math.asin(min(1.0, math.sqrt(h)))


def _day(offset: int) -> str:
    return (dt.date.fromisoformat(AS_OF) + dt.timedelta(days=offset)).isoformat()


def _balances(world: World, rng: random.Random) -> list[dict[str, Any]]:
    count = rng.choice((2, 3))
    currencies = world.currency_programs
    chosen = rng.sample(currencies, min(count - 1, len(currencies)))
    airline = [p for p in world.airline_programs if p not in chosen]
    chosen += rng.sample(airline, min(count - len(chosen), len(airline)))
    return [
        {"programId": p, "balance": rng.randrange(20_000, 300_001, 1_000)} for p in sorted(chosen)
    ]


def award_request(world: World, rng: random.Random) -> dict[str, Any]:
    hubs = world.hubs
    for _ in range(100):
        a, b = rng.sample(hubs, 2)
        if world.metro(a) is None or world.metro(a) != world.metro(b):
            break
    places = []
    for code in (a, b):
        metro = world.metro(code)
        places.append(metro if metro is not None and rng.random() < 0.25 else code)
    request: dict[str, Any] = {
        "origin": places[0],
        "destination": places[1],
        "cabinClass": rng.choices(
            ("economy", "premium_economy", "business", "first"), (4, 1, 4, 1)
        )[0],
        "numberOfTravelers": rng.choice((1, 2)),
        "tripType": rng.choice(("one_way", "round_trip")),
        "userRewardsBalances": _balances(world, rng),
        "preferences": {
            "maxStops": 1,
            "considerPointTransfers": True,
            "maxTransferHops": 2 if rng.random() < 0.15 else 1,
        },
        "asOfDate": AS_OF,
    }
    return request


def _chain(world: World, rng: random.Random, start: str, length: int) -> list[tuple[str, str, str]]:
    """Up to ``length`` connecting flights (airline, origin, destination) from ``start``."""
    legs: list[tuple[str, str, str]] = []
    here, previous = start, None
    for _ in range(length):
        options = [(a, d) for a, d in world.legs_from.get(here, ()) if d != previous]
        if not options:
            break
        airline, there = rng.choice(options)
        legs.append((airline, here, there))
        previous, here = here, there
    return legs


def _segment(
    world: World, rng: random.Random, leg: tuple[str, str, str], day: str
) -> dict[str, Any]:
    airline, origin, destination = leg
    marketing = airline
    if rng.random() < 0.1:
        partners = [
            a
            for a, v in world.airlines.items()
            if v.alliance_id is not None and v.alliance_id == world.airlines[airline].alliance_id
        ]
        marketing = rng.choice(partners or [airline])
    return {
        "marketingCarrier": marketing,
        "operatingCarrier": airline,
        "flightNumber": str(rng.randint(1, 9999)),
        "originAirport": origin,
        "destinationAirport": destination,
        "fareClass": rng.choices(FARE_CLASSES, FARE_WEIGHTS)[0],
        "travelDate": day,
    }


def _ticket(world: World, rng: random.Random, legs: list[tuple[str, str, str]]) -> dict[str, Any]:
    miles = sum(world.miles(o, d) for _, o, d in legs)
    base = round(80 + miles * rng.uniform(0.06, 0.2), 2)
    surcharges = round(rng.choice((0.0, 0.0, 50.0, 150.0, 350.0)), 2)
    taxes = round(rng.uniform(20, 180), 2)
    return {
        "baseFare": base,
        "carrierImposedSurcharges": surcharges,
        "taxesAndAirportFees": taxes,
        "totalFare": round(base + surcharges + taxes, 2),
        "currency": "USD",
    }


def _tier_of(world: World, rng: random.Random) -> dict[str, str] | None:
    if not world.tiers:
        return None
    program = rng.choice(sorted(world.tiers))
    return {"programId": program, "tier": rng.choice(world.tiers[program]).tier_id}


def earnings_request(world: World, rng: random.Random) -> dict[str, Any]:
    legs: list[tuple[str, str, str]] = []
    while not legs:
        route = rng.choice(world.routes)
        start = route.origin if rng.random() < 0.5 or not route.bidirectional else route.destination
        legs = _chain(world, rng, start, rng.choice((1, 1, 2, 2, 3)))
    segments = [_segment(world, rng, leg, _day(7 + i)) for i, leg in enumerate(legs)]
    itinerary: dict[str, Any] = {"segments": segments}
    if rng.random() < 0.75:
        itinerary["ticketPrice"] = _ticket(world, rng, legs)
    request: dict[str, Any] = {"flightItinerary": itinerary, "asOfDate": AS_OF}
    if rng.random() < 0.5:
        programs = world.airline_programs
        request["targetLoyaltyPrograms"] = rng.sample(
            programs, min(rng.randint(2, 3), len(programs))
        )
    tier = _tier_of(world, rng) if rng.random() < 0.3 else None
    if tier is not None:
        request["userProfileContext"] = {"statusTiers": [tier]}
    return request


def crediting_request(world: World, rng: random.Random) -> dict[str, Any]:
    home = rng.choice(world.hubs)
    target = rng.randint(8, 12)
    legs: list[tuple[str, str, str]] = []
    while len(legs) < target:
        out = _chain(world, rng, home, rng.choice((1, 1, 2)))
        if not out:
            break
        back = [(a, d, o) for a, o, d in reversed(out)]
        legs += out + back
    legs = legs[:target]
    days = sorted(rng.sample(range(-300, 45), len(legs)))
    segments = [_segment(world, rng, leg, _day(d)) for leg, d in zip(legs, days, strict=True)]
    request: dict[str, Any] = {"flightItinerary": {"segments": segments}, "asOfDate": AS_OF}
    progress_items = []
    for program in rng.sample(sorted(world.tiers), min(2, len(world.tiers))):
        names = sorted(
            {
                part.metric_name
                for tier in world.tiers[program]
                for alt in tier.qualification or ()
                for part in ([alt] if isinstance(alt, MetricThreshold) else alt.all_of)
            }
        )
        if names:
            progress_items.append(
                {
                    "programId": program,
                    "metricName": rng.choice(names),
                    "currentValue": float(rng.randint(0, 5000)),
                }
            )
    if progress_items:
        request["currentEliteProgress"] = progress_items
    tier = _tier_of(world, rng) if rng.random() < 0.3 else None
    if tier is not None:
        request["currentTiers"] = [tier]
    if rng.random() < 0.5:
        programs = world.airline_programs
        request["targetLoyaltyPrograms"] = rng.sample(
            programs, min(rng.randint(3, 4), len(programs))
        )
    roll = rng.random()
    alliance_tiers = sorted(
        {t.alliance_tier for ts in world.tiers.values() for t in ts if t.alliance_tier}
    )
    if roll < 0.4 and alliance_tiers:
        request["goal"] = {"allianceTier": rng.choice(alliance_tiers)}
    elif roll < 0.7 and world.tiers:
        program = rng.choice(sorted(world.tiers))
        request["goal"] = {"programId": program, "tierId": rng.choice(world.tiers[program]).tier_id}
    return request


def knowledge_request(world: World, rng: random.Random) -> dict[str, Any]:
    airline_programs = world.airline_programs or sorted(world.programs)
    currencies = world.currency_programs or airline_programs
    program = world.programs[rng.choice(airline_programs)]
    source = world.programs[rng.choice(currencies)]
    a, b = rng.sample(world.hubs, 2)
    cabin = rng.choice(("economy", "business", "first"))
    airline = world.airlines[program.operator_airline_id or rng.choice(sorted(world.airlines))]
    other = world.airlines[rng.choice(sorted(world.airlines))]
    questions = (
        f"How do {source.name} points transfer to {program.name}?",
        f"What does a {cabin} award from {a} to {b} cost with {program.name}?",
        f"Which elite tiers does {program.name} have and what does each require?",
        f"Can I book {other.name} flights with {program.name} miles?",
        f"Is there a transfer bonus from {source.name} to {program.name} right now?",
        f"How many miles do I earn on {airline.name} in a discounted economy fare?",
        f"Which airlines fly {a} to {b}?",
    )
    request: dict[str, Any] = {"question": rng.choice(questions), "asOfDate": AS_OF}
    if rng.random() < 0.2:
        request["programIds"] = [program.program_id]
    if rng.random() < 0.3:
        request["limit"] = rng.choice((5, 20))
    return request


MAKERS: dict[str, Callable[[World, random.Random], dict[str, Any]]] = {
    AWARDS: award_request,
    EARNINGS: earnings_request,
    CREDITING: crediting_request,
    KNOWLEDGE: knowledge_request,
}


def result_size(tool: str, response: dict[str, Any]) -> int:
    key = {
        AWARDS: "awardOptions",
        EARNINGS: "earningOptions",
        CREDITING: "recommendations",
        KNOWLEDGE: "passages",
    }[tool]
    return len(response.get(key, ()))


# Timing.
@dataclass
class ToolRun:
    tool: str
    latencies_ms: list[float]
    requests: list[dict[str, Any]]
    errors: list[str]
    sizes: list[int]
    per_segment_ms: list[float] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "runs": len(self.latencies_ms),
            "errors": len(self.errors),
            "errorSamples": self.errors[:3],
            "latencyMs": {k: round(v, 3) for k, v in summary(self.latencies_ms).items()},
            "meanResults": round(sum(self.sizes) / len(self.sizes), 2) if self.sizes else 0,
        }
        if self.per_segment_ms:
            data["perSegmentMs"] = {k: round(v, 3) for k, v in summary(self.per_segment_ms).items()}
        return data


def time_tool(context: ToolContext, world: World, tool: str, runs: int, seed: int) -> ToolRun:
    rng = random.Random(f"{seed}:{tool}")
    requests = [MAKERS[tool](world, rng) for _ in range(runs + 1)]
    warmup, timed = requests[0], requests[1:]
    try:
        call_tool(context, tool, warmup)
    except Exception as exc:  # a failing tool is a result to report, not a crash
        progress(f"[yellow]warm-up of {tool} failed: {type(exc).__name__}: {exc}[/yellow]")
    run = ToolRun(tool, [], timed, [], [])
    gc.collect()
    for request in timed:
        start = time.perf_counter()
        try:
            response = call_tool(context, tool, request)
        except Exception as exc:  # counted and shown, never timed
            run.errors.append(f"{type(exc).__name__}: {exc}")
            continue
        elapsed = (time.perf_counter() - start) * 1000
        run.latencies_ms.append(elapsed)
        run.sizes.append(result_size(tool, response))
        if tool == EARNINGS:
            run.per_segment_ms.append(elapsed / len(request["flightItinerary"]["segments"]))
    return run


def profile_call(context: ToolContext, tool: str, request: dict[str, Any], top: int = 15) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    call_tool(context, tool, request)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("cumulative").print_stats(top)
    return out.getvalue()


@dataclass
class SetResult:
    build: Build
    runs: dict[str, ToolRun]
    profile: str | None = None
    profiled_request: dict[str, Any] | None = None


def bench_set(build_result: Build, runs: int, seed: int) -> tuple[SetResult, Any]:
    world = World.of(build_result.facts)
    graph = open_knowledge_base(build_result.kb_dir)
    context = ToolContext(KnowledgeRepository(graph))
    result = SetResult(build_result, {})
    for tool in TOOLS:
        progress(f"{build_result.name}: {tool} x{runs}")
        result.runs[tool] = time_tool(context, world, tool, runs, seed)
        s = summary(result.runs[tool].latencies_ms)
        progress(f"{build_result.name}: {tool} p50 {s['p50']:.1f} ms, p95 {s['p95']:.1f} ms")
    return result, (graph, context)


# Targets and output.
@dataclass(frozen=True)
class Target:
    name: str
    value: float
    limit: float
    unit: str

    @property
    def passed(self) -> bool:
        return self.value < self.limit

    def to_json(self) -> dict[str, Any]:
        return {
            "target": self.name,
            "value": round(self.value, 3),
            "limit": self.limit,
            "unit": self.unit,
            "pass": self.passed,
        }


def targets(results: dict[str, SetResult]) -> list[Target]:
    found = []
    if "sample" in results:
        sample = results["sample"]
        found.append(
            Target(
                "sample p50 per award analysis",
                summary(sample.runs[AWARDS].latencies_ms)["p50"],
                50,
                "ms",
            )
        )
        found.append(
            Target(
                "sample p50 per earnings segment",
                summary(sample.runs[EARNINGS].per_segment_ms)["p50"],
                5,
                "ms",
            )
        )
    if "large" in results:
        large = results["large"]
        found.append(
            Target(
                "large p50 per award analysis",
                summary(large.runs[AWARDS].latencies_ms)["p50"],
                300,
                "ms",
            )
        )
        found.append(Target("large graph build", large.build.total_s, 60, "s"))
    return found


def _ms(value: float) -> str:
    return "-" if math.isnan(value) else f"{value:,.1f}"


def render(console: Console, results: dict[str, SetResult], checks: list[Target]) -> None:
    builds = Table(title="Graph build", title_justify="left")
    for column in ("set", "facts", "nodes", "edges", "validate s", "rows s", "load s", "total s"):
        builds.add_column(column, justify="left" if column == "set" else "right")
    for name, r in results.items():
        b = r.build
        builds.add_row(
            name,
            f"{len(b.facts):,}",
            f"{b.nodes:,}",
            f"{b.edges:,}",
            f"{b.validate_s:.2f}",
            f"{b.rows_s:.2f}",
            f"{b.load_s:.2f}",
            f"{b.total_s:.2f}",
        )
    console.print(builds)
    for name, r in results.items():
        if r.build.generate_s is not None:
            console.print(
                f"  {name}: generated in {r.build.generate_s:.2f} s (not part of the build)"
            )
        if r.build.note:
            console.print(f"  {name}: {r.build.note}", soft_wrap=True)
        files = [Path(f) for f in r.build.files]
        where = str(files[0].parent) if len({f.parent for f in files}) == 1 else ""
        names = ", ".join(f.name if where else str(f) for f in files)
        console.print(f"  {name} facts: {where + ': ' if where else ''}{names}", soft_wrap=True)
    console.print()

    tools = Table(title="Tool latency (ms)", title_justify="left")
    for column in ("set", "tool", "runs", "errors", "p50", "p95", "mean", "max", "avg results"):
        tools.add_column(column, justify="left" if column in {"set", "tool"} else "right")
    for name, r in results.items():
        for tool, run in r.runs.items():
            s = summary(run.latencies_ms)
            tools.add_row(
                name,
                tool,
                str(len(run.latencies_ms)),
                str(len(run.errors)),
                _ms(s["p50"]),
                _ms(s["p95"]),
                _ms(s["mean"]),
                _ms(s["max"]),
                f"{sum(run.sizes) / len(run.sizes):.1f}" if run.sizes else "-",
            )
            if run.per_segment_ms:
                p = summary(run.per_segment_ms)
                tools.add_row(
                    name,
                    "  per earnings segment",
                    str(len(run.per_segment_ms)),
                    "",
                    _ms(p["p50"]),
                    _ms(p["p95"]),
                    _ms(p["mean"]),
                    _ms(p["max"]),
                    "",
                )
        tools.add_section()
    console.print(tools)
    console.print()

    table = Table(title="Targets (informational)", title_justify="left")
    for column in ("target", "measured", "limit", "result"):
        table.add_column(column, justify="left" if column == "target" else "right")
    for t in checks:
        unit = f" {t.unit}"
        measured = f"{t.value:,.2f}{unit}" if t.unit == "s" else f"{t.value:,.1f}{unit}"
        verdict = "[green]PASS[/green]" if t.passed else "[red]FAIL[/red]"
        table.add_row(t.name, measured, f"< {t.limit:g}{unit}", verdict)
    console.print(table)
    for name, r in results.items():
        for run in r.runs.values():
            for message in run.errors[:3]:
                console.print(f"  [yellow]{name} {run.tool} error:[/yellow] {message}")


def to_json(results: dict[str, SetResult], checks: list[Target], args: argparse.Namespace) -> Any:
    return {
        "asOfDate": AS_OF,
        "environment": {
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
        },
        "sets": {
            name: {
                "files": r.build.files,
                "note": r.build.note,
                "facts": len(r.build.facts),
                "nodes": r.build.nodes,
                "edges": r.build.edges,
                "buildSeconds": {
                    "generate": None
                    if r.build.generate_s is None
                    else round(r.build.generate_s, 3),
                    "validate": round(r.build.validate_s, 3),
                    "rows": round(r.build.rows_s, 3),
                    "load": round(r.build.load_s, 3),
                    "total": round(r.build.total_s, 3),
                },
                "tools": {tool: run.to_json() for tool, run in r.runs.items()},
                "profile": r.profile,
                "profiledRequest": r.profiled_request,
            }
            for name, r in results.items()
        },
        "targets": [t.to_json() for t in checks],
        "settings": {
            "sampleRuns": args.sample_runs,
            "largeRuns": args.large_runs,
            "seed": args.seed,
            "large": None
            if args.skip_large or args.large_facts is not None
            else dataclasses.asdict(generator.config_from_args(args, "large-")),
        },
    }


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sample-glob",
        default=DEFAULT_SAMPLE_GLOB,
        help=f"sample facts files, relative to the project root (default {DEFAULT_SAMPLE_GLOB})",
    )
    parser.add_argument(
        "--fallback-sample",
        type=Path,
        default=FALLBACK_SAMPLE,
        help="facts used when the sample glob matches nothing or does not validate",
    )
    parser.add_argument("--sample-runs", type=int, default=50, help="timed calls per tool")
    parser.add_argument("--large-runs", type=int, default=30, help="timed calls per tool")
    parser.add_argument("--seed", type=int, default=11, help="seed of the request draws")
    parser.add_argument(
        "--large-facts",
        type=Path,
        default=None,
        help="use this JSONL as the large set instead of generating one",
    )
    parser.add_argument("--skip-sample", action="store_true", help="benchmark the large set only")
    parser.add_argument("--skip-large", action="store_true", help="benchmark the sample only")
    parser.add_argument(
        "--profile",
        choices=("auto", "always", "never"),
        default="auto",
        help="cProfile one large award analysis (auto: when it misses its target)",
    )
    parser.add_argument(
        "--json",
        nargs="?",
        const="-",
        default=None,
        metavar="FILE",
        help="print a JSON document instead of the tables (or write it to FILE as well)",
    )
    parser.add_argument(
        "--work-dir",
        type=Path,
        default=None,
        help="keep the knowledge bases and the generated facts here (default: a temp dir)",
    )
    group = parser.add_argument_group("large set generator")
    generator.add_arguments(group, "large-")  # type: ignore[arg-type]
    return parser.parse_args(argv)


def run(args: argparse.Namespace, work: Path) -> int:
    results: dict[str, SetResult] = {}
    keep_open = []
    if not args.skip_sample:
        progress("sample: building the knowledge base")
        sample = build_sample(args.sample_glob, args.fallback_sample, work / "sample-kb")
        progress(
            f"sample: {len(sample.facts):,} facts, build {sample.total_s:.2f} s "
            f"(load {sample.load_s:.2f} s)"
        )
        result, handles = bench_set(sample, args.sample_runs, args.seed)
        results["sample"] = result
        keep_open.append(handles)
    if not args.skip_large:
        config = generator.config_from_args(args, "large-")
        generate_s = None
        if args.large_facts is not None:
            facts_path = args.large_facts
        else:
            facts_path = work / "large.jsonl"
            progress(f"large: generating {facts_path}")
            start = time.perf_counter()
            counts = generator.write_knowledge(facts_path, config)
            generate_s = time.perf_counter() - start
            progress(f"large: generated {sum(counts.values()):,} records in {generate_s:.2f} s")
        progress("large: building the knowledge base")
        large = build("large", [facts_path], work / "large-kb")
        large.generate_s = generate_s
        progress(
            f"large: {len(large.facts):,} facts, build {large.total_s:.2f} s "
            f"(load {large.load_s:.2f} s)"
        )
        result, handles = bench_set(large, args.large_runs, args.seed)
        results["large"] = result
        keep_open.append(handles)
        run_awards = result.runs[AWARDS]
        p50 = summary(run_awards.latencies_ms)["p50"]
        if args.profile == "always" or (args.profile == "auto" and p50 >= 300):
            # The request whose latency is closest to the median: a typical analysis.
            timed = [
                (lat, req)
                for lat, req in zip(run_awards.latencies_ms, run_awards.requests, strict=False)
            ]
            if run_awards.errors:
                timed = []
            request = (
                min(timed, key=lambda x: abs(x[0] - p50))[1] if timed else run_awards.requests[0]
            )
            progress("large: profiling one award analysis (cProfile, top 15 by cumulative time)")
            result.profile = profile_call(handles[1], AWARDS, request)
            result.profiled_request = request
    checks = targets(results)
    document = to_json(results, checks, args)
    if args.json is None or args.json != "-":
        render(Console(width=max(120, Console().width)), results, checks)
        for name, r in results.items():
            if r.profile:
                sys.stderr.write(f"\n{name}: profile of one award analysis\n")
                sys.stderr.write(json.dumps(r.profiled_request) + "\n")
                sys.stderr.write(r.profile)
    if args.json is not None:
        text = json.dumps(document, indent=2)
        if args.json == "-":
            print(text)
        else:
            Path(args.json).write_text(text + "\n")
    for graph, _ in keep_open:
        graph.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.work_dir is not None:
        args.work_dir.mkdir(parents=True, exist_ok=True)
        return run(args, args.work_dir)
    with tempfile.TemporaryDirectory(prefix="loyalty-bench-") as tmp:
        return run(args, Path(tmp))


if __name__ == "__main__":
    sys.exit(main())
