"""The offline extractor: facts from the tables and prose of loyalty pages, with no model.

It reads the document structure (``documents.model``) the way loyalty sites write it:
transfer-partner tables and sentences, transfer bonuses with their dates, award charts by
region or distance band and cabin (one-way, round trip, per segment), fare-class earning
tables, revenue earning by status, elite tiers, and route lists. Names become ids through
the catalogue. Nothing in it knows any particular page; what a table is comes from its
header words and the values in its cells.

Document text is only ever data: a sentence is extracted from when it states a fact in the
shapes below, and nothing in it can change what the extractor does.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

import pycountry
from pydantic import ValidationError

from loyalty_maximizer.documents.model import Block, PreparedDocument
from loyalty_maximizer.extraction import values
from loyalty_maximizer.extraction.catalogue import Catalogue, words
from loyalty_maximizer.extraction.result import Extraction, source_document_record
from loyalty_maximizer.facts.models import (
    AllOf,
    AwardPrice,
    AwardRegion,
    Cabin,
    EarningRule,
    EliteMetric,
    EliteTier,
    FactModel,
    MetricThreshold,
    Route,
    TransferBonus,
    TransferPartnership,
)

_AMOUNT = r"(\d[\d,]*(?:\.\d+)?k?)"  # an amount as pages write it: 1,000 / 1.5 / 60k
_REGION_SEPARATOR = re.compile(r"\s+(?:-|–|—|to|↔|<->|and)\s+")
_AIRPORT_PAIR = re.compile(r"\b([A-Z]{3})\s*(?:-|–|—|to|/|→|->)\s*([A-Z]{3})\b")
_AIRLINE_CODE = re.compile(r"^\s*([A-Z0-9]{2})\b")
_BONUS_WORDS = ("bonus", "promotion", "promo", "extra", "% more")
_DYNAMIC_WORDS = ("from", "starting at", "dynamic", "as low as")
_MONTHS = "|".join(values.MONTHS)


@dataclass
class _Context:
    document: PreparedDocument
    headings: list[tuple[int, str]]
    # What earlier blocks of the document established for later ones.
    region_ids: dict[str, set[str]] = field(default_factory=dict)  # program -> region ids
    transfer_minimum: int | None = None
    transfer_increment: int | None = None
    transfer_ratio: tuple[int, int] | None = None  # "transfer 1:1 to every partner below"
    transfer_time: str | None = None  # "most transfers are instant"
    transfer_times: dict[str, str] = field(default_factory=dict)  # per target program
    block_bonus: tuple[int, int] | None = None  # "for every 60,000 points ... 5,000 bonus"
    block_bonuses: dict[str, tuple[int, int]] = field(default_factory=dict)
    elite_metrics: list[EliteMetric] = field(default_factory=list)  # stated for every flight
    partner_elite_bonus: bool = True  # "the status bonus does not apply to partner flights"
    preamble: list[str] = field(default_factory=list)  # text before the first table
    row_label_header: str = ""  # the chart's first header cell ("Between Japan and")
    last_route: Route | None = None  # a route card that later lines complete
    last_chart: dict[tuple[str, str], list[AwardPrice]] = field(default_factory=dict)

    def text(self) -> str:
        return " / ".join([self.document.title or "", *(h for _, h in self.headings)])


def _country(name: str) -> str | None:
    cleaned = re.sub(r"\(.*?\)", "", name).strip().strip(".")
    if not cleaned:
        return None
    if re.fullmatch(r"[A-Z]{2}", cleaned):
        return cleaned
    try:
        return str(pycountry.countries.lookup(cleaned).alpha_2)
    except LookupError:
        return _COUNTRY_ALIASES.get(cleaned.lower())


# Names pages use that the ISO list spells differently.
_COUNTRY_ALIASES = {
    "usa": "US",
    "u.s.": "US",
    "uk": "GB",
    "great britain": "GB",
    "england": "GB",
    "turkey": "TR",
    "russia": "RU",
    "korea": "KR",
    "south korea": "KR",
    "north korea": "KP",
    "macau": "MO",
    "brunei": "BN",
    "ivory coast": "CI",
    "cape verde": "CV",
    "uae": "AE",
    "holland": "NL",
    "czechia": "CZ",
    "vatican": "VA",
    "palestine": "PS",
    "syria": "SY",
}


def _header_index(header: list[str], *needles: str) -> int | None:
    for i, cell in enumerate(header):
        lowered = cell.lower()
        if any(n in lowered for n in needles):
            return i
    return None


class OfflineExtractor:
    """Facts from a prepared document; ``catalogue`` turns names into ids."""

    def __init__(self, catalogue: Catalogue) -> None:
        self.catalogue = catalogue

    def extract(self, document: PreparedDocument) -> Extraction:
        out = Extraction(facts=[source_document_record(document)])
        context = _Context(document, [])
        self._document_defaults(document, context)
        for block in document.blocks:
            if block.kind == "table":
                break
            if block.kind == "paragraph":
                context.preamble.append(block.text)
        for block in document.blocks:
            if block.kind == "heading":
                level = block.level or 1
                context.headings = [h for h in context.headings if h[0] < level]
                context.headings.append((level, block.text))
                continue
            found = (
                self._table(block, context, out)
                if block.kind == "table"
                else self._sentence(block.text, context, out)
            )
            try:
                out.facts.extend(found)
            except ValidationError as exc:
                # A value the page states that the facts contract cannot hold: report it
                # and keep what the rest of the document says.
                excerpt = block.text or " | ".join(block.rows[0] if block.rows else [])
                out.warnings.append(_skipped(excerpt, exc))
        surcharges = _stated_surcharges(
            b.text for b in document.blocks if b.kind in ("paragraph", "list_item")
        )
        if surcharges:
            out.facts = [
                f.model_copy(update={"surcharge_usd": surcharges[f.cabin]})
                if isinstance(f, AwardPrice) and f.surcharge_usd is None and f.cabin in surcharges
                else f
                for f in out.facts
            ]
        out.facts = _unique(out.facts)
        return out

    def _document_defaults(self, document: PreparedDocument, context: _Context) -> None:
        """What a page says once for all its transfer partners: minimum and increment, a
        common ratio, the usual transfer time and its exceptions, a block bonus."""
        # Clauses too: "most transfers are instant; transfers to X take two days" is a
        # default and its exception.
        sentences = [
            s
            for b in document.blocks
            if b.kind != "table"
            for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])|;\s+", b.text)
        ]
        for sentence in sentences:
            for metric in _stated_elite_metrics(sentence):
                if all(m.metric_name != metric.metric_name for m in context.elite_metrics):
                    context.elite_metrics.append(metric)
            lowered = sentence.lower()
            if "bonus" in lowered and re.search(
                r"does not apply|doesn't apply|do not apply|not eligible|no (?:elite|status) bonus",
                lowered,
            ):
                context.partner_elite_bonus = False
            named = [m.id for m in self.catalogue.mentions(sentence) if m.kind == "program"]
            targets = [p for p in named if not self._is_bank(p)]
            increment = re.search(
                rf"(?:increments|multiples|blocks) of\s+{_AMOUNT}|{_AMOUNT}[- ]points? increments",
                lowered,
            )
            if increment and context.transfer_increment is None:
                context.transfer_increment = values.points(increment.group(1) or increment.group(2))
            minimum = re.search(
                r"minimum(?: transfer)?(?: of| is)?\s+(\d[\d,]*(?:\.\d+)?k?)"
                r"|(\d[\d,]*(?:\.\d+)?k?)[- ]points? minimum"
                r"|smallest transfer is\s+(\d[\d,]*(?:\.\d+)?k?)"
                r"|at least\s+(\d[\d,]*(?:\.\d+)?k?)\s+points? to (?:make a )?transfer",
                lowered,
            )
            if minimum and context.transfer_minimum is None:
                amount = next(g for g in minimum.groups() if g)
                context.transfer_minimum = values.points(amount)
            parsed = values.ratio(sentence)
            if parsed and re.search(
                r"every|all (?:airline |hotel )?partners|partners? (?:listed )?below|most airlines",
                lowered,
            ):
                context.transfer_ratio = context.transfer_ratio or parsed
            timing = (
                values.transfer_time(sentence)
                if "transfer" in lowered or "credited" in lowered
                else None
            )
            if timing and re.search(r"\b(?:most|all|usually|typically)\b", lowered) and not targets:
                context.transfer_time = context.transfer_time or timing
            elif timing and targets and re.search(r"take|post|arrive|credit", lowered):
                for target in targets:
                    context.transfer_times.setdefault(target, timing)
            block = re.search(
                rf"(?:every|each)\s+{_AMOUNT}\s+points?[^.]*?\b{_AMOUNT}[- ]"
                r"(?:mile|point)s?\s+bonus",
                lowered,
            )
            if block:
                every, extra = values.points(block.group(1)), values.points(block.group(2))
                if every and extra:
                    if targets:
                        for target in targets:
                            context.block_bonuses[target] = (every, extra)
                    elif context.block_bonus is None:
                        context.block_bonus = (every, extra)

    # Subjects --------------------------------------------------------------------------

    def _subject_program(self, context: _Context) -> str | None:
        """The program a section is about: the last program its headings name, else the
        title's."""
        texts = [h for _, h in reversed(context.headings)]
        texts += [context.document.title or "", *context.preamble[:3]]
        for text in texts:
            found = self.catalogue.first(text, "program")
            if found:
                return found
        # A page titled by its airline ("ANA International Flight Award Chart") is about
        # the program that airline operates.
        for text in texts:
            airline = self.catalogue.first(text, "airline")
            program = self.catalogue.program_of_airline(airline) if airline else None
            if program:
                return program
        return None

    def _subject_airline(self, context: _Context, exclude: str | None = None) -> str | None:
        """The airline a section is about, preferring one other than ``exclude`` (the
        program's own airline, named on every page of its site) when both are named."""
        named = [
            mention.id
            for text in [*(h for _, h in reversed(context.headings)), context.document.title or ""]
            for mention in self.catalogue.mentions(text)
            if mention.kind == "airline"
        ]
        return next((a for a in named if a != exclude), named[0] if named else None)

    def _is_bank(self, program_id: str) -> bool:
        program = self.catalogue.programs.get(program_id)
        return program is not None and program.kind == "bank"

    def _is_transferable_source(self, program_id: str) -> bool:
        program = self.catalogue.programs.get(program_id)
        return program is not None and program.kind in ("bank", "hotel")

    # Tables ----------------------------------------------------------------------------

    def _table(self, block: Block, context: _Context, out: Extraction) -> Iterator[FactModel]:
        if len(block.rows) < 2:
            return
        header = [c.strip() for c in block.rows[0]]
        body = [r for r in block.rows[1:] if any(c.strip() for c in r)]
        if (
            body
            and any(
                values.cabin(c) and not values.cabin(h)
                for h, c in zip(header[1:], body[0][1:], strict=False)
            )
            # A route row with its cabins ("XA ABC-DEF | Economy") is data, not a header.
            and not _AIRPORT_PAIR.search(" ".join(body[0]))
        ):
            # A two-row header ("Points required" over "Economy | Business"): join them.
            second = [*body[0], *[""] * len(header)]
            header = [
                h if c == h else f"{h} {c}".strip() for h, c in zip(header, second, strict=False)
            ]
            body = body[1:]
        lowered = " | ".join(header).lower()
        cabin_columns = {
            i: found for i, h in enumerate(header) if i and (found := values.cabin(h)) is not None
        }
        section = (context.headings[-1][1] if context.headings else "").lower()
        fees = re.compile(r"tax|fee|surcharge|carrier charge", re.I)
        if cabin_columns and (
            all(fees.search(header[i]) for i in cabin_columns)
            or (
                fees.search(section)
                and not any(
                    re.search(r"miles|points|avios", header[i], re.I) for i in cabin_columns
                )
            )
        ):
            self._surcharges(body, cabin_columns, context, out)
            return
        ratio_rows = sum(1 for r in body if any(values.ratio(c) for c in r[1:]))
        if "ratio" in lowered or (body and ratio_rows * 2 >= len(body)):
            yield from self._transfer_table(header, body, context, out)
        elif (
            _header_index(header, "fare class", "booking code", "booking class", "fare code")
            is not None
        ):
            yield from self._fare_class_table(header, body, context, out)
        elif re.search(r"per (?:us )?(?:dollar|\$|usd)|/\s*\$|miles per|points per", lowered):
            yield from self._revenue_table(header, body, context, out)
        elif cabin_columns:
            yield from self._award_chart(header, body, cabin_columns, context, out)
        elif _header_index(header, "status", "tier", "level") is not None:
            yield from self._elite_table(header, body, context, out)
        elif _header_index(header, "region", "zone") is not None:
            yield from self._region_table(header, body, context, out)
        elif _header_index(header, "route", "flight") is not None:
            for row in body:
                yield from self._sentence(" ".join(row), context, out)

    def _transfer_table(
        self, header: list[str], body: list[list[str]], context: _Context, out: Extraction
    ) -> Iterator[FactModel]:
        subject = self._subject_program(context)
        ratio_col = _header_index(header, "ratio", "rate", "conversion")
        minimum_col = _header_index(header, "minimum", "min")
        increment_col = _header_index(header, "increment", "multiples", "blocks")
        time_col = _header_index(header, "time", "speed", "processing")
        for row in body:
            partner = self.catalogue.first(row[0], "program") or next(
                (
                    self.catalogue.first(c, "program")
                    for c in row
                    if self.catalogue.first(c, "program")
                ),
                None,
            )
            if partner is None or subject is None or partner == subject:
                out.warnings.append(f"transfer row without a known partner program: {row[0]!r}")
                continue
            cell = (
                row[ratio_col] if ratio_col is not None and ratio_col < len(row) else " ".join(row)
            )
            parsed = values.ratio(cell)
            if parsed is None and ratio_col is not None and ratio_col + 1 < len(row):
                # The ratio split over two columns ("ThankYou Points | Partner miles").
                parsed = values.ratio(f"{row[ratio_col]}:{row[ratio_col + 1]}")
            if parsed is None:
                out.warnings.append(f"transfer row for {partner} without a ratio: {cell!r}")
                continue
            source, target = (
                (subject, partner)
                if self._is_transferable_source(subject)
                or not self._is_transferable_source(partner)
                else (partner, subject)
            )
            yield from self._transfer(
                source,
                target,
                parsed,
                minimum=values.points(row[minimum_col])
                if minimum_col is not None and minimum_col < len(row)
                else None,
                increment=values.points(row[increment_col])
                if increment_col is not None and increment_col < len(row)
                else None,
                timing=values.transfer_time(row[time_col])
                if time_col is not None and time_col < len(row)
                else None,
                context=context,
                out=out,
            )

    def _transfer(
        self,
        source: str,
        target: str,
        parsed: tuple[int, int],
        *,
        minimum: int | None,
        increment: int | None,
        timing: str | None,
        context: _Context,
        out: Extraction,
        block: tuple[int, int] | None = None,
    ) -> Iterator[FactModel]:
        ratio_from, ratio_to = parsed
        minimum = minimum or context.transfer_minimum
        increment = increment or context.transfer_increment
        timing = timing or context.transfer_times.get(target) or context.transfer_time
        block = block or context.block_bonuses.get(target) or context.block_bonus
        if not values.plausible_ratio(ratio_from, ratio_to):
            out.warnings.append(
                f"implausible transfer ratio {ratio_from}:{ratio_to} for {source} -> {target}"
            )
            return
        if not self.catalogue.receives_transfers(target):
            out.warnings.append(f"implausible transfer into the bank currency {target}")
            return
        data: dict[str, object] = {
            "from_program_id": source,
            "to_program_id": target,
            "ratio_from": ratio_from,
            "ratio_to": ratio_to,
            "source_document_id": context.document.document_id,
        }
        if minimum:
            data["minimum_transfer"] = minimum
        if increment:
            data["transfer_increment"] = increment
        if timing:
            data["transfer_time"] = timing
        if block:
            data["block_bonus"] = {"every_source_points": block[0], "bonus_target_points": block[1]}
        yield TransferPartnership.model_validate(data, strict=False)

    def _fare_class_table(
        self, header: list[str], body: list[list[str]], context: _Context, out: Extraction
    ) -> Iterator[FactModel]:
        program = self._subject_program(context)
        operator = self._subject_airline(
            context,
            exclude=self.catalogue.programs[program].operator_airline_id
            if program in self.catalogue.programs
            else None,
        )
        if program is None or operator is None:
            out.warnings.append("fare-class table without a crediting program or airline")
            return
        class_col = _header_index(
            header, "fare class", "booking code", "booking class", "fare code"
        )
        if class_col is None:
            return
        rate_col = _header_index(header, "award miles", "miles", "%", "percent", "distance", "earn")
        metric_cols = {
            i: h
            for i, h in enumerate(header)
            if i not in (class_col, rate_col) and _ELITE_METRIC.search(h)
        }
        for row in body:
            classes = values.fare_classes(row[class_col]) if class_col < len(row) else None
            rate = (
                values.percent(row[rate_col])
                if rate_col is not None and rate_col < len(row)
                else None
            )
            if not classes or rate is None:
                continue
            metrics = []
            for i, name in metric_cols.items():
                if i >= len(row):
                    continue
                per_flight = re.search(r"per (?:flight|segment)", name, re.I)
                amount = values.number(row[i])
                if per_flight:
                    # "Points and Qualifying Points per flight": a fixed amount each.
                    names = re.split(r"\s+and\s+|,\s*", re.sub(r"per .*$", "", name).strip())
                    if amount is not None:
                        metrics += [
                            EliteMetric(metric_name=n.strip(), basis="fixed", rate=amount)
                            for n in names
                            if n.strip()
                        ]
                    continue
                metric_rate = values.percent(row[i])
                per_hundred = re.search(r"per 100 miles", name, re.I)
                if metric_rate is None and per_hundred:
                    amount = values.number(row[i])
                    metric_rate = amount if amount is not None else None
                if metric_rate is not None:
                    metrics.append(
                        EliteMetric(
                            metric_name=_metric_name(name),
                            basis="distance",
                            rate=round(metric_rate / 100, 6),
                        )
                    )
                elif "same" in row[i].lower() or "as miles" in row[i].lower():
                    metrics.append(
                        EliteMetric(metric_name=_metric_name(name), basis="same_as_redeemable")
                    )
            metrics.extend(
                m
                for m in context.elite_metrics
                if m.metric_name not in {x.metric_name for x in metrics}
            )
            yield EarningRule(
                # Named for what it covers, so that rules from several tables of one page
                # never share an id and re-reading the page gives the same ids.
                rule_id=f"{context.document.document_id}-{operator.lower()}-"
                f"{''.join(classes).lower()}",
                crediting_program_id=program,
                operating_airline_ids=[operator],
                fare_classes=classes,
                basis="distance",
                redeemable_rate=rate / 100,
                elite_metrics=metrics or None,
                elite_bonus_eligible=context.partner_elite_bonus,
                source_document_id=context.document.document_id,
            )

    def _revenue_table(
        self, header: list[str], body: list[list[str]], context: _Context, out: Extraction
    ) -> Iterator[FactModel]:
        program = self._subject_program(context)
        if program is None:
            out.warnings.append("revenue earning table without a program")
            return
        operator = (
            self.catalogue.programs[program].operator_airline_id
            if program in self.catalogue.programs
            else None
        )
        rates: list[tuple[str, float]] = []
        for row in body:
            rate = values.number(" ".join(row[1:]))
            if rate is not None:
                rates.append((row[0].strip(), rate))
        if not rates:
            return
        _, base_rate = rates[0]
        yield EarningRule(
            rule_id=f"{context.document.document_id}-revenue",
            crediting_program_id=program,
            operating_airline_ids=["*"],
            marketing_airline_ids=[operator] if operator else None,
            basis="revenue",
            redeemable_rate=base_rate,
            elite_metrics=context.elite_metrics or None,
            # Flights marketed by the program's airline earn on the fare whoever operates
            # them: this rule must win over partner (fare-class) rules for the same flight.
            priority=10 if operator else 0,
            source_document_id=context.document.document_id,
        )

    def _award_chart(
        self,
        header: list[str],
        body: list[list[str]],
        cabin_columns: dict[int, Cabin],
        context: _Context,
        out: Extraction,
    ) -> Iterator[FactModel]:
        program = self._subject_program(context)
        if program is None:
            out.warnings.append("award chart without a program")
            return
        scope = context.text().lower() + " " + header[0].lower()
        round_trip = "round trip" in scope or "round-trip" in scope or "roundtrip" in scope
        per_segment = "per segment" in scope or "each flight" in scope or "per flight" in scope
        dynamic_table = any(w in scope for w in ("dynamic", "starting at", "as low as"))
        operating, excluded = self._airline_scope(program, context)
        section_pair = self._heading_region_pair(program, context)
        context.row_label_header = header[0]
        fee_col = next(
            (i for i, h in enumerate(header) if re.search(r"fee|tax|surcharge", h, re.I)), None
        )
        fee_cabins = (
            [values.cabin(part) for part in header[fee_col].split("/")]
            if fee_col is not None
            else []
        )
        # One fee column per cabin ("Taxes from (USD) Economy", "... Premium"): each
        # gives that cabin's surcharge.
        fee_by_cabin = {
            cabin: i
            for i, cabin in cabin_columns.items()
            if re.search(r"fee|tax|surcharge|charges", header[i], re.I)
        }
        if len(fee_by_cabin) > 1:
            cabin_columns = {
                i: c for i, c in cabin_columns.items() if i not in fee_by_cabin.values()
            }
            fee_col = None
        if fee_col is not None:
            # The fees column names its cabins ("Economy / Business / First") or lists
            # them in the price columns' order: it is not a price column of its own.
            cabin_columns = {i: c for i, c in cabin_columns.items() if i != fee_col}
            if not any(fee_cabins):
                fee_cabins = [cabin_columns[i] for i in sorted(cabin_columns)]
        labels = [_chart_label(row[0]) for row in body]
        # A chart that prices "A to B" and "B to A" apart is directional for those rows.
        directed = {
            tuple(parts)
            for label in labels
            if len(parts := re.split(r"\s+to\s+", label, maxsplit=1)) == 2
        }
        context.last_chart = {}
        for row, label in zip(body, labels, strict=True):
            band = values.distance_band(label)
            minimum: int | None = None
            maximum: int | None = None
            if band is not None:
                origin_region, destination_region = section_pair or ("*", "*")
                minimum, maximum = band
            else:
                origin_region, destination_region = self._region_pair(program, label, context)
            for i, cabin in cabin_columns.items():
                if i >= len(row):
                    continue
                cell = row[i]
                amount = values.points(cell)
                if amount is None or amount == 0:
                    continue
                # "from 47,500" in the cell, or a column headed "Saver rewards from (points)".
                dynamic = (
                    any(w in cell.lower() for w in _DYNAMIC_WORDS)
                    or dynamic_table
                    or bool(re.search(r"\bfrom\b", header[i], re.I))
                )
                surcharge = None
                if cabin in fee_by_cabin and len(fee_by_cabin) > 1:
                    surcharge = values.number(row[fee_by_cabin[cabin]])
                elif fee_col is not None and fee_col < len(row) and cabin in fee_cabins:
                    fees = [values.number(f) for f in row[fee_col].split("/")]
                    position = fee_cabins.index(cabin)
                    surcharge = fees[position] if position < len(fees) else None
                data = {
                    "program_id": program,
                    "origin_region_id": origin_region,
                    "destination_region_id": destination_region,
                    "cabin": cabin,
                    "points": amount,
                    "trip_type": "round_trip" if round_trip and not per_segment else "one_way",
                    "pricing": "dynamic_from" if dynamic else "fixed",
                    "min_distance": minimum,
                    "max_distance": maximum,
                    "per_segment": per_segment,
                    "symmetric": not _reversed_in(label, directed),
                    "surcharge_usd": surcharge,
                    "operating_airline_ids": operating,
                    "excluded_operating_airline_ids": excluded,
                    "source_document_id": context.document.document_id,
                }
                try:
                    price = AwardPrice.model_validate(data, strict=False)
                except ValidationError as exc:
                    # A row the contract cannot hold (a band written backwards) is wrong for
                    # every cabin: report it once and keep the chart's other rows.
                    out.warnings.append(_skipped(" | ".join(row), exc))
                    break
                context.last_chart.setdefault((values.slug(label), cabin), []).append(price)
                yield price

    def _surcharges(
        self,
        body: list[list[str]],
        cabin_columns: dict[int, Cabin],
        context: _Context,
        out: Extraction,
    ) -> None:
        """A table of taxes and carrier charges beside an award chart: its amounts belong to
        the chart's rows with the same label and cabin."""
        position = {id(fact): i for i, fact in enumerate(out.facts)}
        for row in body:
            label = values.slug(row[0])
            for i, cabin in cabin_columns.items():
                amount = values.number(row[i]) if i < len(row) else None
                if amount is None:
                    continue
                for price in context.last_chart.get((label, cabin), []):
                    if id(price) in position:
                        out.facts[position[id(price)]] = price.model_copy(
                            update={"surcharge_usd": amount}
                        )

    def _airline_scope(
        self, program: str, context: _Context
    ) -> tuple[list[str] | None, list[str] | None]:
        """Operating airlines a chart section is limited to ("flights operated by British
        Airways") or excludes ("flights operated by partner airlines")."""
        operator = self.catalogue.programs[program].operator_airline_id
        scopes = [h for _, h in reversed(context.headings)] + context.preamble
        for text in scopes:
            lowered = text.lower()
            match = re.search(r"operated by ([^.;,]+)", text, re.I) or re.search(
                r"([\w&' ]+?)-operated\b", text, re.I
            )
            if match is None:
                continue
            if re.search(r"partner airline|other airline|any other", lowered):
                return None, ([operator] if operator else None)
            airline = self.catalogue.first(match.group(1) if match else "", "airline")
            if airline:
                return [airline], None
        for text in [context.document.title or "", *(h for _, h in context.headings)]:
            # "Reward flights on Virgin Atlantic": a chart of the airline's own flights.
            own = re.search(r"(?:flights|seats|rewards) on ([^:.;,|]+)", text, re.I)
            airline = self.catalogue.first(own.group(1), "airline") if own else None
            if airline is not None:
                return [airline], None
        if context.headings:
            # A section of a partner-awards page headed only by airline names ("Delta Air
            # Lines", "Air France and KLM") prices flights those airlines operate.
            heading = context.headings[-1][1]
            named = [m for m in self.catalogue.mentions(heading) if m.kind == "airline"]
            covered = sum(m.length for m in named)
            filler = [w for w in words(heading) if w in {"and", "&"}]
            if named and covered + len(filler) == len(words(heading)):
                airlines = list(dict.fromkeys(m.id for m in named))
                if airlines != [operator]:
                    return airlines, None
        return None, None

    def _region(self, program: str, name: str) -> str:
        """A region's id: the one the knowledge already uses for this name, else one made
        from the name."""
        known = self.catalogue.region_id(program, name)
        inner = re.search(r"\(([^)]+)\)", name)
        if known is None and inner:
            # "London (UK)": the explanation may be the region the knowledge knows.
            known = self.catalogue.region_id(program, inner.group(1))
        return known or _region_slug(name)

    def _is_region(self, program: str, name: str, context: _Context) -> bool:
        return self.catalogue.region_id(program, name) is not None or _region_slug(
            name
        ) in context.region_ids.get(program, set())

    def _split_regions(self, program: str, text: str, context: _Context) -> tuple[str, str] | None:
        """Two regions named in one label ("North America - Atlantic"), unless the whole
        label is itself a region's name ("Contiguous 48 U.S. and Canada")."""
        if self._is_region(program, text, context):
            return None
        parts = self._region_parts(program, text, context)
        if parts is None:
            return None
        return self._region(program, parts[0]), self._region(program, parts[1])

    def _region_parts(self, program: str, text: str, context: _Context) -> tuple[str, str] | None:
        """The two names in a label: split at the first separator, unless a later one
        leaves a known region on both sides ("Contiguous 48 U.S. and Canada - Europe")."""
        splits = [(text[: m.start()], text[m.end() :]) for m in _REGION_SEPARATOR.finditer(text)]
        known = (s for s in splits if all(self._is_region(program, p, context) for p in s))
        return next(known, splits[0] if splits else None)

    def _heading_region_pair(self, program: str, context: _Context) -> tuple[str, str] | None:
        """A section heading that names two regions of the program ("North America -
        Atlantic") or one ("Within Pacific")."""
        if not context.headings:
            return None
        heading = context.headings[-1][1]
        within = re.match(r"\s*(?:within|inside)\s+(.+)$", heading, re.I)
        if within and self._is_region(program, within.group(1), context):
            region = self._region(program, within.group(1))
            return region, region
        pair = self._split_regions(program, heading, context)
        parts = self._region_parts(program, heading, context)
        if pair and parts and all(self._is_region(program, p, context) for p in parts):
            return pair
        return None

    def _region_pair(self, program: str, label: str, context: _Context) -> tuple[str, str]:
        """Region ids for a chart row: "North America - Europe" is a pair; a single region
        is priced from the chart's or the section's home region when one is named."""
        pair = self._split_regions(program, label, context)
        if pair:
            return pair
        within = re.match(r"\s*(?:within|inside)\s+(?:the\s+)?(.+)$", label, re.I)
        if within:
            region = self._region(program, within.group(1))
            return region, region
        destination = self._region(program, label)
        between = re.match(
            r"\s*(?:between|from)\s+(.+?)\s+(?:and|to)\s*$", context.row_label_header, re.I
        )
        if between:
            return self._region(program, between.group(1)), destination
        for _, heading in reversed(context.headings):
            match = re.search(r"\bfrom\s+(?:the\s+)?(.+?)(?:\s+to\b|$)", heading, re.I)
            if match:
                return self._region(program, match.group(1)), destination
        return destination, destination

    def _elite_table(
        self, header: list[str], body: list[list[str]], context: _Context, out: Extraction
    ) -> Iterator[FactModel]:
        program = self._subject_program(context)
        if program is None:
            out.warnings.append("elite tier table without a program")
            return
        bonus_col = _header_index(header, "bonus")
        metric_cols = {
            i: _metric_name(h)
            for i, h in enumerate(header)
            if i and i != bonus_col and not re.search(r"alliance|benefit|perk|lounge", h.lower())
        }
        rank = 0
        for row in body:
            name = row[0].strip()
            if not name or name.lower() in {"member", "basic", "blue", "general member"}:
                continue
            thresholds: list[MetricThreshold | AllOf] = []
            for i, metric in metric_cols.items():
                if i >= len(row):
                    continue
                # "2,000 Points, including 1,000 Qualifying Points": every amount named.
                named = [
                    MetricThreshold(metric_name=m.strip(), threshold=float(n.replace(",", "")))
                    for n, m in re.findall(
                        rf"(\d[\d,]*)\s+((?:{_METRIC_NAMES}|HON Circle Points|Points|Miles)\b)",
                        row[i],
                        re.I,
                    )
                ]
                if len(named) > 1:
                    thresholds.append(AllOf(all_of=named))
                elif named:
                    thresholds.append(named[0])
                else:
                    amount = values.points(row[i])
                    if amount:
                        thresholds.append(MetricThreshold(metric_name=metric, threshold=amount))
            bonus = (
                values.percent(row[bonus_col])
                if bonus_col is not None and bonus_col < len(row)
                else None
            )
            rank += 1
            alliance = None
            for cell in row:
                lowered = cell.lower()
                for tier_word in (
                    "gold",
                    "silver",
                    "ruby",
                    "sapphire",
                    "emerald",
                    "elite plus",
                    "elite",
                ):
                    for alliance_word, prefix in (
                        ("star alliance", "star"),
                        ("oneworld", "oneworld"),
                        ("skyteam", "skyteam"),
                    ):
                        if alliance_word in lowered and tier_word in lowered.replace(
                            alliance_word, ""
                        ):
                            alliance = f"{prefix}_{tier_word.replace(' ', '_')}"
                            break
                    if alliance:
                        break
            yield EliteTier.model_validate(
                {
                    "program_id": program,
                    "tier_id": self.catalogue.tier_id(program, name) or values.slug(name),
                    "name": name,
                    "rank": rank,
                    "redeemable_bonus_percent": bonus or 0,
                    "qualification": [t.model_dump() for t in thresholds] or None,
                    "alliance_tier": alliance,
                    "source_document_id": context.document.document_id,
                },
                strict=False,
            )

    def _region_table(
        self, header: list[str], body: list[list[str]], context: _Context, out: Extraction
    ) -> Iterator[FactModel]:
        program = self._subject_program(context)
        if program is None:
            return
        for row in body:
            if len(row) < 2:
                continue
            countries = [c for c in (_country(x) for x in re.split(r",|;|\band\b", row[1])) if c]
            if countries:
                region_id = self._region(program, row[0])
                context.region_ids.setdefault(program, set()).add(region_id)
                yield AwardRegion(
                    program_id=program,
                    region_id=region_id,
                    name=row[0].strip(),
                    countries=countries,
                    source_document_id=context.document.document_id,
                )

    # Prose -----------------------------------------------------------------------------

    def _region_definition(self, text: str, context: _Context) -> AwardRegion | None:
        """ "Europe: United Kingdom, Ireland, France" under a heading about regions or
        zones defines a region of the page's program."""
        heading = context.headings[-1][1].lower() if context.headings else ""
        match = re.match(r"\s*([^:]{2,60}):\s*(.+)$", text)
        if not match or not re.search(r"region|zone", heading):
            # "For partner rewards, Europe means the United Kingdom, Ireland, France, ..."
            match = re.search(
                r"(?:^|,\s*)([A-Z][\w ]{1,40}?)\s+(?:means|covers|includes|is made up of)\s+"
                r"(?:the\s+)?(.+?)\.?$",
                text,
            )
            if not match:
                return None
        program = self._subject_program(context)
        names = [n for n in re.split(r",|;|\band\b", match.group(2)) if n.strip()]
        countries = [c for c in (_country(n) for n in names) if c]
        if program is None or not countries or len(countries) * 2 < len(names):
            return None
        region_id = self._region(program, match.group(1))
        context.region_ids.setdefault(program, set()).add(region_id)
        return AwardRegion(
            program_id=program,
            region_id=region_id,
            name=match.group(1).strip(),
            countries=list(dict.fromkeys(countries)),
            source_document_id=context.document.document_id,
        )

    def _sentence(self, text: str, context: _Context, out: Extraction) -> Iterator[FactModel]:
        region = self._region_definition(text, context)
        if region is not None:
            yield region
            return
        if self._route_card(text, context, out):
            return
        sentences = [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z])|\n", text) if s.strip()]
        offers = [s for s in sentences if _states_bonus(s)]
        paragraph_dates = sorted(set(values.dates(text)))
        if len(offers) == 1 and len(sentences) > 1 and len(paragraph_dates) > 1:
            # One offer told over several sentences ("30% bonus ... through Nov. 30, 2026.
            # The offer started on Nov. 1, 2026."): its window is the paragraph's dates.
            yield from self._bonus(offers[0], context, out, paragraph_dates)
            for sentence in sentences:
                if sentence is not offers[0]:
                    yield from self._one_sentence(sentence, context, out)
            return
        for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z])|\n", text):
            yield from self._one_sentence(sentence, context, out)

    def _bonus(
        self, sentence: str, context: _Context, out: Extraction, dates: list[dt.date]
    ) -> Iterator[FactModel]:
        """A time-limited transfer bonus: a percentage, two programs, and its dates."""
        programs = self._programs_in(sentence, context)
        bonus = values.percent(sentence)
        if bonus is None or len(programs) < 2:
            return
        source, target = self._direction(programs)
        if not values.plausible_bonus(bonus):
            out.warnings.append(f"implausible transfer bonus {bonus:g}% for {source} -> {target}")
            return
        # "On Rent Day, ..." or "on December 1", not "a bonus on transfers until ...".
        one_day = len(dates) == 1 and re.search(
            r"one day|single day|only on|^\s*on\b"
            rf"|\bon\s+(?:\w+day,?\s+)?(?:\d|(?:{_MONTHS})\b)",
            sentence.lower(),
        )
        yield TransferBonus(
            from_program_id=source,
            to_program_id=target,
            bonus_percent=bonus,
            end_date=dates[-1],
            start_date=dates[0] if len(dates) > 1 or one_day else None,
            source_document_id=context.document.document_id,
        )

    def _programs_in(self, sentence: str, context: _Context) -> list[str]:
        """Programs a sentence names, with the section's program first when it names only
        the other side."""
        mentions = [m for m in self.catalogue.mentions(sentence) if m.kind == "program"]
        programs = list(dict.fromkeys(m.id for m in mentions))
        subject = self._subject_program(context)
        if subject and subject not in programs and len(programs) == 1:
            programs = [subject, *programs]
        return programs

    def _route_card(self, text: str, context: _Context, out: Extraction) -> bool:
        """Route pages that list one destination per line under a page about one airport
        ("Direct flights from Toronto Pearson (YYZ)"): "LHR London Heathrow British Airways",
        then "Cabins: Economy, Business" and "Seasonal: operates May 1 - October 24, 2026"
        completing the route above them."""
        origin_match = re.search(
            r"\(([A-Z]{3})\)", " ".join([context.document.title or "", *context.preamble[:1]])
        )
        last = context.last_route
        if last is not None and re.match(r"\s*cabins?\s*:", text, re.I):
            context.last_route = self._replace(
                out, last, {"cabins": values.cabins_in(text) or None}
            )
            return True
        if last is not None and re.match(r"\s*seasonal", text, re.I):
            found = values.dates(text)
            if len(found) == 2:
                self._replace(out, last, {"effective_date": found[0], "expiration_date": found[1]})
            return True
        card = re.match(r"\s*([A-Z]{3})\b(.+)$", text)
        if origin_match is None or card is None or _AIRPORT_PAIR.search(text):
            return False
        airline = self.catalogue.first(card.group(2), "airline")
        origin, destination = origin_match.group(1), card.group(1)
        if airline is None or origin == destination:
            return False
        route = Route(
            airline_id=airline,
            origin=origin,
            destination=destination,
            source_document_id=context.document.document_id,
        )
        out.facts.append(route)
        context.last_route = route
        return True

    def _replace(self, out: Extraction, fact: Route, update: dict[str, object]) -> Route:
        """Complete a route already recorded with what a later line says about it."""
        completed = fact.model_copy(update=update)
        for i, existing in enumerate(out.facts):
            if existing is fact:
                out.facts[i] = completed
        return completed

    def _one_sentence(
        self, sentence: str, context: _Context, out: Extraction
    ) -> Iterator[FactModel]:
        document_id = context.document.document_id
        lowered = sentence.lower()
        programs = self._programs_in(sentence, context)
        subject = self._subject_program(context)
        if _states_bonus(sentence) and values.dates(sentence):
            yield from self._bonus(sentence, context, out, values.dates(sentence))
            return
        targets = [p for p in programs if p != subject and not self._is_bank(p)]
        if (
            subject is not None
            and self._is_transferable_source(subject)
            and len(targets) == 1
            and len(lowered.split()) <= 12
            and (values.ratio(sentence) or context.transfer_ratio)
            and not re.search(r"bonus|%", lowered)
        ):
            # A partner named on its own line ("Air Canada Aeroplan 1:1 Instant", or a
            # bullet under a page that gives one ratio for every partner).
            yield from self._transfer(
                subject,
                targets[0],
                values.ratio(sentence) or context.transfer_ratio,  # type: ignore[arg-type]
                minimum=None,
                increment=None,
                timing=values.transfer_time(sentence),
                context=context,
                out=out,
            )
            return
        parsed = values.ratio(sentence)
        if (
            parsed is not None
            and len(programs) >= 2
            and re.search(r"transfer|convert|move", lowered)
        ):
            source, target = self._direction(programs)
            block = None
            block_match = re.search(
                r"(?:every|each)\s+([\d,k]+)\s+points?.*?([\d,k]+)[- ](?:bonus|extra)", lowered
            )
            if block_match:
                every, extra = (
                    values.points(block_match.group(1)),
                    values.points(block_match.group(2)),
                )
                if every and extra:
                    block = (every, extra)
            minimum = None
            min_match = re.search(r"minimum(?: transfer)?(?: of| is)?\s+([\d,k]+)", lowered)
            if min_match:
                minimum = values.points(min_match.group(1))
            increment = None
            inc_match = re.search(r"(?:increments|multiples|blocks) of\s+([\d,k]+)", lowered)
            if inc_match:
                increment = values.points(inc_match.group(1))
            yield from self._transfer(
                source,
                target,
                parsed,
                minimum=minimum,
                increment=increment,
                timing=values.transfer_time(sentence)
                if "transfer" in lowered and re.search(r"instant|hour|day", lowered)
                else None,
                context=context,
                out=out,
                block=block,
            )
            return
        pair = _AIRPORT_PAIR.search(sentence)
        if pair:
            airline = None
            code = _AIRLINE_CODE.match(sentence)
            if code and code.group(1) in self.catalogue.airlines:
                airline = code.group(1)
            else:
                airline = self.catalogue.first(sentence, "airline")
            if airline is not None:
                cabins = values.cabins_in(sentence)
                yield Route(
                    airline_id=airline,
                    origin=pair.group(1),
                    destination=pair.group(2),
                    cabins=cabins or None,
                    source_document_id=document_id,
                )

    def _direction(self, programs: list[str]) -> tuple[str, str]:
        """Transfers run from a bank or hotel currency to an airline program."""
        first, second = programs[0], programs[1]
        if self._is_transferable_source(second) and not self._is_transferable_source(first):
            return second, first
        return first, second


