"""The extracted-facts table in the Glue Data Catalog (awswrangler against moto)."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest
from moto import mock_aws

from loyalty_maximizer.spark.catalog import facts_columns, register_extracted_facts


@pytest.fixture
def aws_session(monkeypatch: pytest.MonkeyPatch) -> Iterator[boto3.Session]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        yield boto3.Session(region_name="us-east-1")


def test_facts_columns__every_field_typed_from_the_facts_models() -> None:
    # GIVEN the facts models  WHEN turned into Glue columns
    columns = facts_columns()
    # THEN scalars, lists and nested objects keep their JSON types
    assert columns["type"] == "string"
    assert columns["points"] == "bigint"
    assert columns["bonusPercent"] == "double"
    assert columns["perSegment"] == "boolean"
    assert columns["countries"] == "array<string>"
    assert columns["blockBonus"] == "struct<everySourcePoints:bigint,bonusTargetPoints:bigint>"
    # AND a list of alternatives (a threshold or an allOf) is one struct with every field
    assert columns["qualification"] == (
        "array<struct<metricName:string,threshold:double,"
        "allOf:array<struct<metricName:string,threshold:double>>>>"
    )
    assert columns["sourceDocumentId"] == "string"


def test_register_extracted_facts__creates_the_database_and_json_table(
    aws_session: boto3.Session,
) -> None:
    # GIVEN an empty catalog  WHEN the extracted facts are registered
    result = register_extracted_facts(
        database="loyalty",
        table="extracted_facts",
        location="s3://loyalty-raw/extracted-facts/",
        boto3_session=aws_session,
    )
    # THEN a JSON table over the prefix with the facts' columns exists
    table = aws_session.client("glue").get_table(DatabaseName="loyalty", Name="extracted_facts")
    descriptor = table["Table"]["StorageDescriptor"]
    assert descriptor["Location"] == "s3://loyalty-raw/extracted-facts/"
    types = {c["Name"].lower(): c["Type"] for c in descriptor["Columns"]}
    assert types["points"] == "bigint"
    assert types["countries"] == "array<string>"
    assert "json" in descriptor["SerdeInfo"]["SerializationLibrary"].lower()
    assert result["columns"] == len(facts_columns())


def test_register_extracted_facts__registering_again_replaces_the_table(
    aws_session: boto3.Session,
) -> None:
    # GIVEN a registered table  WHEN registered again over another prefix
    for location in ("s3://a/extracted-facts/", "s3://b/extracted-facts/"):
        register_extracted_facts(
            database="loyalty", table="facts", location=location, boto3_session=aws_session
        )
    # THEN one table, over the latest prefix
    glue = aws_session.client("glue")
    tables = glue.get_tables(DatabaseName="loyalty")["TableList"]
    assert [t["StorageDescriptor"]["Location"] for t in tables] == ["s3://b/extracted-facts/"]
