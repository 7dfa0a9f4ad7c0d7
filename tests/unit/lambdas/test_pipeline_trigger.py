"""pipeline_trigger: S3 upload events -> one ingestion execution per good upload; bad uploads
quarantined with the curator told; repeats are duplicates, not second runs."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws
from tests.unit.lambdas.conftest import ROOT, LambdaContext, load_event, load_handler

DOCUMENTS = ROOT / "samples" / "documents"
REGION = "eu-west-1"
BUCKET = "loyalty-dev-documents-123456789012"
# The event's keys, URL-decoded, and what the curator uploaded there.
UPLOADS = {
    "raw/aa-earning-aa-flights.html": (DOCUMENTS / "aa-earning-aa-flights.html").read_bytes(),
    "raw/partners/miles and more(earning).pdf": (
        DOCUMENTS / "miles-and-more-earning.pdf"
    ).read_bytes(),
    "raw/Transfer partners 2026.docx": b"PK\x03\x04 an Office document",
}


@pytest.fixture(scope="module")
def clients() -> dict[str, Any]:
    """One client per service for the module (making one is slow); each test's moto answers."""
    services = ("s3", "stepfunctions", "sns", "sqs", "dynamodb")
    return {
        service: boto3.client(
            service,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for service in services
    }


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch, clients: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Fake credentials -> moto -> the trigger's resources and environment; the clients."""
    for name in ("AWS_ENDPOINT_URL", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    environment = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_SERVICE_NAME": "pipeline_trigger",
        "POWERTOOLS_METRICS_NAMESPACE": "LoyaltyMaximizer",
        "ENVIRONMENT": "test",
        "DOCUMENTS_BUCKET": BUCKET,
        "IDEMPOTENCY_TABLE": "loyalty-test-idempotency",
        "MAX_DOCUMENT_BYTES": "5000000",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        s3 = clients["s3"]
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        clients["dynamodb"].create_table(
            TableName="loyalty-test-idempotency",
            KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        machine = clients["stepfunctions"].create_state_machine(
            name="loyalty-test-ingestion",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/loyalty-test-ingestion",
        )
        monkeypatch.setenv("INGESTION_STATE_MACHINE_ARN", machine["stateMachineArn"])
        topic = clients["sns"].create_topic(Name="loyalty-test-curator")["TopicArn"]
        queue = clients["sqs"].create_queue(QueueName="loyalty-test-curator")["QueueUrl"]
        queue_arn = clients["sqs"].get_queue_attributes(
            QueueUrl=queue, AttributeNames=["QueueArn"]
        )["Attributes"]["QueueArn"]
        clients["sns"].subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)
        monkeypatch.setenv("CURATOR_TOPIC_ARN", topic)
        yield clients | {"machine": machine["stateMachineArn"], "curator_queue": queue}


@pytest.fixture
def handler(aws: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    module = load_handler("pipeline_trigger")
    for name, service in (("s3", "s3"), ("sfn", "stepfunctions"), ("sns", "sns")):
        monkeypatch.setattr(module, name, lambda service=service: aws[service])
    monkeypatch.setattr(module, "dynamodb", lambda: aws["dynamodb"])
    return module


@pytest.fixture
def event(aws: dict[str, Any]) -> dict[str, Any]:
    """The sample event, its records naming the versions just uploaded."""
    sample = load_event("s3_object_created")
    for record, (key, data) in zip(sample["Records"], UPLOADS.items(), strict=True):
        put = aws["s3"].put_object(Bucket=BUCKET, Key=key, Body=data)
        record["s3"]["object"] |= {
            "size": len(data),
            "eTag": put["ETag"].strip('"'),
            "versionId": put["VersionId"],
        }
    return sample


def _executions(aws: dict[str, Any]) -> list[str]:
    listed = aws["stepfunctions"].list_executions(stateMachineArn=aws["machine"])
    return sorted(e["name"] for e in listed["executions"])


def _curator_messages(aws: dict[str, Any]) -> list[dict[str, Any]]:
    answer = aws["sqs"].receive_message(QueueUrl=aws["curator_queue"], MaxNumberOfMessages=10)
    return [json.loads(m["Body"]) for m in answer.get("Messages", [])]


def _metrics(output: str) -> dict[str, Any]:
    """The metrics the invocation flushed (CloudWatch embedded metric format on stdout)."""
    flushed = [json.loads(line) for line in output.splitlines() if '"_aws"' in line]
    return {k: v for blob in flushed for k, v in blob.items() if k != "_aws"}


def test_lambda_handler__good_and_bad_uploads__starts_the_good_and_quarantines_the_bad(
    handler: ModuleType,
    event: dict[str, Any],
    aws: dict[str, Any],
    lambda_context: LambdaContext,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # WHEN an event with an HTML page, a PDF and a Word file arrives
    answer = handler.lambda_handler(event, lambda_context)

    # THEN each good upload started one execution named by its run
    statuses = {r["key"]: r["status"] for r in answer["results"]}
    assert statuses == {
        "raw/aa-earning-aa-flights.html": "started",
        "raw/partners/miles and more(earning).pdf": "started",
        "raw/Transfer partners 2026.docx": "rejected",
    }
    assert _executions(aws) == [
        "aa-earning-aa-flights-a363d3845f8511b3",
        "miles-and-more-earning-8ac36558f287accf",
    ]
    started = aws["stepfunctions"].describe_execution(
        executionArn=answer["results"][0]["executionArn"]
    )
    assert json.loads(started["input"])["document"] == {
        "bucket": BUCKET,
        "key": "raw/aa-earning-aa-flights.html",
        "versionId": event["Records"][0]["s3"]["object"]["versionId"],
        "documentId": "aa-earning-aa-flights",
        "documentType": "html",
        "contentHash": "a363d3845f8511b3f85570a7f4defb562c8a78c05504a74f5df2b8a94247990f",
        "size": 5322,
        "runId": "aa-earning-aa-flights-a363d3845f8511b3",
    }
    # AND the Word file moved to quarantine/raw/ with the reason beside it
    listed = aws["s3"].list_objects_v2(Bucket=BUCKET)["Contents"]
    assert "quarantine/raw/Transfer partners 2026.docx" in {o["Key"] for o in listed}
    assert "raw/Transfer partners 2026.docx" not in {o["Key"] for o in listed}
    record = aws["s3"].get_object(Bucket=BUCKET, Key="quarantine/Transfer partners 2026.json")
    assert json.loads(record["Body"].read())["reason"].startswith("unsupported file type ('.docx')")
    # AND the curator was told, once
    (message,) = _curator_messages(aws)
    assert message["Subject"].startswith("Rejected Transfer partners 2026: unsupported file type")
    # AND the counts went out as metrics
    metrics = _metrics(capsys.readouterr().out)
    assert metrics["DocumentsAccepted"] == [1.0, 1.0]
    assert metrics["DocumentsRejected"] == [1.0]


def test_lambda_handler__same_event_again__no_second_execution(
    handler: ModuleType, event: dict[str, Any], aws: dict[str, Any], lambda_context: LambdaContext
) -> None:
    # GIVEN an event that was handled
    handler.lambda_handler(copy.deepcopy(event), lambda_context)
    _curator_messages(aws)

    # WHEN S3 delivers it again
    again = handler.lambda_handler(event, lambda_context)

    # THEN every record is a duplicate answered from the idempotency record
    assert [(r["status"], r.get("replayed")) for r in again["results"]] == [("duplicate", True)] * 3
    assert len(_executions(aws)) == 2
    assert _curator_messages(aws) == []


def test_lambda_handler__same_bytes_uploaded_again__duplicate_not_a_second_run(
    handler: ModuleType, event: dict[str, Any], aws: dict[str, Any], lambda_context: LambdaContext
) -> None:
    # GIVEN the page was ingested
    handler.lambda_handler(copy.deepcopy(event), lambda_context)
    # WHEN the curator uploads the same bytes again in parts (a new version and ETag)
    key = "raw/aa-earning-aa-flights.html"
    put = aws["s3"].put_object(Bucket=BUCKET, Key=key, Body=UPLOADS[key])
    again = copy.deepcopy(event)
    again["Records"] = again["Records"][:1]
    again["Records"][0]["s3"]["object"] |= {
        "versionId": put["VersionId"],
        "eTag": "d41d8cd98f00b204e9800998ecf8427e-2",
    }
    answer = handler.lambda_handler(again, lambda_context)
    # THEN the execution name is taken: a duplicate, and no second execution
    (result,) = answer["results"]
    assert (result["status"], result.get("replayed")) == ("duplicate", None)
    assert result["executionName"] == "aa-earning-aa-flights-a363d3845f8511b3"
    assert len(_executions(aws)) == 2


def test_lambda_handler__one_upload_unreadable__others_start_and_the_event_fails(
    handler: ModuleType, event: dict[str, Any], aws: dict[str, Any], lambda_context: LambdaContext
) -> None:
    # GIVEN an event whose first record names a version that does not exist
    event["Records"][0]["s3"]["object"]["versionId"] = "no-such-version"
    # WHEN it is handled THEN the invocation fails (so S3 retries it) with the storage error
    with pytest.raises(Exception, match="no such object") as caught:
        handler.lambda_handler(event, lambda_context)
    assert type(caught.value).__name__ == "StorageError"
    # AND the other good upload started anyway
    assert _executions(aws) == ["miles-and-more-earning-8ac36558f287accf"]


def test_lambda_handler__object_outside_raw__ignored(
    handler: ModuleType, event: dict[str, Any], aws: dict[str, Any], lambda_context: LambdaContext
) -> None:
    event["Records"] = event["Records"][:1]
    event["Records"][0]["s3"]["object"]["key"] = "archive/aa-earning-aa-flights.html"
    answer = handler.lambda_handler(event, lambda_context)
    assert [r["status"] for r in answer["results"]] == ["ignored"]
    assert _executions(aws) == []
    assert _curator_messages(aws) == []


def test_clients__made_once_per_container(aws: dict[str, Any]) -> None:
    module = load_handler("pipeline_trigger")
    assert module.s3() is module.s3()
    assert module.s3().meta.service_model.service_name == "s3"