# Names programs give their elite-qualifying metrics.
_METRIC_NAMES = (
    r"Loyalty Points|Qualifying Points|Premier qualifying points|Premier qualifying flights"
    r"|Status Qualifying Credits|Medallion Qualifying Dollars|Tier Points|Status Credits"
    r"|PQP|PQF|SQC|SQD|MQD|MQM|XP"
)
_ELITE_METRIC = re.compile(rf"\b(?:{_METRIC_NAMES}|points)\b", re.I)


def _stated_elite_metrics(sentence: str) -> list[EliteMetric]:
    """Elite metrics a page states for every flight: "you earn Loyalty Points 1:1 with the
    award miles" (the same as redeemable), "1 PQF for each flight" (fixed)."""
    found: list[EliteMetric] = []
    same = re.search(
        rf"({_METRIC_NAMES})\s+(?:1:1 with|equal(?: to)?|the same as|matching)\s+(?:the\s+)?"
        r"(?:award |redeemable )?miles",
        sentence,
        re.I,
    )
    if same:
        found.append(EliteMetric(metric_name=same.group(1), basis="same_as_redeemable"))
    fixed = re.search(
        rf"\b(1|one)\s+({_METRIC_NAMES})\s+(?:per|for each|for every|on each)\s+(?:flight|segment)",
        sentence,
        re.I,
    )
    if fixed:
        found.append(EliteMetric(metric_name=fixed.group(2), basis="fixed", rate=1.0))
    return found


