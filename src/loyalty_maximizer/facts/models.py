"""Pydantic models of the knowledge facts format (contracts/facts.md, version 1).

Field names are snake_case in Python and camelCase in JSON. Validation is strict: unknown
fields, wrong JSON types and missing required fields are errors. Cross-record rules
(references, duplicates, versions) live in ``facts.validation``.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal, Self, TypeAlias

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    field_validator,
    model_validator,
)
from pydantic.alias_generators import to_camel

Cabin: TypeAlias = Literal["economy", "premium_economy", "business", "first"]
CABINS: tuple[Cabin, ...] = ("economy", "premium_economy", "business", "first")

AirlineCode = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2}$")]
AirportCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Identifier = Annotated[str, StringConstraints(min_length=1, max_length=200)]
FareClass = Annotated[str, StringConstraints(pattern=r"^[A-Z]$")]
PositiveInt = Annotated[int, Field(gt=0)]
NonNegativeInt = Annotated[int, Field(ge=0)]
NonNegativeFloat = Annotated[float, Field(ge=0)]


class FactModel(BaseModel):
    """Base of every record and nested object: camelCase JSON, strict, closed."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        populate_by_name=True,
        extra="forbid",
        strict=True,
        frozen=True,
    )

    def to_json_dict(self) -> dict[str, Any]:
        """The record as the contract writes it: camelCase, unset optionals left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class _Sourced(FactModel):
    source_document_id: Identifier | None = None


class _Dated(_Sourced):
    effective_date: dt.date | None = None
    expiration_date: dt.date | None = None

    @model_validator(mode="after")
    def _window_is_ordered(self) -> Self:
        if (
            self.effective_date is not None
            and self.expiration_date is not None
            and self.expiration_date < self.effective_date
        ):
            raise ValueError("expirationDate is before effectiveDate")
        return self

    def valid_on(self, day: dt.date) -> bool:
        """Inclusive at both ends; an absent bound is open."""
        if self.effective_date is not None and day < self.effective_date:
            return False
        return self.expiration_date is None or day <= self.expiration_date


class Alliance(_Sourced):
    type: Literal["alliance"] = "alliance"
    alliance_id: Identifier
    name: Identifier


class Airline(_Sourced):
    type: Literal["airline"] = "airline"
    airline_id: AirlineCode
    name: Identifier
    alliance_id: Identifier | None = None
    country: CountryCode | None = None


class Airport(_Sourced):
    type: Literal["airport"] = "airport"
    airport_id: AirportCode
    name: str | None = None
    city: str | None = None
    country: CountryCode | None = None
    latitude: Annotated[float, Field(ge=-90, le=90)] | None = None
    longitude: Annotated[float, Field(ge=-180, le=180)] | None = None
    metro_code: AirportCode | None = None


class LoyaltyProgram(_Sourced):
    type: Literal["loyaltyProgram"] = "loyaltyProgram"
    program_id: Identifier
    name: Identifier
    kind: Literal["airline", "bank", "hotel"]
    currency_name: Identifier
    operator_airline_id: AirlineCode | None = None
    point_value_cents: NonNegativeFloat | None = None
    award_pricing: Literal["fixed", "dynamic", "hybrid"] | None = None

    @property
    def value_cents(self) -> float:
        """The reference value of one point; a program without one counts 1.0."""
        return 1.0 if self.point_value_cents is None else self.point_value_cents


class BlockBonus(FactModel):
    every_source_points: PositiveInt
    bonus_target_points: NonNegativeInt


class TransferPartnership(_Dated):
    type: Literal["transferPartnership"] = "transferPartnership"
    from_program_id: Identifier
    to_program_id: Identifier
    ratio_from: PositiveInt
    ratio_to: PositiveInt
    minimum_transfer: PositiveInt | None = None
    transfer_increment: PositiveInt | None = None
    block_bonus: BlockBonus | None = None
    transfer_time: Literal["instant", "hours", "days"] | None = None

    @model_validator(mode="after")
    def _not_to_itself(self) -> Self:
        if self.from_program_id == self.to_program_id:
            raise ValueError("a program cannot transfer to itself")
        return self

    @property
    def minimum(self) -> int:
        return self.ratio_from if self.minimum_transfer is None else self.minimum_transfer

    @property
    def increment(self) -> int:
        return self.ratio_from if self.transfer_increment is None else self.transfer_increment


class TransferBonus(_Sourced):
    type: Literal["transferBonus"] = "transferBonus"
    from_program_id: Identifier
    to_program_id: Identifier
    bonus_percent: Annotated[float, Field(gt=0, le=1000)]
    end_date: dt.date
    start_date: dt.date | None = None

    @model_validator(mode="after")
    def _window_is_ordered(self) -> Self:
        if self.start_date is not None and self.end_date < self.start_date:
            raise ValueError("endDate is before startDate")
        return self

    def active_on(self, day: dt.date) -> bool:
        return (self.start_date is None or self.start_date <= day) and day <= self.end_date


class BookablePartner(_Sourced):
    type: Literal["bookablePartner"] = "bookablePartner"
    program_id: Identifier
    airline_id: AirlineCode


class Route(_Dated):
    type: Literal["route"] = "route"
    airline_id: AirlineCode
    origin: AirportCode
    destination: AirportCode
    cabins: Annotated[list[Cabin], Field(min_length=1)] | None = None
    bidirectional: bool = True

    @model_validator(mode="after")
    def _distinct_endpoints(self) -> Self:
        if self.origin == self.destination:
            raise ValueError("origin and destination are the same airport")
        return self


class AwardRegion(_Sourced):
    type: Literal["awardRegion"] = "awardRegion"
    program_id: Identifier
    region_id: Identifier
    name: str | None = None
    countries: list[CountryCode] | None = None
    airports: list[AirportCode] | None = None

    @field_validator("region_id")
    @classmethod
    def _not_reserved(cls, region_id: str) -> str:
        if region_id == "*":
            raise ValueError('the region id "*" is reserved and cannot be declared')
        return region_id


class AwardPrice(_Dated):
    type: Literal["awardPrice"] = "awardPrice"
    program_id: Identifier
    origin_region_id: Identifier
    destination_region_id: Identifier
    cabin: Cabin
    points: PositiveInt
    trip_type: Literal["one_way", "round_trip"] = "one_way"
    pricing: Literal["fixed", "dynamic_from"] = "fixed"
    operating_airline_ids: list[AirlineCode] | None = None
    excluded_operating_airline_ids: list[AirlineCode] | None = None
    min_distance: NonNegativeInt | None = None
    max_distance: NonNegativeInt | None = None
    per_segment: bool = False
    symmetric: bool = True
    surcharge_usd: NonNegativeFloat | None = None
    notes: str | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        if self.per_segment and self.trip_type == "round_trip":
            raise ValueError("a perSegment price cannot have tripType round_trip")
        if (
            self.min_distance is not None
            and self.max_distance is not None
            and self.max_distance < self.min_distance
        ):
            raise ValueError("maxDistance is below minDistance")
        return self


class EliteMetric(FactModel):
    metric_name: Identifier
    basis: Literal["distance", "revenue", "fixed", "same_as_redeemable"]
    rate: NonNegativeFloat | None = None

    @model_validator(mode="after")
    def _rate_when_needed(self) -> Self:
        if self.rate is None and self.basis != "same_as_redeemable":
            raise ValueError(f"rate is required for basis {self.basis}")
        return self


class EarningRule(_Dated):
    type: Literal["earningRule"] = "earningRule"
    rule_id: Identifier
    crediting_program_id: Identifier
    operating_airline_ids: Annotated[list[str], Field(min_length=1)]
    basis: Literal["distance", "revenue", "fixed"]
    redeemable_rate: NonNegativeFloat
    marketing_airline_ids: list[AirlineCode] | None = None
    fare_classes: list[FareClass] | None = None
    minimum_redeemable: NonNegativeInt | None = None
    elite_metrics: list[EliteMetric] | None = None
    elite_bonus_eligible: bool = True
    revenue_currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "USD"
    priority: int = 0
    description: str | None = None

    @field_validator("operating_airline_ids")
    @classmethod
    def _operating_airlines(cls, codes: list[str]) -> list[str]:
        for code in codes:
            if code != "*" and not (len(code) == 2 and code.isalnum() and code.upper() == code):
                raise ValueError(f'"{code}" is neither "*" nor an IATA code')
        return codes


class MetricThreshold(FactModel):
    metric_name: Identifier
    threshold: Annotated[float, Field(gt=0)]


class AllOf(FactModel):
    all_of: Annotated[list[MetricThreshold], Field(min_length=1)]


class EliteTier(_Sourced):
    type: Literal["eliteTier"] = "eliteTier"
    program_id: Identifier
    tier_id: Identifier
    name: Identifier
    rank: PositiveInt
    redeemable_bonus_percent: NonNegativeFloat = 0
    qualification: list[MetricThreshold | AllOf] | None = None
    alliance_tier: Identifier | None = None


class WebSourceDocument(_Sourced):
    type: Literal["webSourceDocument"] = "webSourceDocument"
    document_id: Identifier
    document_type: Literal["html", "pdf", "text"]
    source_url: str | None = None
    title: str | None = None
    retrieved_date: dt.date | None = None


class Passage(_Sourced):
    type: Literal["passage"] = "passage"
    document_id: Identifier
    passage_id: Identifier
    text: Annotated[str, StringConstraints(min_length=1)]
    heading: str | None = None


Fact = Annotated[
    Alliance
    | Airline
    | Airport
    | LoyaltyProgram
    | TransferPartnership
    | TransferBonus
    | BookablePartner
    | Route
    | AwardRegion
    | AwardPrice
    | EarningRule
    | EliteTier
    | WebSourceDocument
    | Passage,
    Field(discriminator="type"),
]

FACT_ADAPTER: TypeAdapter[Fact] = TypeAdapter(Fact)

FACT_TYPES: dict[str, type[FactModel]] = {
    "alliance": Alliance,
    "airline": Airline,
    "airport": Airport,
    "loyaltyProgram": LoyaltyProgram,
    "transferPartnership": TransferPartnership,
    "transferBonus": TransferBonus,
    "bookablePartner": BookablePartner,
    "route": Route,
    "awardRegion": AwardRegion,
    "awardPrice": AwardPrice,
    "earningRule": EarningRule,
    "eliteTier": EliteTier,
    "webSourceDocument": WebSourceDocument,
    "passage": Passage,
}


def fact_type(fact: FactModel) -> str:
    """The record's ``type`` discriminator, e.g. "awardPrice"."""
    return str(type(fact).model_fields["type"].default)


def entity_key(fact: FactModel) -> tuple[str, ...] | None:
    """The identity of an entity record, or None for a record identified by all its fields."""
    match fact:
        case Alliance():
            return ("alliance", fact.alliance_id)
        case Airline():
            return ("airline", fact.airline_id)
        case Airport():
            return ("airport", fact.airport_id)
        case LoyaltyProgram():
            return ("loyaltyProgram", fact.program_id)
        case AwardRegion():
            return ("awardRegion", fact.program_id, fact.region_id)
        case EliteTier():
            return ("eliteTier", fact.program_id, fact.tier_id)
        case WebSourceDocument():
            return ("webSourceDocument", fact.document_id)
        case Passage():
            return ("passage", fact.passage_id)
        case EarningRule():
            return ("earningRule", fact.rule_id)
    return None
