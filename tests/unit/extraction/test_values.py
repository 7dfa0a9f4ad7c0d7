"""The value parsers of the offline extractor: ratios, points, percentages, dates, cabins,
fare classes, distance bands, transfer times, the ratio and bonus sanity bounds, and slugs.

Every expected value is worked out by hand from the text it is parsed from."""

from __future__ import annotations

import datetime as dt

import pytest

from loyalty_maximizer.extraction import values


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1:1", (1, 1), id="colon"),
        # 1000/800 = 5/4 in lowest terms.
        pytest.param("1,000:800", (5, 4), id="thousands-reduced"),
        # 2/1.5 = 4/3: a decimal side becomes whole numbers.
        pytest.param("2:1.5", (4, 3), id="decimal-side"),
        pytest.param("3 to 1", (3, 1), id="words-3-to-1"),
        pytest.param("1 to 1", (1, 1), id="words-1-to-1"),
        pytest.param("1,000 → 800", (5, 4), id="arrow"),
        pytest.param("Ratio 1 : 2 (points to miles)", (1, 2), id="spaced-in-a-sentence"),
    ],
)
def test_ratio__reads_written_ratios_in_lowest_terms(text: str, expected: tuple[int, int]) -> None:
    # GIVEN a ratio as a page writes it
    # WHEN it is parsed
    parsed = values.ratio(text)

    # THEN it is the whole-number ratio in lowest terms
    assert parsed == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("0:1", id="zero-side"),
        pytest.param("Instant", id="no-numbers"),
        pytest.param("TBD", id="placeholder"),
    ],
)
def test_ratio__is_none_without_a_usable_ratio(text: str) -> None:
    # GIVEN a cell without a positive ratio / WHEN parsed / THEN there is none
    assert values.ratio(text) is None


@pytest.mark.parametrize(
    ("ratio_from", "ratio_to", "expected"),
    [
        pytest.param(1, 1, True, id="even"),
        pytest.param(3, 1, True, id="hotel-3-to-1"),
        pytest.param(10, 1, True, id="bound-10-to-1"),
        pytest.param(1, 10, True, id="bound-1-to-10"),
        pytest.param(11, 1, False, id="beyond-11-to-1"),
        pytest.param(1, 20, False, id="beyond-1-to-20"),
    ],
)
def test_plausible_ratio__accepts_up_to_ten_to_one_either_way(
    ratio_from: int, ratio_to: int, expected: bool
) -> None:
    # GIVEN a ratio / WHEN checked / THEN only 10:1 or closer either way is plausible
    assert values.plausible_ratio(ratio_from, ratio_to) is expected


@pytest.mark.parametrize(
    ("percent", "expected"),
    [
        pytest.param(30.0, True, id="typical"),
        pytest.param(1.0, True, id="lower-bound"),
        pytest.param(200.0, True, id="upper-bound"),
        pytest.param(0.5, False, id="below-one"),
        pytest.param(500.0, False, id="five-hundred"),
    ],
)
def test_plausible_bonus__accepts_one_to_two_hundred_percent(
    percent: float, expected: bool
) -> None:
    # GIVEN a transfer bonus percentage / WHEN checked / THEN only 1..200 is plausible
    assert values.plausible_bonus(percent) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("60,000", 60_000, id="thousands-comma"),
        pytest.param("60 000", 60_000, id="thousands-space"),
        pytest.param("60k", 60_000, id="k-suffix"),
        pytest.param("7.5K", 7_500, id="decimal-k"),
        pytest.param("2 thousand", 2_000, id="thousand-word"),
        pytest.param("from 12,500 miles", 12_500, id="in-a-phrase"),
    ],
)
def test_points__reads_amounts(text: str, expected: int) -> None:
    # GIVEN an amount as a page writes it / WHEN parsed / THEN it is the whole number
    assert values.points(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("7.5", id="fraction-of-a-point"),
        pytest.param("not available", id="words"),
        pytest.param("–", id="dash"),
    ],
)
def test_points__is_none_without_a_whole_amount(text: str) -> None:
    # GIVEN a cell with no whole amount / WHEN parsed / THEN there is none
    assert values.points(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("25%", 25.0, id="sign"),
        pytest.param("a 40 percent bonus", 40.0, id="percent-word"),
        pytest.param("12.5 per cent", 12.5, id="per-cent"),
        pytest.param("1,000%", 1000.0, id="thousands"),
    ],
)
def test_percent__reads_percentages(text: str, expected: float) -> None:
    # GIVEN a percentage / WHEN parsed / THEN its number is returned
    assert values.percent(text) == expected


def test_percent__is_none_without_a_percent_sign_or_word() -> None:
    # GIVEN a number that is not a percentage / WHEN parsed / THEN there is none
    assert values.percent("25 miles") is None


def test_number__reads_the_first_number_with_separators() -> None:
    # GIVEN text with a decimal amount and thousands separators / WHEN read
    # THEN the first number comes back as a float
    assert values.number("about 1,234.5 miles, then 7") == 1234.5


