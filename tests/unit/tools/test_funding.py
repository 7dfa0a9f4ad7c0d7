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
from hypothesis import given, settings
from hypothesis import strategies as st

from loyalty_maximizer.facts.models import TransferPartnership
from loyalty_maximizer.tools import funding
from loyalty_maximizer.tools.funding import Hop, Source, TransferPath, fund, micro_cents
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
    sources = [src(first, 10_000, 1.0, thousands(first)), src(second, 10_000, 1.0, thousands(second))]
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


def brute_force(instance: Instance) -> Best:
    """Every allowed amount (0 included) of every source; the objective of tools.md."""
    terms = sorted(instance.sources, key=lambda t: t.program_id)
    choices = [
        [0, *(x for x in range(1, t.balance + 1) if x >= t.minimum and x % t.increment == 0)]
        for t in terms
    ]
    own_value = micro_cents(instance.own_value)
    feasible: list[tuple[Any, ...]] = []
    infeasible: list[tuple[Any, ...]] = []
    for amounts in itertools.product(*choices):
        received = sum(_received(t, x) for t, x in zip(terms, amounts, strict=True) if x)
        moved = sum(x * micro_cents(t.value) for t, x in zip(terms, amounts, strict=True))
        plan = tuple((t.program_id, "", x) for t, x in zip(terms, amounts, strict=True) if x)
        transfers, points = len(plan), sum(amounts)
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


def solve(instance: Instance) -> Best:
    sources = []
    for t in instance.sources:
        fields: dict[str, Any] = {
            "ratioFrom": t.ratio_from,
            "ratioTo": t.ratio_to,
            "minimumTransfer": t.minimum,
            "transferIncrement": t.increment,
        }
        if t.block:
            fields["blockBonus"] = {"everySourcePoints": t.block[0], "bonusTargetPoints": t.block[1]}
        path = TransferPath((link(t.program_id, percent=t.percent, **fields),))
        sources.append(src(t.program_id, t.balance, t.value, path))
    result = fund("T", instance.cost, instance.own_balance, micro_cents(instance.own_value), sources)
    return Best(
        result.feasible, result.shortfall, result.value, result.transfers, result.source_points
    )


@settings(max_examples=200, deadline=None)
@given(instances())
def test_fund__matches_brute_force(instance: Instance) -> None:
    # GIVEN a small random instance  WHEN funded  THEN the brute-force optimum, tie-breaks included
    assert solve(instance) == brute_force(instance)


@settings(max_examples=200, deadline=None)
@given(instances())
def test_fund__matches_brute_force_with_exhaustive_limit_3(instance: Instance) -> None:
    # GIVEN a random instance and EXHAUSTIVE_LIMIT lowered to 3, so that every source with
    # more than 3 allowed amounts takes the sampled path
    # WHEN funded  THEN still the brute-force optimum
    with mock.patch.object(funding, "EXHAUSTIVE_LIMIT", 3):
        assert solve(instance) == brute_force(instance)


@settings(max_examples=200, deadline=None)
@given(instances())
def test_fund__matches_brute_force_when_sampling_leaves_amounts_out(instance: Instance) -> None:
    # GIVEN a random instance, EXHAUSTIVE_LIMIT 3 and the edge window and grid shrunk to 1
    # and 3, so that the sampled candidates really leave amounts out (with at most ~20
    # amounts per source the default grid of 24 would still pick every one)
    # WHEN funded  THEN still the brute-force optimum (the exact covering amounts fill in)
    with (
        mock.patch.object(funding, "EXHAUSTIVE_LIMIT", 3),
        mock.patch.object(funding, "_EDGE_WINDOW", 1),
        mock.patch.object(funding, "_GRID", 3),
    ):
        assert solve(instance) == brute_force(instance)
