"""Reading facts files: strict per-line validation, duplicates, versions and references.

A load is all-or-nothing unless the caller asks to quarantine bad lines; then every line
with an error (including a record whose reference only dangled because its target was
quarantined) is set aside with the reason, and the rest is returned.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from loyalty_maximizer.errors import FactIssue, FactsValidationError
from loyalty_maximizer.facts.airports import known_airport, reference_airport
from loyalty_maximizer.facts.models import (
    FACT_ADAPTER,
    FACT_TYPES,
    Airline,
    Airport,
    Alliance,
    AwardPrice,
    AwardRegion,
    BookablePartner,
    EarningRule,
    EliteTier,
    FactModel,
    LoyaltyProgram,
    Passage,
    Route,
    TransferBonus,
    TransferPartnership,
    WebSourceDocument,
    entity_key,
)


@dataclass(frozen=True)
class SourcedFact:
    """A validated record and the line it came from."""

    fact: FactModel
    file: str
    line: int
    text: str


@dataclass
class LoadResult:
    """The records that loaded and the issues set aside (empty unless quarantining)."""

    facts: list[FactModel]
    quarantined: list[FactIssue] = field(default_factory=list)


def read_lines(paths: Iterable[Path]) -> Iterator[tuple[str, int, str | None]]:
    """(file, line number, text) of every non-blank line of the given JSONL files; the text
    is None for a line that is not UTF-8."""
    for path in paths:
        with path.open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    yield str(path), number, None
                    continue
                if text.strip():
                    yield str(path), number, text.rstrip("\r\n")


def _field_of(loc: tuple[int | str, ...], record_type: str | None) -> str:
    parts = [str(p) for p in loc]
    if parts and record_type is not None and parts[0] == record_type:
        parts = parts[1:]
    return ".".join(parts) if parts else "(record)"


def parse_line(
    file: str, line: int, text: str | None
) -> tuple[SourcedFact | None, list[FactIssue]]:
    """Validate one JSONL line on its own (types, fields, record-level rules)."""
    if text is None:
        return None, [FactIssue(file, line, None, "the line is not UTF-8 text")]
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, [FactIssue(file, line, None, f"malformed JSON: {exc.msg}", text)]
    if not isinstance(raw, dict):
        return None, [FactIssue(file, line, None, "a fact must be a JSON object", text)]
    record_type = raw.get("type")
    if not isinstance(record_type, str) or record_type not in FACT_TYPES:
        known = ", ".join(sorted(FACT_TYPES))
        message = (
            "missing type"
            if record_type is None
            else f"unknown type {json.dumps(record_type)} (known: {known})"
        )
        return None, [FactIssue(file, line, "type", message, text)]
    try:
        # The models also accept snake_case names for Python callers; a file must use the
        # contract's camelCase names, so a snake_case key is an unknown field here.
        fact = FACT_ADAPTER.validate_json(text, by_name=False)
    except ValidationError as exc:
        issues = []
        for err in exc.errors(include_url=False):
            reason = "unknown field" if err["type"] == "extra_forbidden" else err["msg"]
            issues.append(FactIssue(file, line, _field_of(err["loc"], record_type), reason, text))
        return None, issues
    return SourcedFact(fact, file, line, text), []


def _comparable(fact: FactModel) -> dict[str, Any]:
    data = fact.to_json_dict()
    data.pop("sourceDocumentId", None)
    return data


class _Index:
    """What the loaded facts define, for reference checks."""

    def __init__(self, records: list[SourcedFact]) -> None:
        self.alliances: set[str] = set()
        self.airlines: set[str] = set()
        self.airports: set[str] = set()
        self.programs: set[str] = set()
        self.regions: set[tuple[str, str]] = set()
        self.documents: set[str] = set()
        for sourced in records:
            match sourced.fact:
                case Alliance(alliance_id=i):
                    self.alliances.add(i)
                case Airline(airline_id=i):
                    self.airlines.add(i)
                case Airport(airport_id=i):
                    self.airports.add(i)
                case LoyaltyProgram(program_id=i):
                    self.programs.add(i)
                case AwardRegion(program_id=p, region_id=r):
                    self.regions.add((p, r))
                case WebSourceDocument(document_id=i):
                    self.documents.add(i)

    def airport_known(self, code: str) -> bool:
        return code in self.airports or known_airport(code)


def _references(fact: FactModel, index: _Index) -> Iterator[tuple[str, str]]:
    """(field, problem) for every reference of ``fact`` that resolves to nothing."""

    def program(name: str, value: str) -> Iterator[tuple[str, str]]:
        if value not in index.programs:
            yield name, f'programId "{value}" is not defined by any loyaltyProgram record'

    def airline(name: str, value: str) -> Iterator[tuple[str, str]]:
        if value not in index.airlines:
            yield name, f'airlineId "{value}" is not defined by any airline record'

    def airport(name: str, value: str) -> Iterator[tuple[str, str]]:
        if not index.airport_known(value):
            yield (
                name,
                (f'airport "{value}" is known neither to the facts nor to the airport database'),
            )

    def airlines(name: str, values: list[str] | None) -> Iterator[tuple[str, str]]:
        for i, value in enumerate(values or []):
            if value != "*":
                yield from airline(f"{name}[{i}]", value)

    def region(name: str, program_id: str, region_id: str) -> Iterator[tuple[str, str]]:
        if region_id != "*" and (program_id, region_id) not in index.regions:
            yield name, f'region "{region_id}" is not defined for program "{program_id}"'

    source = getattr(fact, "source_document_id", None)
    if source is not None and source not in index.documents:
        yield "sourceDocumentId", f'document "{source}" is not defined by a webSourceDocument'
    match fact:
        case Airline(alliance_id=a) if a is not None and a not in index.alliances:
            yield "allianceId", f'allianceId "{a}" is not defined by any alliance record'
        case LoyaltyProgram(operator_airline_id=a) if a is not None:
            yield from airline("operatorAirlineId", a)
        case TransferPartnership() | TransferBonus():
            yield from program("fromProgramId", fact.from_program_id)
            yield from program("toProgramId", fact.to_program_id)
        case BookablePartner():
            yield from program("programId", fact.program_id)
            yield from airline("airlineId", fact.airline_id)
        case Route():
            yield from airline("airlineId", fact.airline_id)
            yield from airport("origin", fact.origin)
            yield from airport("destination", fact.destination)
        case AwardRegion():
            yield from program("programId", fact.program_id)
            for i, code in enumerate(fact.airports or []):
                yield from airport(f"airports[{i}]", code)
        case AwardPrice():
            yield from program("programId", fact.program_id)
            yield from region("originRegionId", fact.program_id, fact.origin_region_id)
            yield from region("destinationRegionId", fact.program_id, fact.destination_region_id)
            yield from airlines("operatingAirlineIds", fact.operating_airline_ids)
            yield from airlines("excludedOperatingAirlineIds", fact.excluded_operating_airline_ids)
        case EarningRule():
            yield from program("creditingProgramId", fact.crediting_program_id)
            yield from airlines("operatingAirlineIds", fact.operating_airline_ids)
            yield from airlines("marketingAirlineIds", fact.marketing_airline_ids)
        case EliteTier():
            yield from program("programId", fact.program_id)
        case Passage() if fact.document_id not in index.documents:
            yield "documentId", f'document "{fact.document_id}" is not defined'


def _dedupe(records: list[SourcedFact]) -> tuple[list[SourcedFact], list[FactIssue]]:
    """One record per entity and per identical non-entity; conflicting entities are errors.

    Two records that differ only in ``sourceDocumentId`` state the same fact from two
    sources: the first one is kept, for entities and non-entities alike (otherwise two pages
    stating one transfer partnership would be two overlapping versions).
    """
    kept: list[SourcedFact] = []
    issues: list[FactIssue] = []
    entities: dict[tuple[str, ...], SourcedFact] = {}
    seen: set[str] = set()
    for sourced in records:
        key = entity_key(sourced.fact)
        if key is None:
            canonical = json.dumps(_comparable(sourced.fact), sort_keys=True)
            if canonical not in seen:
                seen.add(canonical)
                kept.append(sourced)
            continue
        first = entities.get(key)
        if first is None:
            entities[key] = sourced
            kept.append(sourced)
        elif _comparable(first.fact) != _comparable(sourced.fact):
            issues.append(
                FactIssue(
                    sourced.file,
                    sourced.line,
                    None,
                    f"{key[0]} {'/'.join(key[1:])} is already defined differently at "
                    f"{first.file}:{first.line}",
                    sourced.text,
                )
            )
    return kept, issues


def _overlapping_versions(records: list[SourcedFact]) -> list[FactIssue]:
    """Two versions of one transfer pair with the same effectiveDate that overlap in time."""
    by_pair: dict[tuple[str, str], list[SourcedFact]] = defaultdict(list)
    for sourced in records:
        if isinstance(sourced.fact, TransferPartnership):
            by_pair[(sourced.fact.from_program_id, sourced.fact.to_program_id)].append(sourced)
    issues = []
    for (source, target), versions in by_pair.items():
        for i, later in enumerate(versions):
            for earlier in versions[:i]:
                a, b = earlier.fact, later.fact
                assert isinstance(a, TransferPartnership)
                assert isinstance(b, TransferPartnership)
                if a.effective_date != b.effective_date:
                    continue
                a_end, b_end = a.expiration_date, b.expiration_date
                start = a.effective_date
                overlaps = start is None or (
                    (a_end is None or start <= a_end) and (b_end is None or start <= b_end)
                )
                if overlaps:
                    issues.append(
                        FactIssue(
                            later.file,
                            later.line,
                            "effectiveDate",
                            f"transfer {source} -> {target} has another version with the same "
                            f"effectiveDate at {earlier.file}:{earlier.line} that overlaps it",
                            later.text,
                        )
                    )
                    break
    return issues


def complete_airports(facts: list[FactModel]) -> list[FactModel]:
    """Add airport records for referenced airports and fill missing coordinates/country.

    What the facts state always wins over the bundled database.
    """
    stated: dict[str, Airport] = {f.airport_id: f for f in facts if isinstance(f, Airport)}
    referenced: set[str] = set()
    for fact in facts:
        match fact:
            case Route():
                referenced.update((fact.origin, fact.destination))
            case AwardRegion(airports=codes) if codes:
                referenced.update(codes)
    result = [f for f in facts if not isinstance(f, Airport)]
    for code in sorted(referenced | set(stated)):
        reference = reference_airport(code) or {}
        own = stated[code].model_dump(by_alias=True, exclude_none=True) if code in stated else {}
        merged = {**reference, **own, "type": "airport", "airportId": code}
        result.append(Airport.model_validate(merged, strict=False))
    return result


def validate_records(
    parsed: list[SourcedFact],
    issues: list[FactIssue],
    *,
    quarantine: bool,
    context: list[FactModel] = (),  # type: ignore[assignment]
) -> LoadResult:
    """Cross-record checks over parsed lines; raise or quarantine per the caller's choice."""
    kept, duplicate_issues = _dedupe(parsed)
    issues = issues + duplicate_issues + _overlapping_versions(kept)
    bad_lines = {(i.file, i.line) for i in issues}
    # Every line's references are checked, including a duplicate that collapses into an
    # earlier line: its own sourceDocumentId may dangle, and a quarantine must list it too.
    records = [r for r in parsed if (r.file, r.line) not in bad_lines]
    context_records = [SourcedFact(f, "(graph)", 0, "") for f in context]
    while True:
        index = _Index(context_records + records)
        dangling = [
            FactIssue(r.file, r.line, name, problem, r.text)
            for r in records
            for name, problem in _references(r.fact, index)
        ]
        if not dangling:
            break
        issues += dangling
        if not quarantine:
            break
        bad_lines = {(i.file, i.line) for i in dangling}
        records = [r for r in records if (r.file, r.line) not in bad_lines]
    issues.sort(key=lambda i: (i.file, i.line))
    if issues and not quarantine:
        raise FactsValidationError(issues)
    kept, _ = _dedupe(records)
    return LoadResult(complete_airports([r.fact for r in kept]), issues)


