"""What the curator and travellers are told, and that it reaches their topics."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError

from loyalty_maximizer.ingestion.notifications import (
    NotifyRequest,
    curator_message,
    notify,
    traveller_message,
)
from loyalty_maximizer.ingestion.outcomes import RunSummary

INGESTED = RunSummary(
    run_id="aa-earning-aa-flights-a363d3845f8511b3",
    document_id="aa-earning-aa-flights",
    source="s3://docs/raw/aa-earning-aa-flights.html",
    status="ingested",
    facts=14,
    facts_by_type={"earningRule": 9, "loyaltyProgram": 1, "passage": 3, "webSourceDocument": 1},
    nodes=186,
    edges=412,
    moved_to="s3://docs/archive/aa-earning-aa-flights.html",
    report="s3://docs/reports/aa-earning-aa-flights-a363d3845f8511b3.json",
)
QUARANTINED = RunSummary(
    document_id="Grand tour — Zürich lounge access and partner earning 2026 (final draft)",
    source="s3://docs/raw/zurich.pdf",
    status="quarantined",
    stage="textract",
    reason="no text found: Textract read no text (a blank or image-only scan?)\nupload a "
    "clearer copy or the web page instead",
    error="DocumentRejected",
    moved_to="s3://docs/quarantine/raw/zurich.pdf",
)


def test_curator_message__ingested__lists_the_facts_by_type() -> None:
    message = curator_message("ingested", INGESTED)
    assert message.subject == "Ingested aa-earning-aa-flights: 14 facts"
    assert message.body.splitlines() == [
        "Document: aa-earning-aa-flights",
        "Uploaded as: s3://docs/raw/aa-earning-aa-flights.html",
        "Outcome: ingested",
        "Facts: 14",
        "  earningRule: 9",
        "  loyaltyProgram: 1",
        "  passage: 3",
        "  webSourceDocument: 1",
        "Graph build: 186 nodes, 412 edges",
        "The file is now at: s3://docs/archive/aa-earning-aa-flights.html",
        "Run report: s3://docs/reports/aa-earning-aa-flights-a363d3845f8511b3.json",
        "Run: aa-earning-aa-flights-a363d3845f8511b3",
    ]
    assert message.attributes == {"event": "ingested", "documentId": "aa-earning-aa-flights"}


def test_curator_message__quarantined__subject_fits_sns_and_body_says_what_to_do() -> None:
    message = curator_message("quarantined", QUARANTINED)
    # THEN the subject is one line of at most 100 printable ASCII characters
    assert len(message.subject) <= 100
    assert message.subject.isascii()
    assert message.subject.isprintable()
    assert message.subject.startswith("Quarantined Grand tour Zurich lounge access")
    assert message.subject.endswith("...")
    # AND the body names the stage, the reason, the error and where the file is
    assert "Outcome: quarantined at textract" in message.body
    assert "Reason: no text found: Textract read no text" in message.body
    assert "Error: DocumentRejected" in message.body
    assert "The file is now at: s3://docs/quarantine/raw/zurich.pdf" in message.body
    assert "Fix the file and upload it again under raw/." in message.body


def test_traveller_message__short_with_filterable_attributes() -> None:
    message = traveller_message(INGESTED)
    assert message.subject == "Loyalty knowledge updated"
    assert "earningRule, loyaltyProgram, webSourceDocument" in message.body
    assert message.attributes == {
        "event": "knowledge_updated",
        "documentId": "aa-earning-aa-flights",
        "facts": 14,
    }


@pytest.fixture
def topics(sns: Any, sqs: Any) -> dict[str, str]:
    """A curator and a traveller topic, each with a queue subscribed (SNS envelopes)."""
    arns = {}
    for audience in ("curator", "traveller"):
        topic = sns.create_topic(Name=f"loyalty-test-{audience}")["TopicArn"]
        queue = sqs.create_queue(QueueName=f"loyalty-test-{audience}")["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
        sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"])
        arns[audience] = topic
        arns[f"{audience}-queue"] = queue
    return arns


@pytest.fixture
def received(sqs: Any, topics: dict[str, str]) -> Callable[[str], list[dict[str, Any]]]:
    def messages(audience: str) -> list[dict[str, Any]]:
        answer = sqs.receive_message(QueueUrl=topics[f"{audience}-queue"], MaxNumberOfMessages=10)
        return [json.loads(m["Body"]) for m in answer.get("Messages", [])]

    return messages


def test_notify__ingested__curator_and_travellers_hear_of_it(
    sns: Any, topics: dict[str, str], received: Callable[[str], list[dict[str, Any]]]
) -> None:
    # WHEN an ingestion is announced
    sent = notify(
        sns,
        "ingested",
        INGESTED,
        curator_topic=topics["curator"],
        traveller_topic=topics["traveller"],
    )
    # THEN one message reached each topic, with its subject and attributes
    assert set(sent) == {"curator", "traveller"}
    (curator,) = received("curator")
    assert curator["Subject"] == "Ingested aa-earning-aa-flights: 14 facts"
    assert curator["MessageId"] == sent["curator"]
    (traveller,) = received("traveller")
    assert traveller["Subject"] == "Loyalty knowledge updated"
    assert traveller["MessageAttributes"]["event"] == {
        "Type": "String",
        "Value": "knowledge_updated",
    }
    assert traveller["MessageAttributes"]["facts"] == {"Type": "Number", "Value": "14"}


def test_notify__quarantined__only_the_curator(
    sns: Any, topics: dict[str, str], received: Callable[[str], list[dict[str, Any]]]
) -> None:
    sent = notify(
        sns,
        "quarantined",
        QUARANTINED,
        curator_topic=topics["curator"],
        traveller_topic=topics["traveller"],
    )
    assert list(sent) == ["curator"]
    assert len(received("curator")) == 1
    assert received("traveller") == []


def test_notify_request__no_report__summary_from_the_document_and_error() -> None:
    # GIVEN a failure path whose quarantine step failed, so the notifier gets no report
    request = NotifyRequest.model_validate(
        {
            "audience": "curator",
            "event": "quarantined",
            "document": {
                "bucket": "docs",
                "key": "raw/a.html",
                "documentId": "a",
                "documentType": "html",
                "contentHash": "0" * 64,
                "size": 3,
                "runId": "a-0000000000000000",
            },
            "error": {"Error": "DocumentRejected", "Cause": "empty file"},
        }
    )
    # THEN the summary still names the document, the stage and the reason
    summary = request.summary()
    assert (summary.document_id, summary.stage, summary.reason) == ("a", "prepare", "empty file")
    assert summary.source == "s3://docs/raw/a.html"


def test_notify_request__ingested_without_report__invalid() -> None:
    with pytest.raises(ValidationError, match="needs the run's report"):
        NotifyRequest.model_validate({"event": "ingested"})
