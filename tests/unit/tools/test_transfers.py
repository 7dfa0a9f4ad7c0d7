"""Transfers (contracts/facts.md, Transfers): allowed amounts, what a transfer yields, and
which partnership version and bonuses are in force on a day."""

from __future__ import annotations

import datetime as dt
import json
from fractions import Fraction
from typing import Any

import pytest

from loyalty_maximizer.facts.models import TransferBonus, TransferPartnership
from loyalty_maximizer.tools.transfers import TransferLink, links_on

DAY = dt.date(2026, 6, 15)


def partnership(**fields: Any) -> TransferPartnership:
    record = {"fromProgramId": "BANK", "toProgramId": "AIR", "ratioFrom": 1, "ratioTo": 1}
    record.update(fields)
    return TransferPartnership.model_validate_json(json.dumps(record))


def bonus(**fields: Any) -> TransferBonus:
    record = {
        "fromProgramId": "BANK",
        "toProgramId": "AIR",
        "bonusPercent": 30,
        "endDate": "2026-06-30",
    }
    record.update(fields)
    return TransferBonus.model_validate_json(json.dumps(record))


def link(percent: float = 0, **fields: Any) -> TransferLink:
    return TransferLink(partnership(**fields), Fraction(str(percent)))


# --- allowed amounts ------------------------------------------------------------------


def test_smallest__minimum_1000_increment_3_is_1002() -> None:
    # GIVEN a minimum of 1,000 and an increment of 3
    transfer = link(ratioFrom=3, minimumTransfer=1000, transferIncrement=3)
    # WHEN asked for the smallest transfer  THEN the first multiple of 3 at or above 1,000
    assert transfer.smallest() == 1002


@pytest.mark.parametrize(
    ("x", "allowed"),
    [(999, False), (1000, False), (1001, False), (1002, True), (1005, True), (1006, False)],
)
def test_allowed__needs_minimum_and_a_multiple_of_the_increment(x: int, allowed: bool) -> None:
    # GIVEN minimum 1,000 and increment 3  WHEN x is checked  THEN x >= 1000 and x % 3 == 0
    transfer = link(ratioFrom=3, minimumTransfer=1000, transferIncrement=3)
    assert transfer.allowed(x) is allowed


def test_allowed__minimum_and_increment_default_to_ratio_from() -> None:
    # GIVEN a 3:1 partnership with no minimum or increment stated
    transfer = link(ratioFrom=3)
    # WHEN amounts are checked  THEN the minimum and the increment are both 3
    assert transfer.smallest() == 3
    assert [x for x in range(0, 13) if transfer.allowed(x)] == [3, 6, 9, 12]


# --- what a transfer yields ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("ratio_from", "ratio_to", "x", "expected"),
    [
        (3, 1, 1000, 333),  # 333.33 floored
        (3, 1, 3002, 1000),  # 1000.67 floored, never rounded up
        (1000, 800, 1001, 800),  # 800.8 floored
        (1000, 800, 3000, 2400),
        (4, 3, 10, 7),  # 7.5 floored
        (1, 2, 1500, 3000),
    ],
)
def test_receive__floors_the_ratio(ratio_from: int, ratio_to: int, x: int, expected: int) -> None:
    # GIVEN a ratio  WHEN x source points move  THEN floor(x * ratioTo / ratioFrom) arrive
    receipt = link(ratioFrom=ratio_from, ratioTo=ratio_to).receive(x)
    assert receipt.received == expected
    assert receipt.bonus == 0


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (59_997, 19_999),  # below one block: base only
        (60_000, 25_000),  # 20,000 + one block of 5,000
        (119_997, 44_999),  # 39,999 + one block
        (120_000, 50_000),  # 40,000 + two blocks
    ],
)
def test_receive__adds_the_block_bonus_per_full_block(x: int, expected: int) -> None:
    # GIVEN 3:1 with 5,000 bonus points for every 60,000 source points
    transfer = link(
        ratioFrom=3, blockBonus={"everySourcePoints": 60_000, "bonusTargetPoints": 5_000}
    )
    # WHEN x points move  THEN base + floor(x / 60,000) * 5,000, none of it a time-limited bonus
    receipt = transfer.receive(x)
    assert receipt.received == expected
    assert receipt.bonus == 0


def test_receive__percent_bonus_is_floored_on_the_base() -> None:
    # GIVEN 3:1 with a 30% bonus  WHEN 1,000 points move
    receipt = link(30, ratioFrom=3).receive(1000)
    # THEN base 333, bonus floor(333 * 0.3) = floor(99.9) = 99
    assert receipt.received == 432
    assert receipt.bonus == 99


def test_receive__percent_bonus_excludes_the_block_bonus() -> None:
    # GIVEN 3:1 with a block bonus and a 10% bonus  WHEN 60,000 points move
    transfer = link(
        10, ratioFrom=3, blockBonus={"everySourcePoints": 60_000, "bonusTargetPoints": 5_000}
    )
    receipt = transfer.receive(60_000)
    # THEN base 20,000 + block 5,000 + floor(20,000 * 10%) = 2,000; only the 2,000 is the bonus
    assert receipt.received == 27_000
    assert receipt.bonus == 2_000