def _stated_surcharges(texts: Iterable[str]) -> dict[str, float]:
    """Per-cabin taxes and carrier charges stated in prose ("estimated amounts in USD per
    reward: Economy 60, Business 90", "carrier charges for Premium Economy: USD 75")."""
    found: dict[str, float] = {}
    for text in texts:
        if not re.search(r"tax|fee|surcharge|carrier charge", text, re.I):
            continue
        pairs = re.findall(
            r"(premium economy|economy|business|first)\s*:?\s*(?:usd|us\$|\$)?\s*(\d[\d,.]*)",
            text,
            re.I,
        )
        pairs += [
            (word, amount)
            for amount, word in re.findall(
                r"(?:usd|us\$|\$)\s*(\d[\d,.]*)\s*\((premium economy|economy|business|first)\)",
                text,
                re.I,
            )
        ]
        for word, amount in pairs:
            cabin = values.cabin(word)
            if cabin is not None and cabin not in found:
                found[cabin] = float(amount.replace(",", "").rstrip("."))
        if not pairs:
            cabins = values.cabins_in(text)
            amount_match = re.search(r"(?:usd|us\$|\$)\s*(\d[\d,.]*)", text, re.I)
            if len(cabins) == 1 and amount_match and cabins[0] not in found:
                found[cabins[0]] = float(amount_match.group(1).replace(",", "").rstrip("."))
    return found


