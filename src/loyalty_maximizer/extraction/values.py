"""Parsers for the values loyalty pages write in words and figures: ratios, points,
percentages, dates, cabins, fare classes, distance bands and transfer times.

Each parser returns None when the text does not hold such a value, so extractors can try
them on any cell or sentence.
"""

from __future__ import annotations

import datetime as dt
import re
from fractions import Fraction

from loyalty_maximizer.facts.models import Cabin

_NUMBER = r"\d{1,3}(?:[,\u202f\u00a0 ]\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_RATIO = re.compile(
    rf"(?<![\d.])({_NUMBER})\s*(?::|to|for|→|->)\s*({_NUMBER})(?![\d.])", re.IGNORECASE
)
_POINTS = re.compile(rf"(?<![\d.])({_NUMBER})\s*(k|K|thousand)?(?![\d.:])")
_PERCENT = re.compile(rf"(?<![\d.])({_NUMBER})\s*(?:%|percent\b|per cent\b)", re.IGNORECASE)

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
_DATE_PATTERNS = (
    re.compile(r"\b(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})\b"),
    re.compile(r"\b(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<y>\d{4})\b"),
    re.compile(
        rf"\b(?P<mon>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,?\s+(?P<y>\d{{4}})\b", re.I
    ),
    re.compile(
        rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{_MONTH})\.?,?\s+(?P<y>\d{{4}})\b", re.I
    ),
)

CABIN_WORDS: tuple[tuple[str, Cabin], ...] = (
    ("premium economy", "premium_economy"),
    ("premium", "premium_economy"),
    ("economy", "economy"),
    ("coach", "economy"),
    ("main cabin", "economy"),
    ("business", "business"),
    ("upper class", "business"),
    ("club world", "business"),
    ("polaris", "business"),
    ("first", "first"),
)


def number(text: str) -> float | None:
    """The first number in ``text`` (thousands separators allowed)."""
    match = re.search(_NUMBER, text)
    if match is None:
        return None
    return float(re.sub(r"[,\u202f\u00a0 ]", "", match.group(0)))


def _to_number(raw: str) -> Fraction:
    return Fraction(re.sub(r"[,\u202f\u00a0 ]", "", raw))


def ratio(text: str) -> tuple[int, int] | None:
    """A transfer ratio as whole numbers: "1:1", "1,000:800" -> (5, 4), "2:1.5" -> (4, 3),
    "3 to 1" -> (3, 1). Reduced to lowest terms."""
    match = _RATIO.search(text)
    if match is None:
        return None
    a, b = _to_number(match.group(1)), _to_number(match.group(2))
    if a <= 0 or b <= 0:
        return None
    quotient = a / b
    return quotient.numerator, quotient.denominator


def points(text: str) -> int | None:
    """A points amount: "60,000", "60k", "7.5K", "60 000"."""
    for match in _POINTS.finditer(text):
        value = _to_number(match.group(1))
        if match.group(2):
            value *= 1000
        if value.denominator == 1:
            return int(value)
    return None


def percent(text: str) -> float | None:
    match = _PERCENT.search(text)
    return float(_to_number(match.group(1))) if match else None


_MONTH_DAY = (
    re.compile(
        rf"\b(?P<mon>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!,?\s+\d{{4}})", re.I
    ),
    re.compile(
        rf"\b(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<mon>{_MONTH})\b(?!\.?,?\s+\d{{4}})", re.I
    ),
)


def dates(text: str) -> list[dt.date]:
    """Every calendar date written in ``text``, in order of appearance. A month and day
    without a year ("between November 1 and November 30, 2026", "from 16 November until
    15 December 2026") takes the year of the next full date in the text, or the year before
    when it would fall after that date ("December 15 to January 15, 2027")."""
    found: list[tuple[int, dt.date]] = []
    for pattern in _DATE_PATTERNS:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            month = MONTHS[groups["mon"].lower()] if groups.get("mon") else int(groups["m"])
            try:
                found.append((match.start(), dt.date(int(groups["y"]), month, int(groups["d"]))))
            except ValueError:
                continue
    full = list(found)
    for match in (m for pattern in _MONTH_DAY for m in pattern.finditer(text)):
        later = [d for start, d in full if start > match.start()]
        if later:
            try:
                day = dt.date(
                    later[0].year, MONTHS[match.group("mon").lower()], int(match.group("d"))
                )
                if day > later[0]:
                    day = day.replace(year=day.year - 1)
            except ValueError:
                continue
            found.append((match.start(), day))
    return [d for _, d in sorted(found)]


def cabin(text: str) -> Cabin | None:
    lowered = text.lower()
    for word, value in CABIN_WORDS:
        if word in lowered:
            return value
    return None


def fare_classes(text: str) -> list[str] | None:
    """Booking codes written as "J, C, D, R", "J/C/D" or "J C D"."""
    cleaned = text.strip()
    if not re.fullmatch(r"[A-Z](?:\s*(?:,|/|and|&|\s)\s*[A-Z])*", cleaned):
        return None
    return re.findall(r"[A-Z]", cleaned)


def distance_band(text: str) -> tuple[int, int | None] | None:
    """A distance band: "0-650 miles", "651 – 1,150", "5,001+ miles", "over 7,000"."""
    cleaned = text.replace("\u2013", "-").replace("\u2014", "-")
    match = re.search(rf"({_NUMBER})\s*(?:-|to)\s*({_NUMBER})", cleaned)
    if match:
        return int(_to_number(match.group(1))), int(_to_number(match.group(2)))
    match = re.search(
        rf"({_NUMBER})\s*(?:\+|and (?:over|above|more)|or more)"
        rf"|(?:over|above|more than)\s+({_NUMBER})",
        cleaned,
        re.I,
    )
    if match:
        raw = match.group(1) or match.group(2)
        low = int(_to_number(raw))
        return (low if match.group(1) else low + 1), None
    return None


def transfer_time(text: str) -> str | None:
    lowered = text.lower()
    if "instant" in lowered or "immediate" in lowered:
        return "instant"
    if "hour" in lowered:
        return "hours"
    if "day" in lowered or "week" in lowered:
        return "days"
    return None


def slug(text: str) -> str:
    """A region or rule id from a label: "North America & Hawaii" -> "north_america_hawaii"."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def cabins_in(text: str) -> list[Cabin]:
    """Every cabin a text names, in contract order ("premium economy" is not "economy")."""
    lowered = text.lower()
    found: set[Cabin] = set()
    if "premium economy" in lowered or "premium" in lowered:
        found.add("premium_economy")
        lowered = lowered.replace("premium economy", " ").replace("premium", " ")
    for word, value in CABIN_WORDS:
        if word in lowered:
            found.add(value)
    return [c for c in ("economy", "premium_economy", "business", "first") if c in found]


MAX_BONUS_PERCENT = 200.0


def plausible_bonus(percent: float) -> bool:
    """Sanity bound for extracted transfer bonuses: 1% to 200%."""
    return 1 <= percent <= MAX_BONUS_PERCENT


def plausible_ratio(ratio_from: int, ratio_to: int) -> bool:
    """Sanity bound for extracted transfer ratios: beyond 10:1 either way is implausible."""
    return ratio_to * 10 >= ratio_from and ratio_from * 10 >= ratio_to
