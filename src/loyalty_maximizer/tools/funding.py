"""Funding an award: which balances to spend and which transfers to make so that the
value spent is smallest (contracts/tools.md, analyze_award_redemption_strategies).

The search is a dynamic programme over the sources (in programId order) whose state is
the number of target points received so far, capped at the cost ``N``. Every allowed
transfer amount of a source is a candidate while there are at most ``EXHAUSTIVE_LIMIT`` of
them, which makes the result exact; above that, a source's candidates are the amounts near
the ends of its range and of each block-bonus step, a regular grid between them, and for
every state the exact amount that covers what is still missing.

Values are kept in integer millionths of a cent so that ties are exact.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from dataclasses import dataclass
from functools import cached_property

from loyalty_maximizer.tools.transfers import TransferLink

EXHAUSTIVE_LIMIT = 400
_EDGE_WINDOW = 8
_GRID = 24
MICRO = 1_000_000


def micro_cents(point_value_cents: float) -> int:
    return round(point_value_cents * MICRO)


@dataclass(frozen=True)
class TransferPath:
    """One way for a source's points to reach the target: one hop, or two through an
    intermediate program (counted as one transfer)."""

    hops: tuple[TransferLink, ...]

    @property
    def source(self) -> str:
        return self.hops[0].source

    @property
    def via(self) -> str:
        return self.hops[0].target if len(self.hops) == 2 else ""

    def delivered(self, x: int) -> int:
        """Target points that ``x`` source points can deliver at most."""
        received = self.hops[0].receive(x).received
        if len(self.hops) == 1:
            return received
        z = self.hops[1].largest_within(received)
        return self.hops[1].receive(z).received if z else 0

    def amounts(self, balance: int) -> range:
        first = self.hops[0]
        return range(first.smallest(), balance + 1, first.increment)

    def smallest_delivering(self, need: int, balance: int) -> int | None:
        """The smallest allowed amount up to ``balance`` delivering at least ``need``."""
        if len(self.hops) == 1:
            return self.hops[0].smallest_delivering(need, balance)
        amounts = self.amounts(balance)
        if not amounts or self.delivered(amounts[-1]) < need:
            return None
        lo, hi = 0, len(amounts) - 1
        while lo < hi:
            mid = (lo + hi) // 2
            if self.delivered(amounts[mid]) >= need:
                hi = mid
            else:
                lo = mid + 1
        return amounts[lo]


@dataclass(frozen=True)
class Source:
    """A balance the user may spend by transferring it to the target."""

    program_id: str
    balance: int
    value: int  # millionths of a cent per point
    paths: tuple[TransferPath, ...]
    # The most target points any funding will ask of this source: amounts that deliver
    # more are never candidates (the exact covering amount is found by search instead).
    need_cap: int | None = None

    def _sampled(self, path: TransferPath) -> list[int]:
        amounts = self.amounts_of(path)
        if len(amounts) <= EXHAUSTIVE_LIMIT:
            return list(amounts)
        picked = set(amounts[:_EDGE_WINDOW]) | set(amounts[-_EDGE_WINDOW:])
        # Grid points on the lattice where the ratio divides evenly waste no source points.
        first = path.hops[0].partnership
        lattice = math.lcm(
            amounts.step, first.ratio_from // math.gcd(first.ratio_from, first.ratio_to)
        )
        aligned = range(-(-amounts.start // lattice) * lattice, amounts.stop, lattice)
        step = max(1, len(aligned) // _GRID)
        picked.update(aligned[::step])
        block = path.hops[0].partnership.block_bonus
        if block is not None:
            every = block.every_source_points
            for boundary in range(every, amounts[-1] + 1, every):
                at = (boundary - amounts[0] + amounts.step - 1) // amounts.step
                picked.update(amounts[max(0, at - _EDGE_WINDOW) : at + _EDGE_WINDOW])
        return sorted(picked)

    def amounts_of(self, path: TransferPath) -> range:
        limit = self.balance
        if self.need_cap is not None:
            limit = path.smallest_delivering(self.need_cap, self.balance) or self.balance
        return path.amounts(limit)

    @cached_property
    def _delivered_order(self) -> list[int]:
        return [c[1] for c in self.candidates]

    def candidates_below(self, need: int) -> list[tuple[int, int, TransferPath]]:
        """Candidates delivering less than ``need`` (those delivering more are dominated by
        the cheapest one that covers it)."""
        return self.candidates[: bisect_left(self._delivered_order, need)]

    @cached_property
    def candidates(self) -> list[tuple[int, int, TransferPath]]:
        """(amount, delivered, path), Pareto-minimal: more delivered costs more points."""
        options = [(x, path.delivered(x), path) for path in self.paths for x in self._sampled(path)]
        options.sort(key=lambda o: (o[0], -o[1], o[2].via))
        kept: list[tuple[int, int, TransferPath]] = []
        best = 0
        for x, delivered, path in options:
            if delivered > best:
                kept.append((x, delivered, path))
                best = delivered
        return kept

    def most(self) -> tuple[int, int, TransferPath] | None:
        """The smallest amount delivering the most this balance can deliver (None when no
        allowed amount delivers anything)."""
        best: tuple[int, int, TransferPath] | None = None
        for path in self.paths:
            amounts = path.amounts(self.balance)
            if not amounts:
                continue
            top = path.delivered(amounts[-1])
            x = path.smallest_delivering(top, self.balance) if top > 0 else None
            if x is None:
                continue
            if best is None or (-top, x, path.via) < (-best[1], best[0], best[2].via):
                best = (x, top, path)
        return best

    def cover(self, need: int) -> tuple[int, int, TransferPath] | None:
        """The cheapest candidate delivering at least ``need`` over all paths."""
        best: tuple[int, int, TransferPath] | None = None
        for path in self.paths:
            x = path.smallest_delivering(need, self.balance)
            if x is not None and (best is None or (x, path.via) < (best[0], best[2].via)):
                best = (x, path.delivered(x), path)
        return best


PlanStep = tuple[str, str, int]  # (source programId, intermediate or "", source points)


@dataclass(frozen=True)
class _State:
    cost: int
    transfers: int
    points: int
    plan: tuple[PlanStep, ...]

    def key(self) -> tuple[int, int, int, tuple[PlanStep, ...]]:
        return (self.cost, self.transfers, self.points, self.plan)

    def dominates(self, other: _State) -> bool:
        return (
            self.cost <= other.cost
            and self.transfers <= other.transfers
            and self.points <= other.points
            and self.plan <= other.plan
        )


@dataclass(frozen=True)
class Hop:
    from_program: str
    to_program: str
    points_moved: int
    points_received: int
    bonus_applied: int


@dataclass(frozen=True)
class Funding:
    feasible: bool
    shortfall: int
    own_points_used: int
    value: int  # millionths of a cent
    source_points: dict[str, int]
    hops: tuple[Hop, ...]

    @property
    def transfers(self) -> int:
        return len({h.from_program for h in self.hops if h.from_program in self.source_points})


def _prune(states: dict[int, _State]) -> dict[int, _State]:
    """Drop states that a state receiving at least as much dominates.

    Each state is compared with the cheapest state kept so far (they all receive more):
    dropping only what that one dominates keeps the search exact and linear in the number
    of states, at the price of keeping a few dominated states."""
    kept: dict[int, _State] = {}
    cheapest: _State | None = None
    for received in sorted(states, reverse=True):
        state = states[received]
        if cheapest is not None and cheapest.dominates(state):
            continue
        kept[received] = state
        if cheapest is None or state.key() < cheapest.key():
            cheapest = state
    return kept


def _hops(
    plan: tuple[PlanStep, ...], sources: dict[str, Source], cost: int, target: str
) -> tuple[Hop, ...]:
    paths = {}
    delivered = {}
    for source_id, via, x in plan:
        path = next(p for p in sources[source_id].paths if p.via == via)
        paths[source_id] = path
        delivered[source_id] = path.delivered(x)
    # A chain delivers what the plan still lacks once the steps before it have delivered
    # (what they actually moved on) and the steps after it deliver their most.
    pending = sum(delivered.values())
    arrived = 0
    hops: list[Hop] = []
    for source_id, via, x in plan:
        first = paths[source_id].hops[0]
        receipt = first.receive(x)
        hops.append(Hop(source_id, first.target, x, receipt.received, receipt.bonus))
        pending -= delivered[source_id]
        if via:
            second = paths[source_id].hops[1]
            must = max(0, min(delivered[source_id], cost - arrived - pending))
            z = second.smallest_delivering(must, receipt.received) or second.smallest()
            onward = second.receive(z)
            hops.append(Hop(via, target, z, onward.received, onward.bonus))
            arrived += onward.received
        else:
            arrived += receipt.received
    return tuple(hops)


def fund(
    target: str,
    cost: int,
    own_balance: int,
    own_value: int,
    sources: list[Source],
) -> Funding:
    """The funding of ``cost`` target points that minimises value spent (see module doc)."""
    by_id = {s.program_id: s for s in sources}
    most = {s.program_id: s.most() for s in sources}
    if own_balance + sum(m[1] for m in most.values() if m) < cost:
        # Even every balance moved at its most falls short: the largest coverage needs each
        # source at its most, and the cheapest such plan moves the fewest points for it.
        plan = tuple(
            (source_id, path.via, x)
            for source_id, m in sorted(most.items())
            if m is not None
            for x, _, path in (m,)
        )
        received = sum(m[1] for m in most.values() if m)
        return Funding(
            feasible=False,
            shortfall=cost - received - own_balance,
            own_points_used=own_balance,
            value=sum(by_id[s].value * x for s, _, x in plan) + own_balance * own_value,
            source_points={s: x for s, _, x in plan},
            hops=_hops(plan, by_id, cost, target),
        )
    states: dict[int, _State] = {0: _State(0, 0, 0, ())}
    # The value of the best feasible plan found so far: no state that has already spent
    # more can end better (value spent only grows), so it is dropped. Exact, and it stops
    # the search early in the common case where one transfer covers the cost.
    bound = cost * own_value if own_balance >= cost else None
    for source in sorted(sources, key=lambda s: s.program_id):
        grown: dict[int, _State] = dict(states)
        for received, state in states.items():
            need = cost - received
            if need <= 0:
                continue
            options = source.candidates_below(need)
            for threshold in (need, need - own_balance):
                covering = source.cover(threshold) if threshold > 0 else None
                if covering is not None:
                    options = [*options, covering]
            for x, delivered, path in options:
                spent = state.cost + x * source.value
                if bound is not None and spent > bound:
                    break  # options grow in amount, so every later one spends more
                reached = received + delivered
                if reached > cost:
                    reached = cost
                current = grown.get(reached)
                if current is not None and current.cost < spent:
                    continue
                candidate = _State(
                    spent,
                    state.transfers + 1,
                    state.points + x,
                    (*state.plan, (source.program_id, path.via, x)),
                )
                if current is None or candidate.key() < current.key():
                    grown[reached] = candidate
        for received, state in grown.items():
            if cost - received <= own_balance:
                value = state.cost + (cost - received) * own_value
                bound = value if bound is None else min(bound, value)
        if bound is not None:
            grown = {r: s for r, s in grown.items() if s.cost <= bound}
        states = _prune(grown)

    feasible = [(r, s) for r, s in states.items() if cost - r <= own_balance]
    if feasible:

        def total(item: tuple[int, _State]) -> tuple[int, int, int, tuple[PlanStep, ...]]:
            r, s = item
            return (s.cost + (cost - r) * own_value, s.transfers, s.points, s.plan)

        received, state = min(feasible, key=total)
        own_used = cost - received
        shortfall = 0
    else:

        def coverage_then_value(
            item: tuple[int, _State],
        ) -> tuple[int, int, int, int, tuple[PlanStep, ...]]:
            r, s = item
            return (-r, s.cost, s.transfers, s.points, s.plan)

        received, state = min(states.items(), key=coverage_then_value)
        own_used = own_balance
        shortfall = cost - received - own_balance
    return Funding(
        feasible=shortfall == 0,
        shortfall=shortfall,
        own_points_used=own_used,
        value=state.cost + own_used * own_value,
        source_points={source_id: x for source_id, _, x in state.plan},
        hops=_hops(state.plan, by_id, cost, target),
    )
