"""recommend_crediting_program: where to credit flights to reach or keep a status
(contracts/tools.md)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from loyalty_maximizer.errors import InvalidRequest
from loyalty_maximizer.facts.models import AllOf, EliteTier, MetricThreshold
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.tools.earnings import ProgramEarning, check_programs, earn, held_tiers
from loyalty_maximizer.tools.requests import AllianceGoal, CreditingRequest, TierGoal


def _parts(alternative: MetricThreshold | AllOf) -> list[MetricThreshold]:
    return alternative.all_of if isinstance(alternative, AllOf) else [alternative]


def _fraction(alternative: MetricThreshold | AllOf, values: dict[str, float]) -> float:
    return min(min(1.0, values.get(p.metric_name, 0.0) / p.threshold) for p in _parts(alternative))


def qualifies(tier: EliteTier, values: dict[str, float]) -> bool:
    return any(_fraction(a, values) >= 1.0 for a in tier.qualification or ())


@dataclass(frozen=True)
class Progress:
    tier: EliteTier
    fraction: float
    remaining: list[tuple[str, float]]


def next_tier_progress(
    tiers: Sequence[EliteTier], reached: EliteTier | None, values: dict[str, float]
) -> Progress | None:
    above = [t for t in tiers if reached is None or t.rank > reached.rank]
    if not above:
        return None
    nxt = min(above, key=lambda t: t.rank)
    best: tuple[float, MetricThreshold | AllOf] | None = None
    for alternative in nxt.qualification or ():
        fraction = _fraction(alternative, values)
        if best is None or fraction > best[0]:
            best = (fraction, alternative)
    if best is None:
        return Progress(nxt, 0.0, [])
    remaining = [
        (p.metric_name, max(0.0, p.threshold - values.get(p.metric_name, 0.0)))
        for p in _parts(best[1])
    ]
    return Progress(nxt, best[0], remaining)


def _number(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 6)


@dataclass(frozen=True)
class _Candidate:
    earning: ProgramEarning
    values: dict[str, float]
    reached: EliteTier | None
    progress: Progress | None
    goal_reached: bool

    @property
    def value(self) -> float:
        return self.earning.redeemable * self.earning.program.value_cents

    def sort_key(self) -> tuple[Any, ...]:
        return (
            not self.goal_reached,
            -(self.reached.rank if self.reached else 0),
            -(self.progress.fraction if self.progress else 0.0),
            -self.value,
            self.earning.program.program_id,
        )


def _goal_met(
    goal: AllianceGoal | TierGoal | None,
    program_id: str,
    tiers: Sequence[EliteTier],
    reached: EliteTier | None,
) -> bool:
    if goal is None or reached is None:
        return False
    if isinstance(goal, AllianceGoal):
        carrying = [t.rank for t in tiers if t.alliance_tier == goal.alliance_tier]
        return bool(carrying) and reached.rank >= min(carrying)
    if goal.program_id != program_id:
        return False
    target = next((t for t in tiers if t.tier_id == goal.tier_id), None)
    return target is not None and reached.rank >= target.rank


def _rationale(c: _Candidate, goal: AllianceGoal | TierGoal | None) -> str:
    program = c.earning.program
    text = f"Crediting to {program.name} earns {c.earning.redeemable:,} {program.currency_name}"
    earned = c.earning.metrics()
    if earned:
        text += " and " + ", ".join(f"{v:,} {k}" for k, v in sorted(earned.items()))
    text += "; " + (f"that reaches {c.reached.name}" if c.reached else "that reaches no elite tier")
    if goal is not None:
        text += " (goal reached)" if c.goal_reached else " (goal not reached)"
    if c.progress is not None:
        missing = ", ".join(f"{_number(r):,} {m}" for m, r in c.progress.remaining if r > 0)
        text += f"; {c.progress.tier.name} is {c.progress.fraction:.0%} of the way"
        if missing:
            text += f" ({missing} to go)"
    return text + "."


def recommend_crediting_program(
    repo: KnowledgeRepository, request: CreditingRequest
) -> dict[str, Any]:
    check_programs(repo, request.target_loyalty_programs, "targetLoyaltyPrograms")
    held = held_tiers(repo, request.current_tiers, "currentTiers")
    for i, p in enumerate(request.current_elite_progress):
        if p.program_id not in repo.programs:
            where = f"currentEliteProgress[{i}].programId"
            raise InvalidRequest(f'{where}: unknown program "{p.program_id}"', where)
    goal = request.goal
    if isinstance(goal, TierGoal):
        if goal.program_id not in repo.programs:
            raise InvalidRequest(
                f'goal.programId: unknown program "{goal.program_id}"', "goal.programId"
            )
        if not any(t.tier_id == goal.tier_id for t in repo.elite_tiers([goal.program_id])):
            raise InvalidRequest(
                f'goal.tierId: program "{goal.program_id}" has no tier "{goal.tier_id}"',
                "goal.tierId",
            )
    earnings = earn(
        repo, request.flight_itinerary, request.target_loyalty_programs, held, request.today()
    )
    tiers_by_program: dict[str, list[EliteTier]] = defaultdict(list)
    for tier in repo.elite_tiers([e.program.program_id for e in earnings]):
        tiers_by_program[tier.program_id].append(tier)
    current: dict[str, dict[str, float]] = defaultdict(dict)
    for p in request.current_elite_progress:
        current[p.program_id][p.metric_name] = (
            current[p.program_id].get(p.metric_name, 0.0) + p.current_value
        )
    candidates = []
    for e in earnings:
        program_id = e.program.program_id
        tiers = sorted(tiers_by_program[program_id], key=lambda t: t.rank)
        values: dict[str, float] = dict(current[program_id])
        for name, value in e.metrics().items():
            values[name] = values.get(name, 0.0) + value
        for tier in tiers:
            for alternative in tier.qualification or ():
                for part in _parts(alternative):
                    values.setdefault(part.metric_name, 0.0)
        reached = max(
            (t for t in tiers if qualifies(t, values)), key=lambda t: t.rank, default=None
        )
        candidates.append(
            _Candidate(
                e,
                values,
                reached,
                next_tier_progress(tiers, reached, values),
                _goal_met(goal, program_id, tiers, reached),
            )
        )
    candidates.sort(key=_Candidate.sort_key)
    recommendations = [
        {
            "programId": c.earning.program.program_id,
            "tierReached": c.reached.tier_id if c.reached else None,
            "goalReached": c.goal_reached,
            "metricsAfter": [
                {"metricName": k, "value": _number(v)} for k, v in sorted(c.values.items())
            ],
            "progressToNextTier": None
            if c.progress is None
            else {
                "tierId": c.progress.tier.tier_id,
                "fraction": round(c.progress.fraction, 6),
                "remaining": [
                    {"metricName": m, "remaining": _number(r)} for m, r in c.progress.remaining
                ],
            },
            "redeemableEarned": c.earning.redeemable,
            "rationale": _rationale(c, goal),
        }
        for c in candidates
    ]
    if recommendations:
        best = candidates[0].earning.program.name
        summary = f"Credit these flights to {best}: {recommendations[0]['rationale']}"
    else:
        summary = "No program in the knowledge base has an earning rule for these flights."
    return {"recommendations": recommendations, "summaryAdvice": summary}
