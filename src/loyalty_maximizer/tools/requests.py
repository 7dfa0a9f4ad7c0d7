"""Tool request models (contracts/tools.md): strict, camelCase, closed.

These models are the single source of the tools' input JSON Schemas (CLI, MCP, Bedrock).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_validator,
)
from pydantic.alias_generators import to_camel

from loyalty_maximizer.errors import InvalidRequest
from loyalty_maximizer.facts.models import Cabin

M = TypeVar("M", bound="ToolRequest")
T = TypeVar("T")

PlaceCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z]{3}$")]
CarrierCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{2}$")]
ProgramId = Annotated[str, StringConstraints(min_length=1, max_length=200)]
AllianceId = Annotated[str, StringConstraints(min_length=1, max_length=100)]
# A PDF's base64 over the 5 MB document cap is about 6.7 million characters.
MAX_DOCUMENT_CHARS = 7_000_000


class RequestModel(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", strict=True, frozen=True
    )


class ToolRequest(RequestModel):
    as_of_date: dt.date | None = None

    def today(self) -> dt.date:
        return self.as_of_date or dt.datetime.now(dt.UTC).date()


def _upper(value: str) -> str:
    return value.upper()


def _upper_optional(value: str | None) -> str | None:
    return None if value is None else value.upper()


class Balance(RequestModel):
    program_id: ProgramId
    balance: Annotated[int, Field(ge=0)]


class AwardPreferences(RequestModel):
    max_stops: Annotated[int, Field(ge=0, le=1)] = 1
    consider_point_transfers: bool = True
    max_transfer_hops: Literal[1, 2] = 1
    preferred_alliances: list[str] = []
    exclude_programs: list[ProgramId] = []


class AwardRequest(ToolRequest):
    origin: PlaceCode
    destination: PlaceCode
    cabin_class: Cabin
    number_of_travelers: Annotated[int, Field(ge=1, le=9)] = 1
    trip_type: Literal["one_way", "round_trip"] = "one_way"
    user_rewards_balances: list[Balance] = []
    preferences: AwardPreferences = AwardPreferences()

    _codes = field_validator("origin", "destination")(_upper)


class FlightSegment(RequestModel):
    marketing_carrier: CarrierCode
    operating_carrier: CarrierCode | None = None
    flight_number: str | None = None
    origin_airport: PlaceCode
    destination_airport: PlaceCode
    fare_class: Annotated[str, StringConstraints(pattern=r"^[A-Za-z]$")] | None = None
    travel_date: dt.date | None = None
    cabin: Cabin | None = None

    _codes = field_validator(
        "marketing_carrier",
        "operating_carrier",
        "origin_airport",
        "destination_airport",
        "fare_class",
    )(_upper_optional)

    @property
    def operator(self) -> str:
        return self.operating_carrier or self.marketing_carrier


class TicketPrice(RequestModel):
    base_fare: Annotated[float, Field(ge=0)]
    carrier_imposed_surcharges: Annotated[float, Field(ge=0)] = 0.0
    taxes_and_airport_fees: Annotated[float, Field(ge=0)] | None = None
    total_fare: Annotated[float, Field(ge=0)] | None = None
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = "USD"


class FlightItinerary(RequestModel):
    segments: Annotated[list[FlightSegment], Field(min_length=1, max_length=500)]
    ticket_price: TicketPrice | None = None


class StatusTier(RequestModel):
    program_id: ProgramId
    tier: str


class UserProfileContext(RequestModel):
    status_tiers: list[StatusTier] = []


class EarningsRequest(ToolRequest):
    flight_itinerary: FlightItinerary
    user_profile_context: UserProfileContext = UserProfileContext()
    target_loyalty_programs: list[ProgramId] = []


class EliteProgress(RequestModel):
    program_id: ProgramId
    metric_name: str
    current_value: Annotated[float, Field(ge=0)]


class AllianceGoal(RequestModel):
    alliance_tier: str


class TierGoal(RequestModel):
    program_id: ProgramId
    tier_id: str


class CreditingRequest(ToolRequest):
    flight_itinerary: FlightItinerary
    current_elite_progress: list[EliteProgress] = []
    current_tiers: list[StatusTier] = []
    target_loyalty_programs: list[ProgramId] = []
    goal: AllianceGoal | TierGoal | None = None


class ProfileRequest(ToolRequest):
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class KnowledgeRequest(ToolRequest):
    question: Annotated[str, StringConstraints(min_length=1, max_length=2000)]
    program_ids: list[ProgramId] = []
    limit: Annotated[int, Field(ge=1, le=50)] = 10


class DocumentRequest(ToolRequest):
    """extract_loyalty_info_from_document: a PDF travels as the base64 of its bytes."""

    document_content: Annotated[str, StringConstraints(min_length=1, max_length=MAX_DOCUMENT_CHARS)]
    document_source_identifier: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    document_type: Literal["html", "pdf", "text"] | None = None


def _not_null(value: T | None) -> T:
    """Optional update fields may be left out but not sent as null: null would read as
    "clear it", which they cannot be."""
    if value is None:
        raise ValueError("must not be null (leave the field out to keep it)")
    return value


def _drop_null(schema: dict[str, Any]) -> None:
    """The schema of an omittable field says what may be sent: the value, never null."""
    options = [option for option in schema.pop("anyOf", []) if option != {"type": "null"}]
    if len(options) == 1:
        schema.update(options[0])
    elif options:
        schema["anyOf"] = options
    schema.pop("default", None)


# A field that may be left out (``None`` in Python) but, when sent, is never null.
Omittable = Annotated[T | None, AfterValidator(_not_null), Field(json_schema_extra=_drop_null)]


class MetricUpdate(RequestModel):
    metric_name: Annotated[str, StringConstraints(min_length=1, max_length=100)]
    current_value: Annotated[float, Field(ge=0)]
    unit: Omittable[Annotated[str, StringConstraints(max_length=50)]] = None


class ProgramUpdate(RequestModel):
    """One membership's changes; ``statusTier: null`` clears the status."""

    program_id: ProgramId
    balance: Omittable[Annotated[int, Field(ge=0)]] = None
    status_tier: Annotated[str, StringConstraints(min_length=1, max_length=100)] | None = None
    elite_qualifying_metrics: Omittable[list[MetricUpdate]] = None


