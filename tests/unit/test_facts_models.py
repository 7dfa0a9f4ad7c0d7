"""The facts models against the record table and record-level rules of contracts/facts.md."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from pydantic import ValidationError

from loyalty_maximizer.facts.loader import parse_line
from loyalty_maximizer.facts.models import (
    CABINS,
    FACT_ADAPTER,
    FACT_TYPES,
    AwardPrice,
    EarningRule,
    EliteTier,
    LoyaltyProgram,
    Route,
    TransferBonus,
    TransferPartnership,
    entity_key,
)

# The record table of contracts/facts.md: (required fields, optional fields) per type.
# Every record may also carry sourceDocumentId; rule-like records carry a validity window.
CONTRACT_FIELDS: dict[str, tuple[set[str], set[str]]] = {
    "alliance": ({"allianceId", "name"}, set()),
    "airline": ({"airlineId", "name"}, {"allianceId", "country"}),
    "airport": (
        {"airportId"},
        {"name", "city", "country", "latitude", "longitude", "metroCode"},
    ),
    "loyaltyProgram": (
        {"programId", "name", "kind", "currencyName"},
        {"operatorAirlineId", "pointValueCents", "awardPricing"},
    ),
    "transferPartnership": (
        {"fromProgramId", "toProgramId", "ratioFrom", "ratioTo"},
        {"minimumTransfer", "transferIncrement", "blockBonus", "transferTime"},
    ),
    "transferBonus": (
        {"fromProgramId", "toProgramId", "bonusPercent", "endDate"},
        {"startDate"},
    ),
    "bookablePartner": ({"programId", "airlineId"}, set()),
    "route": ({"airlineId", "origin", "destination"}, {"cabins", "bidirectional"}),
    "awardRegion": ({"programId", "regionId"}, {"name", "countries", "airports"}),
    "awardPrice": (
        {"programId", "originRegionId", "destinationRegionId", "cabin", "points"},
        {
            "tripType",
            "pricing",
            "operatingAirlineIds",
            "excludedOperatingAirlineIds",
            "minDistance",
            "maxDistance",
            "perSegment",
            "symmetric",
            "surchargeUsd",
            "notes",
        },
    ),
    "earningRule": (
        {"ruleId", "creditingProgramId", "operatingAirlineIds", "basis", "redeemableRate"},
        {
            "marketingAirlineIds",
            "fareClasses",
            "minimumRedeemable",
            "eliteMetrics",
            "eliteBonusEligible",
            "revenueCurrency",
            "priority",
            "description",
        },
    ),
    "eliteTier": (
        {"programId", "tierId", "name", "rank"},
        {"redeemableBonusPercent", "qualification", "allianceTier"},
    ),
    "webSourceDocument": (
        {"documentId", "documentType"},
        {"sourceUrl", "title", "retrievedDate"},
    ),
    "passage": ({"documentId", "passageId", "text"}, {"heading"}),
}
RULE_LIKE = {"transferPartnership", "awardPrice", "earningRule", "route"}

# One valid record per type, with exactly the required fields.
MINIMAL: dict[str, dict[str, Any]] = {
    "alliance": {"allianceId": "star_alliance", "name": "Star Alliance"},
    "airline": {"airlineId": "UA", "name": "United"},
    "airport": {"airportId": "JFK"},
    "loyaltyProgram": {
        "programId": "UA_MP",
        "name": "MileagePlus",
        "kind": "airline",
        "currencyName": "miles",
    },
    "transferPartnership": {
        "fromProgramId": "CHASE_UR",
        "toProgramId": "UA_MP",
        "ratioFrom": 1,
        "ratioTo": 1,
    },
    "transferBonus": {
        "fromProgramId": "CHASE_UR",
        "toProgramId": "UA_MP",
        "bonusPercent": 25,
        "endDate": "2026-12-31",
    },
    "bookablePartner": {"programId": "UA_MP", "airlineId": "LH"},
    "route": {"airlineId": "UA", "origin": "EWR", "destination": "FRA"},
    "awardRegion": {"programId": "UA_MP", "regionId": "europe"},
    "awardPrice": {
        "programId": "UA_MP",
        "originRegionId": "north_america",
        "destinationRegionId": "europe",
        "cabin": "business",
        "points": 60000,
    },
    "earningRule": {
        "ruleId": "ua-lh",
        "creditingProgramId": "UA_MP",
        "operatingAirlineIds": ["LH"],
        "basis": "distance",
        "redeemableRate": 0.25,
    },
    "eliteTier": {"programId": "UA_MP", "tierId": "silver", "name": "Silver", "rank": 1},
    "webSourceDocument": {"documentId": "doc-1", "documentType": "html"},
    "passage": {"documentId": "doc-1", "passageId": "doc-1#1", "text": "Some text."},
}


def record(record_type: str, **changes: Any) -> dict[str, Any]:
    """The minimal record of a type with fields changed (a value of None removes it)."""
    data = {"type": record_type, **MINIMAL[record_type], **changes}
    return {k: v for k, v in data.items() if v is not None}


def errors_of(data: dict[str, Any]) -> dict[str | None, str]:
    """field -> message of every error parse_line reports for one record."""
    sourced, issues = parse_line("facts.jsonl", 1, json.dumps(data))
    assert (sourced is None) == bool(issues)
    return {i.field: i.message for i in issues}


def test_fact_types__cover_every_record_type_of_the_contract() -> None:
    # GIVEN the record table of the contract
    # WHEN the models are listed
    # THEN there is exactly one model per contract type, and its "type" value is that name
    assert set(FACT_TYPES) == set(CONTRACT_FIELDS)
    for name, model in FACT_TYPES.items():
        assert model.model_fields["type"].default == name


@pytest.mark.parametrize("record_type", sorted(CONTRACT_FIELDS))
def test_model_fields__match_the_contract_table(record_type: str) -> None:
    # GIVEN the contract's required and optional fields of a record type
    required, optional = CONTRACT_FIELDS[record_type]
    optional = optional | {"sourceDocumentId"}
    if record_type in RULE_LIKE:
        optional |= {"effectiveDate", "expirationDate"}
    model = FACT_TYPES[record_type]

    # WHEN the model's JSON field names are read
    fields = {f.alias: f for f in model.model_fields.values()}
    fields.pop("type")

    # THEN the model requires exactly the required fields and allows exactly the optional ones
    assert {name for name, f in fields.items() if f.is_required()} == required
    assert {name for name, f in fields.items() if not f.is_required()} == optional


@pytest.mark.parametrize("record_type", sorted(MINIMAL))
def test_validate__minimal_record_becomes_its_model(record_type: str) -> None:
    # GIVEN a record with only its required fields
    # WHEN it is validated through the discriminated union
    fact = FACT_ADAPTER.validate_json(json.dumps(record(record_type)))

    # THEN it is the model of its type and writes back the same JSON
    assert type(fact) is FACT_TYPES[record_type]
    written = fact.to_json_dict()
    assert {k: written[k] for k in MINIMAL[record_type]} == MINIMAL[record_type]


@pytest.mark.parametrize(
    ("record_type", "field"),
    [(t, f) for t, (required, _) in sorted(CONTRACT_FIELDS.items()) for f in sorted(required)],
)
def test_validate__missing_required_field_is_named(record_type: str, field: str) -> None:
    # GIVEN a record without one of its required fields
    data = record(record_type, **{field: None})

    # WHEN it is validated
    errors = errors_of(data)

    # THEN the error names exactly that field
    assert errors == {field: "Field required"}


@pytest.mark.parametrize("record_type", sorted(MINIMAL))
def test_validate__unknown_field_is_rejected(record_type: str) -> None:
    # GIVEN a record with a field the contract does not define (a snake_case spelling)
    data = record(record_type, source_document_id="doc-1")

    # WHEN it is validated
    # THEN the unknown field is named
    assert errors_of(data) == {"source_document_id": "unknown field"}


@pytest.mark.parametrize(
    ("record_type", "field", "value"),
    [
        ("awardPrice", "points", 60000.0),
        ("awardPrice", "points", "60000"),
        ("awardPrice", "minDistance", 100.5),
        ("transferPartnership", "ratioFrom", 1.0),
        ("transferPartnership", "minimumTransfer", "1000"),
        ("eliteTier", "rank", "1"),
        ("earningRule", "priority", 1.0),
        ("earningRule", "minimumRedeemable", 500.0),
        ("earningRule", "redeemableRate", "0.25"),
        ("earningRule", "eliteBonusEligible", 0),
        ("route", "bidirectional", "true"),
        ("route", "cabins", "business"),
        ("airport", "latitude", "40.6"),
        ("loyaltyProgram", "pointValueCents", "1.5"),
        ("transferBonus", "bonusPercent", "30"),
        ("transferBonus", "endDate", 20261231),
        ("alliance", "name", 5),
        ("awardRegion", "countries", "US"),
    ],
)
def test_validate__wrong_json_type_is_rejected(record_type: str, field: str, value: Any) -> None:
    # GIVEN a record whose field has the wrong JSON type (integers must be JSON integers)
    data = record(record_type, **{field: value})

    # WHEN it is validated
    errors = errors_of(data)

    # THEN the error names that field
    assert list(errors) == [field]


@pytest.mark.parametrize(
    ("record_type", "field", "value"),
    [
        ("loyaltyProgram", "pointValueCents", 2),
        ("earningRule", "redeemableRate", 5),
        ("airport", "latitude", 40),
        ("transferBonus", "bonusPercent", 30),
        ("awardPrice", "surchargeUsd", 90),
    ],
)
def test_validate__integer_is_a_valid_number(record_type: str, field: str, value: int) -> None:
    # GIVEN a number field given a JSON integer
    # WHEN it is validated
    fact = FACT_ADAPTER.validate_json(json.dumps(record(record_type, **{field: value})))

    # THEN it is accepted as that number
    assert fact.to_json_dict()[field] == value


def test_cabins__are_exactly_the_contract_four() -> None:
    assert CABINS == ("economy", "premium_economy", "business", "first")


@pytest.mark.parametrize("cabin", ["Business", "premium", "coach", "first_class", ""])
def test_validate__bad_cabin_is_rejected(cabin: str) -> None:
    # GIVEN an award price and a route with a cabin outside the four
    # WHEN they are validated
    # THEN the cabin field is named
    assert list(errors_of(record("awardPrice", cabin=cabin))) == ["cabin"]
    assert list(errors_of(record("route", cabins=["economy", cabin]))) == ["cabins.1"]


@pytest.mark.parametrize("cabin", CABINS)
def test_validate__every_contract_cabin_is_accepted(cabin: str) -> None:
    assert errors_of(record("awardPrice", cabin=cabin)) == {}
    assert errors_of(record("route", cabins=[cabin])) == {}


@pytest.mark.parametrize(
    ("record_type", "field", "value"),
    [
        ("loyaltyProgram", "kind", "credit_card"),
        ("loyaltyProgram", "awardPricing", "free"),
        ("transferPartnership", "transferTime", "weeks"),
        ("awardPrice", "tripType", "return"),
        ("awardPrice", "pricing", "dynamic"),
        ("earningRule", "basis", "miles"),
        ("earningRule", "basis", "same_as_redeemable"),
        ("webSourceDocument", "documentType", "docx"),
    ],
)
def test_validate__bad_enum_value_is_rejected(record_type: str, field: str, value: str) -> None:
    assert list(errors_of(record(record_type, **{field: value}))) == [field]


def test_validate__bad_elite_metric_basis_is_rejected() -> None:
    # GIVEN an elite metric whose basis is not one of the four
    data = record("earningRule", eliteMetrics=[{"metricName": "PQP", "rate": 1, "basis": "km"}])

    # WHEN it is validated
    # THEN the nested field is named
    assert list(errors_of(data)) == ["eliteMetrics.0.basis"]


@pytest.mark.parametrize(
    ("record_type", "field", "value"),
    [
        ("airline", "airlineId", "UAL"),
        ("airline", "airlineId", "ua"),
        ("airline", "airlineId", "U"),
        ("airline", "country", "USA"),
        ("airline", "country", "us"),
        ("airport", "airportId", "JFKX"),
        ("airport", "airportId", "jfk"),
        ("airport", "airportId", "JF1"),
        ("airport", "metroCode", "nyc"),
        ("airport", "country", "U"),
        ("route", "origin", "JF"),
        ("route", "destination", "lhr"),
        ("route", "airlineId", "U-"),
        ("loyaltyProgram", "operatorAirlineId", "UAL"),
        ("bookablePartner", "airlineId", "lh"),
        ("awardRegion", "airports", ["LHR", "lgw"]),
        ("awardRegion", "countries", ["GBR"]),
        ("awardPrice", "operatingAirlineIds", ["VS", "VIR"]),
        ("awardPrice", "excludedOperatingAirlineIds", ["b"]),
        ("earningRule", "marketingAirlineIds", ["UAL"]),
        ("earningRule", "operatingAirlineIds", ["ua"]),
        ("earningRule", "operatingAirlineIds", ["**"]),
        ("earningRule", "fareClasses", ["KL"]),
        ("earningRule", "fareClasses", ["k"]),
        ("earningRule", "revenueCurrency", "usd"),
    ],
)
def test_validate__bad_code_format_is_rejected(record_type: str, field: str, value: Any) -> None:
    # GIVEN a record with a code that does not have its IATA / ISO shape
    # WHEN it is validated
    errors = errors_of(record(record_type, **{field: value}))

    # THEN the error names the field (and the list position for lists of codes)
    assert len(errors) == 1
    (named,) = errors
    assert named is not None
    assert named.split(".")[0] == field


@pytest.mark.parametrize(
    ("record_type", "field", "value"),
    [
        ("airline", "airlineId", "9W"),
        ("airline", "airlineId", "B6"),
        ("earningRule", "operatingAirlineIds", ["*"]),
        ("earningRule", "operatingAirlineIds", ["LH", "*"]),
        ("earningRule", "fareClasses", ["K", "L"]),
        ("earningRule", "revenueCurrency", "EUR"),
    ],
)
def test_validate__well_formed_code_is_accepted(record_type: str, field: str, value: Any) -> None:
    assert errors_of(record(record_type, **{field: value})) == {}


def test_validate__declared_star_region_is_rejected_on_region_id() -> None:
    # GIVEN an awardRegion that declares the reserved region id "*"
    # WHEN it is validated
    errors = errors_of(record("awardRegion", regionId="*"))

    # THEN the error names regionId and says why
    assert list(errors) == ["regionId"]
    assert "reserved" in errors["regionId"]


def test_validate__per_segment_round_trip_price_is_rejected() -> None:
    # GIVEN a perSegment price that is a round-trip price
    data = record("awardPrice", perSegment=True, tripType="round_trip")

    # WHEN it is validated
    errors = errors_of(data)

    # THEN it is an error that says which fields clash
    assert len(errors) == 1
    assert "perSegment" in next(iter(errors.values()))
    assert "round_trip" in next(iter(errors.values()))


@pytest.mark.parametrize(
    "changes",
    [{"perSegment": True, "tripType": "one_way"}, {"perSegment": False, "tripType": "round_trip"}],
)
def test_validate__per_segment_one_way_or_plain_round_trip_is_accepted(
    changes: dict[str, Any],
) -> None:
    assert errors_of(record("awardPrice", **changes)) == {}


@pytest.mark.parametrize("basis", ["distance", "revenue", "fixed"])
def test_validate__elite_metric_without_rate_is_rejected(basis: str) -> None:
    # GIVEN an elite metric without a rate whose basis needs one
    data = record("earningRule", eliteMetrics=[{"metricName": "PQP", "basis": basis}])

    # WHEN it is validated
    errors = errors_of(data)

    # THEN the metric is named and the message says rate is required
    assert list(errors) == ["eliteMetrics.0"]
    assert "rate is required" in errors["eliteMetrics.0"]


def test_validate__same_as_redeemable_metric_needs_no_rate() -> None:
    data = record(
        "earningRule", eliteMetrics=[{"metricName": "PQM", "basis": "same_as_redeemable"}]
    )
    fact = FACT_ADAPTER.validate_json(json.dumps(data))
    assert isinstance(fact, EarningRule)
    assert fact.elite_metrics is not None
    assert fact.elite_metrics[0].rate is None


def test_validate__qualification_accepts_single_and_all_of_alternatives() -> None:
    # GIVEN a tier qualified by one metric, or by two metrics together
    data = record(
        "eliteTier",
        qualification=[
            {"metricName": "PQP", "threshold": 5000},
            {
                "allOf": [
                    {"metricName": "PQF", "threshold": 15},
                    {"metricName": "PQP", "threshold": 4000},
                ]
            },
        ],
    )

    # WHEN it is validated
    fact = FACT_ADAPTER.validate_json(json.dumps(data))

    # THEN both alternatives are kept with their shape
    assert isinstance(fact, EliteTier)
    assert fact.to_json_dict()["qualification"] == data["qualification"]


@pytest.mark.parametrize(
    ("record_type", "changes"),
    [
        ("route", {"origin": "JFK", "destination": "JFK"}),
        ("transferPartnership", {"toProgramId": "CHASE_UR"}),
        ("awardPrice", {"minDistance": 5000, "maxDistance": 4999}),
        ("awardPrice", {"effectiveDate": "2026-02-01", "expirationDate": "2026-01-31"}),
        ("transferBonus", {"startDate": "2027-01-01"}),
        ("transferBonus", {"endDate": "2026-02-30"}),
        ("awardPrice", {"points": 0}),
        ("transferPartnership", {"ratioTo": 0}),
        ("eliteTier", {"rank": 0}),
        ("passage", {"text": ""}),
        ("earningRule", {"operatingAirlineIds": []}),
        ("route", {"cabins": []}),
    ],
)
def test_validate__record_level_rule_violation_is_rejected(
    record_type: str, changes: dict[str, Any]
) -> None:
    assert errors_of(record(record_type, **changes)) != {}


def test_valid_on__window_is_inclusive_at_both_ends() -> None:
    # GIVEN a price valid from 2026-01-01 to 2026-01-31
    price = AwardPrice.model_validate(
        record("awardPrice", effectiveDate="2026-01-01", expirationDate="2026-01-31"),
        strict=False,
    )

    # WHEN days around the window are tested
    # THEN both ends are inside and the days next to them are outside
    assert price.valid_on(dt.date(2026, 1, 1))
    assert price.valid_on(dt.date(2026, 1, 31))
    assert not price.valid_on(dt.date(2025, 12, 31))
    assert not price.valid_on(dt.date(2026, 2, 1))


def test_valid_on__absent_bounds_are_open() -> None:
    route = Route.model_validate(record("route"))
    assert route.valid_on(dt.date(1900, 1, 1))
    assert route.valid_on(dt.date(2999, 12, 31))


def test_active_on__bonus_is_inclusive_and_running_without_start() -> None:
    # GIVEN a bonus with a window, and one without a startDate
    bounded = TransferBonus.model_validate(
        record("transferBonus", startDate="2026-11-01", endDate="2026-11-30"), strict=False
    )
    running = TransferBonus.model_validate(record("transferBonus"), strict=False)

    # WHEN days are tested
    # THEN both ends count, and an absent start means it is already running
    assert bounded.active_on(dt.date(2026, 11, 1))
    assert bounded.active_on(dt.date(2026, 11, 30))
    assert not bounded.active_on(dt.date(2026, 10, 31))
    assert not bounded.active_on(dt.date(2026, 12, 1))
    assert running.active_on(dt.date(2000, 1, 1))
    assert not running.active_on(dt.date(2027, 1, 1))


def test_defaults__are_the_contract_defaults() -> None:
    # GIVEN minimal records
    price = AwardPrice.model_validate(record("awardPrice"))
    route = Route.model_validate(record("route"))
    rule = EarningRule.model_validate(record("earningRule"))
    tier = EliteTier.model_validate(record("eliteTier"))

    # THEN unset optionals take the defaults facts.md states
    assert (price.trip_type, price.pricing, price.per_segment, price.symmetric) == (
        "one_way",
        "fixed",
        False,
        True,
    )
    assert route.bidirectional is True
    assert route.cabins is None
    assert (rule.elite_bonus_eligible, rule.revenue_currency, rule.priority) == (True, "USD", 0)
    assert tier.redeemable_bonus_percent == 0


def test_transfer_minimum_and_increment__default_to_ratio_from() -> None:
    # GIVEN a 3:1 partnership without minimum or increment, and one that states them
    implicit = TransferPartnership.model_validate(
        record("transferPartnership", ratioFrom=3, ratioTo=1)
    )
    explicit = TransferPartnership.model_validate(
        record("transferPartnership", ratioFrom=3, minimumTransfer=1000, transferIncrement=3)
    )

    # THEN the defaults are ratioFrom, and stated values win
    assert (implicit.minimum, implicit.increment) == (3, 3)
    assert (explicit.minimum, explicit.increment) == (1000, 3)


def test_value_cents__defaults_to_one_cent() -> None:
    plain = LoyaltyProgram.model_validate(record("loyaltyProgram"))
    valued = LoyaltyProgram.model_validate(record("loyaltyProgram", pointValueCents=1.35))
    assert plain.value_cents == 1.0
    assert valued.value_cents == 1.35


def test_to_json_dict__writes_camel_case_and_leaves_unset_optionals_out() -> None:
    # GIVEN an airline with one optional field set
    fact = FACT_ADAPTER.validate_json(json.dumps(record("airline", allianceId="star_alliance")))

    # WHEN it is written as the contract writes it
    # THEN field names are camelCase and unset optionals are absent
    assert fact.to_json_dict() == {
        "type": "airline",
        "airlineId": "UA",
        "name": "United",
        "allianceId": "star_alliance",
    }


def test_fact__is_immutable() -> None:
    fact = Route.model_validate(record("route"))
    with pytest.raises(ValidationError):
        fact.origin = "JFK"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("record_type", "key"),
    [
        ("alliance", ("alliance", "star_alliance")),
        ("airline", ("airline", "UA")),
        ("airport", ("airport", "JFK")),
        ("loyaltyProgram", ("loyaltyProgram", "UA_MP")),
        ("awardRegion", ("awardRegion", "UA_MP", "europe")),
        ("eliteTier", ("eliteTier", "UA_MP", "silver")),
        ("webSourceDocument", ("webSourceDocument", "doc-1")),
        ("passage", ("passage", "doc-1#1")),
        ("earningRule", ("earningRule", "ua-lh")),
        ("transferPartnership", None),
        ("transferBonus", None),
        ("bookablePartner", None),
        ("route", None),
        ("awardPrice", None),
    ],
)
def test_entity_key__identifies_entities_and_only_them(
    record_type: str, key: tuple[str, ...] | None
) -> None:
    fact = FACT_ADAPTER.validate_python(record(record_type), strict=False)
    assert entity_key(fact) == key
