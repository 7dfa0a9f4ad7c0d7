"""Point transfers between programs: which partnerships exist on a day, and what a
transfer of ``x`` source points yields (contracts/facts.md, Transfers)."""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from fractions import Fraction

from loyalty_maximizer.facts.models import TransferBonus, TransferPartnership


@dataclass(frozen=True)
class Receipt:
    """What one transfer delivers: all target points, and the time-limited bonus part."""

    received: int
    bonus: int


@dataclass(frozen=True)
class TransferLink:
    """The partnership version in force for one (source, target) pair on one day."""

    partnership: TransferPartnership
    bonus_percent: Fraction
    bonus_end_dates: tuple[dt.date, ...] = ()

    @property
    def source(self) -> str:
        return self.partnership.from_program_id

    @property
    def target(self) -> str:
        return self.partnership.to_program_id

    @property
    def minimum(self) -> int:
        return self.partnership.minimum

    @property
    def increment(self) -> int:
        return self.partnership.increment

    def smallest(self) -> int:
        """The smallest allowed amount: the first multiple of the increment at the minimum."""
        return -(-self.minimum // self.increment) * self.increment

    def allowed(self, x: int) -> bool:
        return x >= self.minimum and x % self.increment == 0

    def largest_within(self, available: int) -> int:
        """The largest allowed amount not above ``available`` (0 when none is)."""
        x = available // self.increment * self.increment
        return x if x >= self.smallest() else 0

    def receive(self, x: int) -> Receipt:
        p = self.partnership
        base = x * p.ratio_to // p.ratio_from
        block = 0
        if p.block_bonus is not None:
            block = x // p.block_bonus.every_source_points * p.block_bonus.bonus_target_points
        bonus = math.floor(base * self.bonus_percent / 100) if self.bonus_percent else 0
        return Receipt(base + block + bonus, bonus)

    def smallest_delivering(self, need: int, available: int) -> int | None:
        """The smallest allowed amount up to ``available`` that yields at least ``need``."""
        lo = self.smallest() // self.increment
        hi = available // self.increment
        if lo > hi or self.receive(hi * self.increment).received < need:
            return None
        while lo < hi:
            mid = (lo + hi) // 2
            if self.receive(mid * self.increment).received >= need:
                hi = mid
            else:
                lo = mid + 1
        return lo * self.increment


def links_on(
    partnerships: Iterable[TransferPartnership],
    bonuses: Iterable[TransferBonus],
    day: dt.date,
) -> dict[tuple[str, str], TransferLink]:
    """The transfer links in force on ``day``: per pair the valid version with the latest
    effectiveDate, with the sum of the bonuses active that day."""
    chosen: dict[tuple[str, str], TransferPartnership] = {}
    for p in partnerships:
        if not p.valid_on(day):
            continue
        key = (p.from_program_id, p.to_program_id)
        current = chosen.get(key)
        if current is None or (p.effective_date or dt.date.min) > (
            current.effective_date or dt.date.min
        ):
            chosen[key] = p
    percent: dict[tuple[str, str], Fraction] = defaultdict(Fraction)
    ends: dict[tuple[str, str], list[dt.date]] = defaultdict(list)
    for b in bonuses:
        if b.active_on(day):
            key = (b.from_program_id, b.to_program_id)
            percent[key] += Fraction(repr(b.bonus_percent))
            ends[key].append(b.end_date)
    return {
        key: TransferLink(p, percent.get(key, Fraction(0)), tuple(sorted(ends.get(key, []))))
        for key, p in chosen.items()
    }