def parse_files(paths: Iterable[Path]) -> tuple[list[SourcedFact], list[FactIssue]]:
    """Every line of the files validated on its own: the records that parsed, and the
    problems of those that did not."""
    parsed: list[SourcedFact] = []
    issues: list[FactIssue] = []
    for file, line, text in read_lines(paths):
        sourced, line_issues = parse_line(file, line, text)
        issues += line_issues
        if sourced is not None:
            parsed.append(sourced)
    return parsed, issues


def load_facts(paths: Iterable[Path], *, quarantine: bool = False) -> LoadResult:
    """Read and validate JSONL facts files loaded together."""
    parsed, issues = parse_files(paths)
    return validate_records(parsed, issues, quarantine=quarantine)


def write_quarantine(path: Path, issues: list[FactIssue]) -> None:
    """Bad lines with their errors, one JSON object per bad line."""
    by_line: dict[tuple[str, int], list[FactIssue]] = defaultdict(list)
    for issue in issues:
        by_line[(issue.file, issue.line)].append(issue)
    with path.open("w", encoding="utf-8") as out:
        for (file, line), line_issues in sorted(by_line.items()):
            entry = {
                "file": file,
                "line": line,
                "record": line_issues[0].record,
                "errors": [{"field": i.field, "message": i.message} for i in line_issues],
            }
            out.write(json.dumps(entry, ensure_ascii=False) + "\n")