_NOV_30 = dt.date(2026, 11, 30)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("through Nov. 30, 2026", [_NOV_30], id="abbreviated-month-period"),
        pytest.param("until 11/30/2026", [_NOV_30], id="us-numeric"),
        pytest.param("ends 30 November 2026", [_NOV_30], id="day-month-year"),
        pytest.param("ends 2026-11-30", [_NOV_30], id="iso"),
        pytest.param("through Sept. 5th, 2026", [dt.date(2026, 9, 5)], id="ordinal-sept"),
        pytest.param("on 1st December 2026", [dt.date(2026, 12, 1)], id="ordinal-day-first"),
        pytest.param(
            "between November 1 and November 30, 2026",
            [dt.date(2026, 11, 1), _NOV_30],
            id="month-day-takes-next-year",
        ),
        pytest.param(
            "from 16 November until 15 December 2026",
            [dt.date(2026, 11, 16), dt.date(2026, 12, 15)],
            id="day-month-takes-next-year",
        ),
        pytest.param(
            "from December 15 to January 15, 2027",
            [dt.date(2026, 12, 15), dt.date(2027, 1, 15)],
            id="range-across-new-year",
        ),
        pytest.param(
            "starts 11/01/2026, ends 2026-12-15",
            [dt.date(2026, 11, 1), dt.date(2026, 12, 15)],
            id="two-formats-in-order",
        ),
    ],
)
def test_dates__reads_every_date_in_order(text: str, expected: list[dt.date]) -> None:
    # GIVEN a sentence with dates written one of the ways pages write them
    # WHEN its dates are read
    found = values.dates(text)

    # THEN every date comes back in the order of the text
    assert found == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("until February 30, 2026", id="impossible-day"),
        pytest.param("until May 3", id="month-day-without-any-year"),
        pytest.param("transfers of 500 points", id="no-date"),
    ],
)
def test_dates__ignores_what_is_not_a_calendar_date(text: str) -> None:
    # GIVEN text with no complete, valid date / WHEN read / THEN no date is found
    assert values.dates(text) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Premium Economy", "premium_economy", id="premium-economy"),
        pytest.param("Economy", "economy", id="economy"),
        pytest.param("Main Cabin", "economy", id="main-cabin"),
        pytest.param("Coach", "economy", id="coach"),
        pytest.param("Upper Class", "business", id="upper-class"),
        pytest.param("Business", "business", id="business"),
        pytest.param("First", "first", id="first"),
        pytest.param("Seats", None, id="no-cabin"),
    ],
)
def test_cabin__maps_cabin_words(text: str, expected: str | None) -> None:
    # GIVEN a column header / WHEN its cabin is read / THEN it is the contract's cabin
    assert values.cabin(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("economy, business", ["economy", "business"], id="two"),
        pytest.param(
            "first, premium economy and economy",
            ["economy", "premium_economy", "first"],
            id="contract-order-premium-not-economy",
        ),
        pytest.param("premium economy only", ["premium_economy"], id="premium-economy-alone"),
        pytest.param("XA ABC-DEF", [], id="none"),
    ],
)
def test_cabins_in__lists_each_named_cabin_in_contract_order(
    text: str, expected: list[str]
) -> None:
    # GIVEN a text naming cabins / WHEN read / THEN each cabin appears once, in order
    assert values.cabins_in(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("J, C, D", ["J", "C", "D"], id="commas"),
        pytest.param("J/C/D", ["J", "C", "D"], id="slashes"),
        pytest.param("Y B M", ["Y", "B", "M"], id="spaces"),
        pytest.param("Q and V", ["Q", "V"], id="and"),
        pytest.param("Economy", None, id="a-word"),
        pytest.param("", None, id="empty"),
    ],
)
def test_fare_classes__reads_booking_codes(text: str, expected: list[str] | None) -> None:
    # GIVEN a fare-class cell / WHEN read / THEN it is the one-letter codes, or None
    assert values.fare_classes(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("0-650 miles", (0, 650), id="hyphen"),
        pytest.param("651 – 1,150", (651, 1150), id="en-dash-thousands"),
        pytest.param("1,151 to 3,000 miles", (1151, 3000), id="to"),
        pytest.param("5,001+ miles", (5001, None), id="plus-open"),
        pytest.param("7,000 or more", (7000, None), id="or-more-inclusive"),
        # "over 7,000" excludes 7,000 itself: the band starts one mile later.
        pytest.param("over 7,000", (7001, None), id="over-exclusive"),
        pytest.param("Europe", None, id="not-a-band"),
    ],
)
def test_distance_band__reads_bands(text: str, expected: tuple[int, int | None] | None) -> None:
    # GIVEN a chart row label / WHEN read / THEN it is the inclusive band, or None
    assert values.distance_band(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("Instant", "instant", id="instant"),
        pytest.param("Immediate", "instant", id="immediate"),
        pytest.param("Up to 24 hours", "hours", id="hours"),
        pytest.param("Up to 2 business days", "days", id="days"),
        pytest.param("1-2 weeks", "days", id="weeks"),
        pytest.param("Varies", None, id="unknown"),
    ],
)
def test_transfer_time__maps_to_contract_values(text: str, expected: str | None) -> None:
    # GIVEN a transfer-time cell / WHEN read / THEN it is instant, hours or days
    assert values.transfer_time(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("North America & Hawaii", "north_america_hawaii", id="ampersand"),
        pytest.param("  Asia Region 1 ", "asia_region_1", id="padded"),
        pytest.param("U.S.-Canada", "u_s_canada", id="punctuation"),
    ],
)
def test_slug__makes_snake_case_ids(text: str, expected: str) -> None:
    # GIVEN a label / WHEN slugged / THEN it is lower snake case without edge underscores
    assert values.slug(text) == expected
