"""Names to ids: every way a page may name a program, an airline or an alliance, built from
the knowledge graph's own names plus curated aliases (``aliases.py``)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from loyalty_maximizer.aliases import AIRLINE_ALIASES, PROGRAM_ALIASES
from loyalty_maximizer.facts.models import (
    Airline,
    Alliance,
    AwardRegion,
    EliteTier,
    FactModel,
    LoyaltyProgram,
)

Kind = Literal["program", "airline", "alliance"]
_WORD = re.compile(r"[a-z0-9]+(?:['&][a-z0-9]+)*|&")


def region_key(name: str) -> str:
    """A region name compared loosely: case, punctuation and explanations ignored."""
    return " ".join(words(re.sub(r"\(.*?\)", "", name.replace("_", " "))))


def words(text: str) -> tuple[str, ...]:
    return tuple(_WORD.findall(text.lower().replace("’", "'")))


@dataclass(frozen=True)
class Mention:
    kind: Kind
    id: str
    start: int  # word offset in the text
    length: int


@dataclass
class Catalogue:
    """Phrases (as word tuples) that name entities, longest first when matching."""

    programs: dict[str, LoyaltyProgram] = field(default_factory=dict)
    airlines: dict[str, Airline] = field(default_factory=dict)
    # programId -> region name as pages write it (normalised) -> regionId
    regions: dict[str, dict[str, str]] = field(default_factory=dict)
    # programId -> elite tier name (normalised) -> tierId
    tiers: dict[str, dict[str, str]] = field(default_factory=dict)
    phrases: dict[tuple[str, ...], tuple[Kind, str]] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        programs: Iterable[LoyaltyProgram],
        airlines: Iterable[Airline],
        alliances: Iterable[Alliance] = (),
        regions: Iterable[AwardRegion] = (),
        tiers: Iterable[EliteTier] = (),
    ) -> Catalogue:
        catalogue = cls()
        for tier in tiers:
            names = catalogue.tiers.setdefault(tier.program_id, {})
            names[region_key(tier.tier_id)] = tier.tier_id
            names[region_key(tier.name)] = tier.tier_id
        for region in regions:
            names = catalogue.regions.setdefault(region.program_id, {})
            names[region_key(region.region_id)] = region.region_id
            if region.name:
                names[region_key(region.name)] = region.region_id
        for airline in airlines:
            catalogue.airlines[airline.airline_id] = airline
            catalogue._add(airline.name, "airline", airline.airline_id)
            for alias in AIRLINE_ALIASES.get(airline.airline_id, ()):
                catalogue._add(alias, "airline", airline.airline_id)
        for alliance in alliances:
            catalogue._add(alliance.name, "alliance", alliance.alliance_id)
        # Programs last: "Flying Blue" must win over an airline phrase of the same words.
        for program in programs:
            catalogue.programs[program.program_id] = program
            catalogue._add(program.name, "program", program.program_id)
            catalogue._add(program.program_id.replace("_", " "), "program", program.program_id)
            for alias in PROGRAM_ALIASES.get(program.program_id, ()):
                catalogue._add(alias, "program", program.program_id)
        return catalogue

    @classmethod
    def from_facts(cls, facts: Iterable[FactModel]) -> Catalogue:
        """The catalogue of what a set of facts (a graph's, say) defines."""
        facts = list(facts)
        return cls.build(
            [f for f in facts if isinstance(f, LoyaltyProgram)],
            [f for f in facts if isinstance(f, Airline)],
            [f for f in facts if isinstance(f, Alliance)],
            [f for f in facts if isinstance(f, AwardRegion)],
            [f for f in facts if isinstance(f, EliteTier)],
        )

    def _add(self, phrase: str, kind: Kind, entity: str) -> None:
        key = words(phrase)
        if key:
            self.phrases[key] = (kind, entity)

    def mentions(self, text: str) -> list[Mention]:
        """Entities named in ``text``, longest phrase first, without overlaps, in order."""
        tokens = words(text)
        taken = [False] * len(tokens)
        found: list[Mention] = []
        lengths = sorted({len(p) for p in self.phrases}, reverse=True)
        for n in lengths:
            for i in range(len(tokens) - n + 1):
                if any(taken[i : i + n]):
                    continue
                hit = self.phrases.get(tokens[i : i + n])
                if hit is not None:
                    found.append(Mention(hit[0], hit[1], i, n))
                    for j in range(i, i + n):
                        taken[j] = True
        return sorted(found, key=lambda m: m.start)

    def tier_id(self, program_id: str, name: str) -> str | None:
        """The id the knowledge already gives a program's elite tier of this name."""
        return self.tiers.get(program_id, {}).get(region_key(name))

    def region_id(self, program_id: str, name: str) -> str | None:
        """The id the knowledge already gives a program's region of this name."""
        return self.regions.get(program_id, {}).get(region_key(name))

    def first(self, text: str, kind: Kind) -> str | None:
        return next((m.id for m in self.mentions(text) if m.kind == kind), None)

    def receives_transfers(self, program_id: str) -> bool:
        """Points move from bank and hotel currencies to airline and hotel programs; a bank
        currency never receives them, so such a "fact" is a misreading."""
        program = self.programs.get(program_id)
        return program is None or program.kind != "bank"

    def program_of_airline(self, airline_id: str) -> str | None:
        """The program an airline operates, when the catalogue knows one."""
        for program in self.programs.values():
            if program.operator_airline_id == airline_id:
                return program.program_id
        return None
