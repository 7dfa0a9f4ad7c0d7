"""Funding an award (contracts/tools.md, analyze_award_redemption_strategies): the plan that
minimises the value spent, its tie-breaks, infeasible plans, and two-hop chains; checked on
hand-made cases and, with hypothesis, against a brute-force solver."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from fractions import Fraction
from typing import Any
from unittest import mock

import pytest
from hypothesis import Phase, example, given, settings
from hypothesis import strategies as st

from loyalty_maximizer.facts.models import TransferPartnership
from loyalty_maximizer.tools import funding
from loyalty_maximizer.tools.funding import (
    Funding,
    Hop,
    Source,
    TransferPath,
    fund,
    micro_cents,
)
from loyalty_maximizer.tools.transfers import TransferLink

CENT = 1_000_000  # fund() counts value in millionths of a cent


def link(
    source: str, target: str = "T", percent: Fraction | int = 0, **fields: Any
) -> TransferLink:
    record = {"fromProgramId": source, "toProgramId": target, "ratioFrom": 1, "ratioTo": 1}
    record.update(fields)
    return TransferLink(
        TransferPartnership.model_validate_json(json.dumps(record)), Fraction(percent)
    )


def one_hop(source: str, **fields: Any) -> TransferPath:
    return TransferPath((link(source, **fields),))


def thousands(source: str, **fields: Any) -> TransferPath:
    """A 1:1 partnership moving whole thousands (minimum 1,000)."""
    return one_hop(source, minimumTransfer=1000, transferIncrement=1000, **fields)


def src(program_id: str, balance: int, value_cents: float, *paths: TransferPath) -> Source:
    return Source(program_id, balance, micro_cents(value_cents), paths)


# --- value in micro-cents ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("cents", "micro"), [(1.0, 1_000_000), (1.35, 1_350_000), (2.05, 2_050_000), (0.7, 700_000)]
)
def test_micro_cents__is_exact_for_decimal_values(cents: float, micro: int) -> None:
    # GIVEN a point value with float noise (2.05 * 1e6 = 2049999.9999...)  THEN exact micro-cents
    assert micro_cents(cents) == micro


# --- the cheapest funding ---------------------------------------------------------------------


def test_fund__own_points_only() -> None:
    # GIVEN 60,000 own points worth 1.5 cents and no transfer source
    # WHEN 50,000 are needed
    result = fund("T", 50_000, 60_000, micro_cents(1.5), [])
    # THEN 50,000 own points are used for 75,000 cents
    assert result.feasible is True
    assert result.shortfall == 0
    assert result.own_points_used == 50_000
    assert result.value == 75_000 * CENT
    assert result.source_points == {}
    assert result.hops == ()


def test_fund__transfers_when_the_source_is_cheaper() -> None:
    # GIVEN own points worth 2.0 cents and a 1:1 source worth 1.0
    sources = [src("BANK", 100_000, 1.0, thousands("BANK"))]
    # WHEN 50,000 are needed
    result = fund("T", 50_000, 100_000, micro_cents(2.0), sources)
    # THEN 50,000 move from BANK and no own point is used: 50,000 x 1.0 cents
    assert result.own_points_used == 0
    assert result.source_points == {"BANK": 50_000}
    assert result.value == 50_000 * CENT
    assert result.hops == (Hop("BANK", "T", 50_000, 50_000, 0),)
    assert result.transfers == 1


def test_fund__keeps_own_points_when_they_are_cheaper() -> None:
    # GIVEN own points worth 0.8 cents and a 1:1 source worth 1.0
    sources = [src("BANK", 100_000, 1.0, thousands("BANK"))]
    # WHEN 50,000 are needed  THEN own points only: 50,000 x 0.8 = 40,000 cents
    result = fund("T", 50_000, 100_000, micro_cents(0.8), sources)
    assert result.source_points == {}
    assert result.own_points_used == 50_000
    assert result.value == 40_000 * CENT


def test_fund__value_spent_adds_own_points_and_every_source() -> None:
    # GIVEN own points at 1.2 cents, A 1:1 at 1.0 and B 1:2 at 1.5 (0.75 per target point)
    sources = [
        src("A", 10_000, 1.0, thousands("A")),
        src("B", 10_000, 1.5, thousands("B", ratioTo=2)),
    ]
    # WHEN 30,000 are needed
    result = fund("T", 30_000, 50_000, micro_cents(1.2), sources)
    # THEN B's 10,000 bring 20,000 (15,000 cents) and A's 10,000 the rest (10,000 cents)
    assert result.source_points == {"A": 10_000, "B": 10_000}
    assert result.own_points_used == 0
    assert result.value == 25_000 * CENT
    assert result.transfers == 2


def test_fund__mixes_all_of_a_cheap_source_with_own_points() -> None:
    # GIVEN 20,000 own points at 2.0 and 30,000 source points at 1.0
    sources = [src("BANK", 30_000, 1.0, thousands("BANK"))]
    # WHEN 45,000 are needed
    result = fund("T", 45_000, 20_000, micro_cents(2.0), sources)
    # THEN 30,000 move and 15,000 own points are used: 30,000 + 15,000 x 2 = 60,000 cents
    assert result.source_points == {"BANK": 30_000}
    assert result.own_points_used == 15_000
    assert result.value == 60_000 * CENT


def test_fund__points_received_beyond_the_cost_are_not_spent() -> None:
    # GIVEN expensive own points (3.0) and a source moving whole thousands at 1.0
    sources = [src("BANK", 100_000, 1.0, thousands("BANK"))]
    # WHEN 45,500 are needed
    result = fund("T", 45_500, 100_000, micro_cents(3.0), sources)
    # THEN 46,000 move (46,000 cents), beating 45,000 + 500 own points (46,500 cents);
    # the 500 extra target points are not counted and no own point is used
    assert result.source_points == {"BANK": 46_000}
    assert result.hops == (Hop("BANK", "T", 46_000, 46_000, 0),)
    assert result.own_points_used == 0
    assert result.value == 46_000 * CENT


def test_fund__tops_up_with_own_points_when_that_is_cheaper_than_overshooting() -> None:
    # GIVEN own points at 1.2 and a source moving whole thousands at 1.0
    sources = [src("BANK", 100_000, 1.0, thousands("BANK"))]
    # WHEN 45,500 are needed
    result = fund("T", 45_500, 100_000, micro_cents(1.2), sources)
    # THEN 45,000 move and 500 own points are used: 45,000 + 600 = 45,600 cents (< 46,000)
    assert result.source_points == {"BANK": 45_000}
    assert result.own_points_used == 500
    assert result.value == 45_600 * CENT


def test_fund__counts_the_transfer_bonus_as_received_points() -> None:
    # GIVEN a 1:1 source with a 30% bonus and no own points
    sources = [src("BANK", 100_000, 2.0, thousands("BANK", percent=30))]
    # WHEN 13,000 are needed
    result = fund("T", 13_000, 0, micro_cents(1.0), sources)
    # THEN 10,000 move and bring 13,000, 3,000 of them bonus
    assert result.hops == (Hop("BANK", "T", 10_000, 13_000, 3_000),)
    assert result.value == 20_000 * CENT


# --- tie-breaks -----------------------------------------------------------------------------


def test_fund__tie_prefers_fewer_transfers() -> None:
    # GIVEN own points and a 1:1 source both worth 1.0
    sources = [src("BANK", 10_000, 1.0, thousands("BANK"))]
    # WHEN 10,000 are needed (10,000 cents either way)  THEN no transfer
    result = fund("T", 10_000, 10_000, micro_cents(1.0), sources)
    assert result.source_points == {}
    assert result.own_points_used == 10_000
    assert result.hops == ()


def test_fund__tie_prefers_fewer_source_points() -> None:
    # GIVEN A_SRC 1:1 at 1.0 and Z_SRC 1:2 at 2.0: 10,000 target points cost 10,000 cents each
    sources = [
        src("A_SRC", 10_000, 1.0, thousands("A_SRC")),
        src("Z_SRC", 10_000, 2.0, thousands("Z_SRC", ratioTo=2)),
    ]
    # WHEN 10,000 are needed  THEN Z_SRC, moving 5,000 points instead of 10,000
    result = fund("T", 10_000, 0, micro_cents(1.0), sources)
    assert result.source_points == {"Z_SRC": 5_000}
    assert result.value == 10_000 * CENT


@pytest.mark.parametrize(
    ("first", "second", "winner"),
    [("B_SRC", "A_SRC", "A_SRC"), ("a_src", "B_SRC", "B_SRC")],  # code points: "B" < "a"
)
def test_fund__tie_prefers_the_smallest_program_id(first: str, second: str, winner: str) -> None:
    # GIVEN two identical 1:1 sources at 1.0
    sources = [
        src(first, 10_000, 1.0, thousands(first)),
        src(second, 10_000, 1.0, thousands(second)),
    ]
    # WHEN 10,000 are needed  THEN the source whose programId is smaller in code-point order
    result = fund("T", 10_000, 0, micro_cents(5.0), sources)
    assert result.source_points == {winner: 10_000}


# --- infeasible -------------------------------------------------------------------------------


def test_fund__infeasible_reports_the_shortfall_of_the_largest_coverage() -> None:
    # GIVEN 1,000 own points and 5,500 source points moving in thousands
    sources = [src("BANK", 5_500, 1.0, thousands("BANK"))]
    # WHEN 10,000 are needed
    result = fund("T", 10_000, 1_000, micro_cents(1.0), sources)
    # THEN at most 5,000 + 1,000 = 6,000 are covered: short by 4,000, 6,000 cents spent
    assert result.feasible is False
    assert result.shortfall == 4_000
    assert result.source_points == {"BANK": 5_000}
    assert result.own_points_used == 1_000
    assert result.value == 6_000 * CENT


def test_fund__infeasible_values_the_cheapest_funding_with_that_coverage() -> None:
    # GIVEN 3,002 points of a 3:1 source moving single points from 3
    sources = [src("HOTEL", 3_002, 1.0, one_hop("HOTEL", ratioFrom=3, transferIncrement=1))]
    # WHEN 5,000 are needed
    result = fund("T", 5_000, 0, micro_cents(1.0), sources)
    # THEN 1,000 is the most it covers; 3,000 points reach it (3,002 would bring no more)
    assert result.feasible is False
    assert result.shortfall == 4_000
    assert result.source_points == {"HOTEL": 3_000}
    assert result.value == 3_000 * CENT


def test_fund__nothing_available_is_short_by_the_whole_cost() -> None:
    # GIVEN no own points and a source below its minimum
    sources = [src("BANK", 999, 1.0, thousands("BANK"))]
    # WHEN 5,000 are needed  THEN short by 5,000 and nothing spent
    result = fund("T", 5_000, 0, micro_cents(1.0), sources)
    assert (result.feasible, result.shortfall, result.value) == (False, 5_000, 0)
    assert result.hops == ()


# --- two-hop chains ----------------------------------------------------------------------------


def chain(source: str, via: str, **second: Any) -> TransferPath:
    """source -> via 1:1 in thousands, then via -> T 1:1 from 1,000 (second hop's terms)."""
    first = link(source, via, minimumTransfer=1000, transferIncrement=1000)
    onward = {"minimumTransfer": 1000, "transferIncrement": 500, **second}
    return TransferPath((first, link(via, **onward)))


def test_fund__two_hop_chain_moves_the_smallest_allowed_amount_onward() -> None:
    # GIVEN SRC (2.0 cents) -> MID in thousands, MID -> T in hundreds from 1,000
    sources = [src("SRC", 5_000, 2.0, chain("SRC", "MID", transferIncrement=100))]
    # WHEN 2,250 are needed
    result = fund("T", 2_250, 0, micro_cents(1.0), sources)
    # THEN 3,000 go to MID and 2,300 of them on to T (700 stay in MID); one transfer,
    # valued on the 3,000 source points only
    assert result.hops == (Hop("SRC", "MID", 3_000, 3_000, 0), Hop("MID", "T", 2_300, 2_300, 0))
    assert result.transfers == 1
    assert result.source_points == {"SRC": 3_000}
    assert result.value == 6_000 * CENT


def test_fund__two_hop_chain_delivers_only_what_own_points_do_not_cover() -> None:
    # GIVEN 500 own points at 1.0 and SRC (2.0) reaching T through MID
    sources = [src("SRC", 5_000, 2.0, chain("SRC", "MID"))]
    # WHEN 2,500 are needed
    result = fund("T", 2_500, 500, micro_cents(1.0), sources)
    # THEN 2,000 move through MID and own points pay 500: 4,000 + 500 cents (not 3,000 x 2)
    assert result.hops == (Hop("SRC", "MID", 2_000, 2_000, 0), Hop("MID", "T", 2_000, 2_000, 0))
    assert result.own_points_used == 500
    assert result.value == 4_500 * CENT


def test_fund__intermediate_balance_is_a_separate_one_hop_source() -> None:
    # GIVEN MID's own 1,000 points (0.5 cents) and SRC (2.0) whose chain runs through MID
    sources = [
        src("MID", 1_000, 0.5, one_hop("MID", minimumTransfer=1000, transferIncrement=500)),
        src("SRC", 5_000, 2.0, chain("SRC", "MID")),
    ]
    # WHEN 2,500 are needed
    result = fund("T", 2_500, 0, micro_cents(3.0), sources)
    # THEN MID moves its 1,000 and SRC's chain delivers the other 1,500 (z = 1,500):
    # 500 + 4,000 cents; two transfers, the chain's value counted on SRC's 2,000 only
    assert result.hops == (
        Hop("MID", "T", 1_000, 1_000, 0),
        Hop("SRC", "MID", 2_000, 2_000, 0),
        Hop("MID", "T", 1_500, 1_500, 0),
    )
    assert result.source_points == {"MID": 1_000, "SRC": 2_000}
    assert result.transfers == 2
    assert result.value == 4_500 * CENT


def test_fund__two_chains_together_deliver_the_whole_cost() -> None:
    # GIVEN SRC1 (1,000) and SRC2 (2,000) both reaching T through MID, MID -> T in hundreds
    sources = [
        src("SRC1", 1_000, 1.0, chain("SRC1", "MID", minimumTransfer=100, transferIncrement=100)),
        src("SRC2", 2_000, 1.0, chain("SRC2", "MID", minimumTransfer=100, transferIncrement=100)),
    ]
    # WHEN 2,500 are needed (only both chains together reach it)
    result = fund("T", 2_500, 0, micro_cents(1.0), sources)
    # THEN SRC1's 1,000 and SRC2's 2,000 go to MID, and what moves on to T adds up to 2,500
    # (each chain sizing its onward transfer as if the other moved on all it could would
    # send only 500 + 1,500)
    assert result.source_points == {"SRC1": 1_000, "SRC2": 2_000}
    assert result.own_points_used == 0
    onward = [h.points_received for h in result.hops if h.to_program == "T"]
    assert sum(onward) == 2_500
    assert result.hops == (
        Hop("SRC1", "MID", 1_000, 1_000, 0),
        Hop("MID", "T", 500, 500, 0),
        Hop("SRC2", "MID", 2_000, 2_000, 0),
        Hop("MID", "T", 2_000, 2_000, 0),
    )


def test_fund__sources_do_not_pool_in_an_intermediate() -> None:
    # GIVEN 1,000 in MID and 1,000 in SRC, and MID -> T needing at least 2,000
    sources = [
        src("MID", 1_000, 1.0, one_hop("MID", minimumTransfer=2000, transferIncrement=1000)),
        src("SRC", 1_000, 1.0, chain("SRC", "MID", minimumTransfer=2000, transferIncrement=1000)),
    ]
    # WHEN 2,000 are needed  THEN neither reaches T alone, and they may not be pooled in MID
    result = fund("T", 2_000, 0, micro_cents(1.0), sources)
    assert result.feasible is False
    assert result.shortfall == 2_000


# --- property: fund() equals a brute-force search ------------------------------------------------


@dataclass(frozen=True)
class Terms:
    program_id: str
    balance: int
    value: float
    ratio_from: int
    ratio_to: int
    minimum: int
    increment: int
    block: tuple[int, int] | None
    percent: Fraction


@dataclass(frozen=True)
class Instance:
    cost: int
    own_balance: int
    own_value: float
    sources: tuple[Terms, ...]


VALUES = [0.5, 1.0, 1.25, 1.5, 2.0]
PERCENTS = [Fraction(0), Fraction(10), Fraction(25), Fraction(50), Fraction("12.5")]


@st.composite
def instances(draw: st.DrawFn) -> Instance:
    ids = draw(
        st.lists(st.sampled_from(["A_SRC", "B_SRC", "a_src", "M_SRC"]), min_size=1, max_size=3)
    )
    terms = []
    for program_id in dict.fromkeys(ids):
        increment = draw(st.sampled_from([1, 2, 3, 5]))
        minimum = draw(st.integers(1, 3 * increment))
        block = draw(st.none() | st.tuples(st.integers(2, 15), st.integers(1, 5)))
        terms.append(
            Terms(
                program_id,
                balance=draw(st.integers(0, minimum + 18 * increment)),
                value=draw(st.sampled_from(VALUES)),
                ratio_from=draw(st.integers(1, 4)),
                ratio_to=draw(st.integers(1, 4)),
                minimum=minimum,
                increment=increment,
                block=block,
                percent=draw(st.sampled_from(PERCENTS)),
            )
        )
    return Instance(
        cost=draw(st.integers(1, 120)),
        own_balance=draw(st.integers(0, 40)),
        own_value=draw(st.sampled_from(VALUES)),
        sources=tuple(terms),
    )


def _received(t: Terms, x: int) -> int:
    """facts.md, Transfers, written out independently of transfers.py."""
    base = x * t.ratio_to // t.ratio_from
    block = x // t.block[0] * t.block[1] if t.block else 0
    bonus = base * t.percent.numerator // (100 * t.percent.denominator)
    return base + block + bonus


@dataclass(frozen=True)
class Best:
    feasible: bool
    shortfall: int
    value: int
    transfers: int
    source_points: dict[str, int]


@dataclass(frozen=True)
class Onward:
    """The terms of MID -> T, the second hop of every chain."""

    ratio_from: int
    ratio_to: int
    minimum: int
    increment: int

    def delivered(self, y: int) -> int:
        """What y points in MID can deliver at most: the largest allowed z <= y, moved on."""
        z = y // self.increment * self.increment
        return z * self.ratio_to // self.ratio_from if z >= self.minimum else 0


def _allowed(t: Terms) -> list[int]:
    return [x for x in range(1, t.balance + 1) if x >= t.minimum and x % t.increment == 0]


def brute_force(
    instance: Instance, chained: frozenset[str] = frozenset(), onward: Onward | None = None
) -> Best:
    """Every allowed amount (0 included) of every source, one hop or (for the sources in
    ``chained``) through MID then ``onward``; the objective and tie-breaks of tools.md."""
    terms = sorted(instance.sources, key=lambda t: t.program_id)

    def delivered(t: Terms, x: int) -> int:
        y = _received(t, x)
        return onward.delivered(y) if onward is not None and t.program_id in chained else y

    choices = [[(0, 0), *((x, delivered(t, x)) for x in _allowed(t))] for t in terms]
    own_value = micro_cents(instance.own_value)
    feasible: list[tuple[Any, ...]] = []
    infeasible: list[tuple[Any, ...]] = []
    for picks in itertools.product(*choices):
        received = sum(d for _, d in picks)
        moved = sum(x * micro_cents(t.value) for t, (x, _) in zip(terms, picks, strict=True))
        plan = tuple(
            (t.program_id, "MID" if t.program_id in chained else "", x)
            for t, (x, _) in zip(terms, picks, strict=True)
            if x
        )
        transfers, points = len(plan), sum(x for x, _ in picks)
        if received + instance.own_balance >= instance.cost:
            own = max(0, instance.cost - received)
            feasible.append((moved + own * own_value, transfers, points, plan))
        else:
            value = moved + instance.own_balance * own_value
            coverage = received + instance.own_balance
            infeasible.append((-coverage, value, transfers, points, plan))
    if feasible:
        value, transfers, _, plan = min(feasible)
        return Best(True, 0, value, transfers, {p: x for p, _, x in plan})
    minus_coverage, value, transfers, _, plan = min(infeasible)
    shortfall = instance.cost + minus_coverage
    return Best(False, shortfall, value, transfers, {p: x for p, _, x in plan})


def fund_instance(
    instance: Instance, chained: frozenset[str] = frozenset(), onward: Onward | None = None
) -> Funding:
    sources = []
    for t in instance.sources:
        fields: dict[str, Any] = {
            "ratioFrom": t.ratio_from,
            "ratioTo": t.ratio_to,
            "minimumTransfer": t.minimum,
            "transferIncrement": t.increment,
        }
        if t.block:
            fields["blockBonus"] = {
                "everySourcePoints": t.block[0],
                "bonusTargetPoints": t.block[1],
            }
        if onward is not None and t.program_id in chained:
            second = link(
                "MID",
                ratioFrom=onward.ratio_from,
                ratioTo=onward.ratio_to,
                minimumTransfer=onward.minimum,
                transferIncrement=onward.increment,
            )
            path = TransferPath((link(t.program_id, "MID", t.percent, **fields), second))
        else:
            path = TransferPath((link(t.program_id, percent=t.percent, **fields),))
        sources.append(src(t.program_id, t.balance, t.value, path))
    own_value = micro_cents(instance.own_value)
    return fund("T", instance.cost, instance.own_balance, own_value, sources)


def solve(
    instance: Instance, chained: frozenset[str] = frozenset(), onward: Onward | None = None
) -> Best:
    result = fund_instance(instance, chained, onward)
    return Best(
        result.feasible, result.shortfall, result.value, result.transfers, result.source_points
    )


@settings(max_examples=200, deadline=None)
@given(instances())
def test_fund__matches_brute_force(instance: Instance) -> None:
    # GIVEN a small random instance  WHEN funded  THEN the brute-force optimum, tie-breaks included
    assert solve(instance) == brute_force(instance)


@st.composite
def chain_instances(draw: st.DrawFn) -> tuple[Instance, frozenset[str], Onward]:
    instance = draw(instances())
    ids = sorted(t.program_id for t in instance.sources)
    every = draw(st.booleans())  # all chained: chains then share the cost most often
    chained = frozenset(ids if every else draw(st.lists(st.sampled_from(ids), min_size=1)))
    increment = draw(st.sampled_from([1, 2, 3, 5]))
    onward = Onward(
        ratio_from=draw(st.integers(1, 3)),
        ratio_to=draw(st.integers(1, 3)),
        minimum=draw(st.integers(1, 3 * increment)),
        increment=increment,
    )
    return instance, chained, onward


TWO_CHAINS_OVERSHOOT = (  # together 4 + 99 = 103 > 97: each chain must not assume the other
    Instance(
        cost=97,
        own_balance=0,
        own_value=0.5,
        sources=(
            Terms("A_SRC", 1, 0.5, 1, 4, 1, 1, None, Fraction(0)),
            Terms("B_SRC", 11, 0.5, 1, 3, 1, 1, None, Fraction(50)),
        ),
    ),
    frozenset({"A_SRC", "B_SRC"}),
    Onward(ratio_from=1, ratio_to=2, minimum=1, increment=2),
)


@settings(max_examples=200, deadline=None)
@example(TWO_CHAINS_OVERSHOOT)
@given(chain_instances())
def test_fund__two_hop_chains_match_brute_force_and_deliver_what_they_claim(
    case: tuple[Instance, frozenset[str], Onward],
) -> None:
    # GIVEN a random instance where some sources reach T only through MID (two hops)
    instance, chained, onward = case
    # WHEN funded
    result = fund_instance(instance, chained, onward)
    # THEN the brute-force optimum (a chain counts as one transfer, valued on its x)
    best = brute_force(instance, chained, onward)
    assert (
        result.feasible,
        result.shortfall,
        result.value,
        result.transfers,
        result.source_points,
    ) == (best.feasible, best.shortfall, best.value, best.transfers, best.source_points)
    # AND the hops deliver what the plan counts on: with the own points used they cover
    # N minus the shortfall, and no chain moves on more than it received in MID
    arrived = sum(h.points_received for h in result.hops if h.to_program == "T")
    assert arrived + result.own_points_used >= instance.cost - result.shortfall
    into_mid = [h for h in result.hops if h.to_program == "MID"]
    onward_hops = [h for h in result.hops if h.from_program == "MID"]
    assert len(into_mid) == len(onward_hops)
    for first, second in zip(into_mid, onward_hops, strict=True):
        assert second.points_moved <= first.points_received
        assert second.points_moved >= onward.minimum
        assert second.points_moved % onward.increment == 0


@settings(max_examples=200, deadline=None)
@given(instances())
def test_fund__matches_brute_force_with_exhaustive_limit_3(instance: Instance) -> None:
    # GIVEN a random instance and EXHAUSTIVE_LIMIT lowered to 3, so that every source with
    # more than 3 allowed amounts takes the sampled path (edges, grid, block steps; with at
    # most ~20 amounts the grid of 24 still picks them all)
    # WHEN funded  THEN still the brute-force optimum
    with mock.patch.object(funding, "EXHAUSTIVE_LIMIT", 3):
        assert solve(instance) == brute_force(instance)


SAMPLING_MISSES_AN_AMOUNT = Instance(
    cost=4,
    own_balance=0,
    own_value=0.5,
    sources=(
        Terms("A_SRC", 7, 1.0, 1, 1, minimum=2, increment=1, block=None, percent=Fraction(0)),
        Terms("B_SRC", 1, 0.5, 1, 1, minimum=1, increment=1, block=None, percent=Fraction(0)),
    ),
)


@pytest.mark.xfail(
    strict=False,
    raises=AssertionError,
    reason="sampled candidates are not exact: with EXHAUSTIVE_LIMIT 3, _EDGE_WINDOW 1, _GRID 3, "
    "A_SRC (1:1, amounts 2..7) samples {2, 4, 6, 7} and covers the whole need (4) itself; "
    "x=3, which B_SRC's single point would complete, is never tried: fund() spends 4.0 cents "
    "(A_SRC 4) where A_SRC 3 + B_SRC 1 spend 3.5",
)
@settings(max_examples=200, deadline=None, phases=[Phase.explicit, Phase.generate])
@example(SAMPLING_MISSES_AN_AMOUNT)
@given(instances())
def test_fund__matches_brute_force_when_sampling_leaves_amounts_out(instance: Instance) -> None:
    # GIVEN a random instance, EXHAUSTIVE_LIMIT 3 and the edge window and grid shrunk to 1
    # and 3, so that the sampled candidates really leave amounts out (with at most ~20
    # amounts per source the default grid of 24 would still pick every one)
    # WHEN funded  THEN still the brute-force optimum
    with (
        mock.patch.object(funding, "EXHAUSTIVE_LIMIT", 3),
        mock.patch.object(funding, "_EDGE_WINDOW", 1),
        mock.patch.object(funding, "_GRID", 3),
    ):
        assert solve(instance) == brute_force(instance)


# Instances with more allowed amounts than EXHAUSTIVE_LIMIT (400) take the sampled path with
# the shipped edge window and grid; these two were found by random search against it.
SAMPLED_VALUE_MISS = Instance(  # fund(): A 190 + B 40 = 1,150 cents; best: A 184 + B 44 = 1,140
    cost=262,
    own_balance=33,
    own_value=1.0,
    sources=(
        Terms("A_SRC", 433, 0.5, 1, 1, 3, 1, (29, 1), Fraction(0)),
        Terms("B_SRC", 44, 0.5, 2, 3, 2, 2, None, Fraction(10)),
    ),
)
SAMPLED_TIE_MISS = Instance(  # both 277.5 cents; fund() moves A 222, the tie-break wants A 220
    cost=373,
    own_balance=29,
    own_value=1.25,
    sources=(
        Terms("A_SRC", 411, 1.25, 2, 3, 1, 1, None, Fraction("12.5")),
        Terms("B_SRC", 125, 1.5, 3, 4, 3, 3, None, Fraction(0)),
    ),
)


@pytest.mark.xfail(
    strict=False,
    raises=AssertionError,
    reason="above EXHAUSTIVE_LIMIT the candidates are sampled and the optimum can be missed: "
    "SAMPLED_VALUE_MISS spends 1,150 cents instead of 1,140; SAMPLED_TIE_MISS moves 222 "
    "source points where 220 reach the same value",
)
@pytest.mark.parametrize(
    ("instance", "best_value_cents"), [(SAMPLED_VALUE_MISS, 1_140), (SAMPLED_TIE_MISS, 277.5)]
)
def test_fund__matches_brute_force_above_the_exhaustive_limit(
    instance: Instance, best_value_cents: float
) -> None:
    # GIVEN a source with 411 or 433 allowed amounts, above the limit of 400
    # WHEN funded  THEN the brute-force optimum, tie-breaks included
    assert brute_force(instance).value == best_value_cents * CENT
    with mock.patch.object(funding, "EXHAUSTIVE_LIMIT", 400):
        assert solve(instance) == brute_force(instance)