def _upper_all(values: list[str] | None) -> list[str] | None:
    return None if values is None else [v.upper() for v in values]


class PreferencesUpdate(RequestModel):
    """Preference changes; ``homeAirport: null`` or ``preferredCabin: null`` clears one."""

    home_airport: PlaceCode | None = None
    preferred_airlines: Omittable[Annotated[list[CarrierCode], Field(max_length=50)]] = None
    preferred_alliances: Omittable[Annotated[list[AllianceId], Field(max_length=10)]] = None
    preferred_cabin: Cabin | None = None

    _code = field_validator("home_airport")(_upper_optional)
    _codes = field_validator("preferred_airlines")(_upper_all)


class ProfileUpdateRequest(ToolRequest):
    user_id: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    programs: Omittable[Annotated[list[ProgramUpdate], Field(max_length=100)]] = None
    preferences: Omittable[PreferencesUpdate] = None


def _field_path(loc: tuple[int | str, ...]) -> str:
    parts: list[str] = []
    for part in loc:
        if isinstance(part, int):
            parts[-1:] = [f"{parts[-1]}[{part}]"] if parts else [f"[{part}]"]
        elif part not in {"AllianceGoal", "TierGoal"}:
            parts.append(part)
    return ".".join(parts)


def parse_request(model: type[M], data: Any) -> M:
    """Validate a request (a JSON text or a decoded value) or raise InvalidRequest."""
    text = data if isinstance(data, str | bytes) else json.dumps(data)
    try:
        return model.model_validate_json(text)
    except ValidationError as exc:
        error = exc.errors(include_url=False)[0]
        field = _field_path(error["loc"]) or None
        reason = "unknown field" if error["type"] == "extra_forbidden" else error["msg"]
        if error["type"] == "json_invalid":
            raise InvalidRequest(f"request is not valid JSON: {error['msg']}") from None
        raise InvalidRequest(f"{field}: {reason}" if field else reason, field) from None


__all__ = [
    "AwardRequest",
    "CreditingRequest",
    "DocumentRequest",
    "EarningsRequest",
    "KnowledgeRequest",
    "ProfileRequest",
    "ProfileUpdateRequest",
    "parse_request",
]