def test_smallest_delivering__finds_the_block_threshold() -> None:
    # GIVEN 3:1, minimum 3,000, increment 3, 5,000 bonus points every 60,000
    transfer = link(
        ratioFrom=3,
        minimumTransfer=3000,
        transferIncrement=3,
        blockBonus={"everySourcePoints": 60_000, "bonusTargetPoints": 5_000},
    )
    # WHEN asked for 25,000 target points  THEN 60,000 (75,000 without the block bonus)
    assert transfer.smallest_delivering(25_000, 200_000) == 60_000
    # AND 20,000 target points: 59,997 gives only 19,999, so 60,000 again
    assert transfer.smallest_delivering(20_000, 200_000) == 60_000
    # AND with only 59,999 available, no allowed amount delivers 20,000
    assert transfer.smallest_delivering(20_000, 59_999) is None


def test_smallest_delivering__rounds_up_to_the_increment_and_minimum() -> None:
    # GIVEN 1:1, minimum 1,000, increment 1,000
    transfer = link(minimumTransfer=1000, transferIncrement=1000)
    # WHEN asked for 2,500 (or 10)  THEN 3,000 (or the 1,000 minimum)
    assert transfer.smallest_delivering(2_500, 5_000) == 3_000
    assert transfer.smallest_delivering(10, 5_000) == 1_000
    # AND nothing fits below the minimum
    assert transfer.smallest_delivering(10, 999) is None


# --- which partnerships and bonuses are in force ---------------------------------------------


def test_links_on__sums_the_bonuses_active_that_day() -> None:
    # GIVEN two active bonuses of 10% each on one pair
    links = links_on(
        [partnership()],
        [bonus(bonusPercent=10), bonus(bonusPercent=10, startDate="2026-06-01")],
        DAY,
    )
    # WHEN 1,005 points move
    receipt = links[("BANK", "AIR")].receive(1005)
    # THEN floor(1005 * 20%) = 201 (flooring each bonus apart would give 100 + 100)
    assert receipt.bonus == 201
    assert receipt.received == 1206


@pytest.mark.parametrize(
    ("start", "end", "applies"),
    [
        (None, "2026-06-15", True),  # no startDate: already running; endDate inclusive
        ("2026-06-15", "2026-06-30", True),  # startDate inclusive
        ("2026-06-16", "2026-06-30", False),  # not started yet
        (None, "2026-06-14", False),  # ended the day before
    ],
)
def test_links_on__counts_a_bonus_only_on_its_inclusive_dates(
    start: str | None, end: str, applies: bool
) -> None:
    # GIVEN a 50% bonus with the given window, on 2026-06-15
    fields: dict[str, Any] = {"bonusPercent": 50, "endDate": end}
    if start is not None:
        fields["startDate"] = start
    links = links_on([partnership()], [bonus(**fields)], DAY)
    # WHEN 1,000 points move  THEN 500 bonus points only when the bonus is active
    assert links[("BANK", "AIR")].receive(1000).bonus == (500 if applies else 0)


def test_links_on__ignores_a_bonus_of_another_pair() -> None:
    # GIVEN a bonus on the reverse pair only
    links = links_on([partnership()], [bonus(fromProgramId="AIR", toProgramId="BANK")], DAY)
    # WHEN points move BANK -> AIR  THEN no bonus
    assert links[("BANK", "AIR")].receive(1000).received == 1000


@pytest.mark.parametrize("reverse", [False, True])
def test_links_on__uses_the_version_with_the_latest_effective_date(reverse: bool) -> None:
    # GIVEN two versions valid on the day: 1:1 since January and 1:2 since June
    versions = [
        partnership(effectiveDate="2026-01-01"),
        partnership(ratioTo=2, effectiveDate="2026-06-01"),
    ]
    if reverse:
        versions.reverse()
    # WHEN the links of 2026-06-15 are built  THEN the June version (1:2) is used
    assert links_on(versions, [], DAY)[("BANK", "AIR")].receive(1000).received == 2000


def test_links_on__a_dated_version_wins_over_an_undated_one() -> None:
    # GIVEN an open-ended version with no effectiveDate and a 1:3 version from June
    versions = [partnership(ratioTo=3, effectiveDate="2026-06-01"), partnership()]
    # WHEN the links of 2026-06-15 are built  THEN the dated version is the latest
    assert links_on(versions, [], DAY)[("BANK", "AIR")].receive(100).received == 300


def test_links_on__an_expired_partnership_does_not_exist() -> None:
    # GIVEN a partnership that expired the day before, and one that expires that day
    gone = partnership(expirationDate="2026-06-14")
    last_day = partnership(toProgramId="OTHER", expirationDate="2026-06-15")
    future = partnership(toProgramId="LATER", effectiveDate="2026-06-16")
    # WHEN the links of 2026-06-15 are built  THEN only the one still valid that day exists
    assert set(links_on([gone, last_day, future], [], DAY)) == {("BANK", "OTHER")}


def test_links_on__an_expired_version_gives_way_to_the_older_one_still_valid() -> None:
    # GIVEN a 1:2 promotion that ended on June 14 and the standing 1:1 version
    versions = [
        partnership(effectiveDate="2026-01-01"),
        partnership(ratioTo=2, effectiveDate="2026-06-01", expirationDate="2026-06-14"),
    ]
    # WHEN the links of 2026-06-15 are built  THEN the standing 1:1 version applies
    assert links_on(versions, [], DAY)[("BANK", "AIR")].receive(1000).received == 1000
