"""notifier: the curator hears of every run; travellers of the ingested ones."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from moto import mock_aws
from tests.unit.lambdas.conftest import LambdaContext, aws_clients, load_event, load_handler

REGION = "eu-west-1"


@pytest.fixture(scope="module")
def clients() -> dict[str, Any]:
    return aws_clients(REGION, "sns", "sqs")


@pytest.fixture
def queues(monkeypatch: pytest.MonkeyPatch, clients: dict[str, Any]) -> Iterator[dict[str, str]]:
    """The curator and traveller topics, each with a queue subscribed to read them."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_SERVICE_NAME": "notifier",
        "POWERTOOLS_METRICS_NAMESPACE": "LoyaltyMaximizer",
    }.items():
        monkeypatch.setenv(name, value)
    sns, sqs = clients["sns"], clients["sqs"]
    with mock_aws():
        queues = {}
        for audience in ("curator", "traveller"):
            topic = sns.create_topic(Name=f"loyalty-test-{audience}")["TopicArn"]
            queue = sqs.create_queue(QueueName=f"loyalty-test-{audience}")["QueueUrl"]
            queue_arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])
            sns.subscribe(
                TopicArn=topic, Protocol="sqs", Endpoint=queue_arn["Attributes"]["QueueArn"]
            )
            monkeypatch.setenv(f"{audience.upper()}_TOPIC_ARN", topic)
            queues[audience] = queue
        yield queues


@pytest.fixture
def handler(
    queues: dict[str, str], clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> ModuleType:
    module = load_handler("notifier")
    monkeypatch.setattr(module, "sns", lambda: clients["sns"])
    return module


def _received(clients: dict[str, Any], queue: str) -> list[dict[str, Any]]:
    answer = clients["sqs"].receive_message(QueueUrl=queue, MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in answer.get("Messages", [])]


def test_lambda_handler__ingested__curator_and_travellers_told(
    handler: ModuleType,
    queues: dict[str, str],
    clients: dict[str, Any],
    lambda_context: LambdaContext,
) -> None:
    # WHEN NotifyIngested runs
    answer = handler.lambda_handler(load_event("sfn_notify_ingested"), lambda_context)
    # THEN the curator got the run's account and travellers the short update
    assert set(answer["sent"]) == {"curator", "traveller"}
    (curator,) = _received(clients, queues["curator"])
    assert curator["Subject"] == "Ingested aa-earning-aa-flights: 14 facts"
    assert "  earningRule: 9" in curator["Message"]
    (traveller,) = _received(clients, queues["traveller"])
    assert traveller["Subject"] == "Loyalty knowledge updated"
    assert traveller["MessageAttributes"]["event"]["Value"] == "knowledge_updated"


def test_lambda_handler__quarantined__only_the_curator(
    handler: ModuleType,
    queues: dict[str, str],
    clients: dict[str, Any],
    lambda_context: LambdaContext,
) -> None:
    answer = handler.lambda_handler(load_event("sfn_notify_quarantined"), lambda_context)
    assert list(answer["sent"]) == ["curator"]
    (curator,) = _received(clients, queues["curator"])
    assert curator["Subject"].startswith("Quarantined miles-and-more-earning: no text found")
    assert "Outcome: quarantined at textract" in curator["Message"]
    assert _received(clients, queues["traveller"]) == []


def test_lambda_handler__no_traveller_topic__only_the_curator(
    handler: ModuleType,
    queues: dict[str, str],
    clients: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    lambda_context: LambdaContext,
) -> None:
    monkeypatch.delenv("TRAVELLER_TOPIC_ARN")
    answer = handler.lambda_handler(load_event("sfn_notify_ingested"), lambda_context)
    assert list(answer["sent"]) == ["curator"]
    assert _received(clients, queues["traveller"]) == []