def _states_bonus(sentence: str) -> bool:
    lowered = sentence.lower()
    return values.percent(sentence) is not None and any(w in lowered for w in _BONUS_WORDS)


def _chart_label(cell: str) -> str:
    """A chart row's label without footnote marks ("Europe1", "Asia*") or a note that the
    price holds "either direction"."""
    label = re.sub(r"(?<=[a-z])\d+$|\s*\*+$", "", cell.strip())
    return re.sub(r",?\s*(?:either|both) direction(?:s)?$", "", label, flags=re.I).strip()


def _reversed_in(label: str, directed: set[tuple[str, ...]]) -> bool:
    parts = re.split(r"\s+to\s+", label, maxsplit=1)
    return len(parts) == 2 and (parts[1], parts[0]) in directed


def _region_slug(name: str) -> str:
    """A region id from its name, without the parenthesised explanation: "Atlantic (Europe,
    Middle East)" -> "atlantic"."""
    return values.slug(re.sub(r"\(.*?\)", "", name))


def _metric_name(header: str) -> str:
    cleaned = re.sub(
        r"\(.*?\)|earned|per .*|required|needed|threshold|to qualify", "", header, flags=re.I
    ).strip()
    return cleaned or header.strip()


def _skipped(excerpt: str, exc: ValidationError) -> str:
    problem = exc.errors(include_url=False)[0]
    return f"skipped {excerpt[:80]!r}: {problem['loc']}: {problem['msg']}"


def _unique(facts: list[FactModel]) -> list[FactModel]:
    seen: set[str] = set()
    result: list[FactModel] = []
    for fact in facts:
        key = fact.model_dump_json()
        if key not in seen:
            seen.add(key)
            result.append(fact)
    return result
