"""dispatch: HTML prepared into processed-text/; a PDF routed to Textract, then its job
started with the completion topic, the run as its tag and the task token stored."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from botocore.stub import Stubber
from moto import mock_aws
from tests.unit.lambdas.conftest import ROOT, LambdaContext, aws_clients, load_event, load_handler

from loyalty_maximizer.documents.model import PreparedDocument

# A step that fails on purpose has no metric to flush; Powertools warns about that.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

REGION = "eu-west-1"
BUCKET = "loyalty-dev-documents-123456789012"
TOPIC = "arn:aws:sns:eu-west-1:123456789012:loyalty-dev-textract-completion"
ROLE = "arn:aws:iam::123456789012:role/loyalty-dev-textract-publish"
DOCUMENTS = ROOT / "samples" / "documents"


@pytest.fixture(scope="module")
def clients() -> dict[str, Any]:
    return aws_clients(REGION, "s3", "textract")


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch, clients: dict[str, Any]) -> Iterator[Any]:
    environment = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_SERVICE_NAME": "dispatch",
        "POWERTOOLS_METRICS_NAMESPACE": "LoyaltyMaximizer",
        "DOCUMENTS_BUCKET": BUCKET,
        "TEXTRACT_TOPIC_ARN": TOPIC,
        "TEXTRACT_ROLE_ARN": ROLE,
        "MAX_DOCUMENT_BYTES": "5000000",
    }
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        s3 = clients["s3"]
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield s3


@pytest.fixture
def textract(clients: dict[str, Any]) -> Iterator[Stubber]:
    with Stubber(clients["textract"]) as stub:
        yield stub
        stub.assert_no_pending_responses()


@pytest.fixture
def handler(s3: Any, clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    module = load_handler("dispatch")
    monkeypatch.setattr(module, "s3", lambda: s3)
    monkeypatch.setattr(module, "textract", lambda: clients["textract"])
    return module


def _uploaded(s3: Any, name: str, data: bytes | None = None) -> dict[str, Any]:
    """The sample event whose document is ``name``, its version just uploaded."""
    event = load_event(name)
    document = event["document"]
    data = (
        data
        if data is not None
        else (DOCUMENTS / document["key"].removeprefix("raw/")).read_bytes()
    )
    document["versionId"] = s3.put_object(Bucket=BUCKET, Key=document["key"], Body=data)[
        "VersionId"
    ]
    return event


def test_lambda_handler__prepare_html__processed_text_round_trips(
    handler: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    # GIVEN the Dispatch state's input for an uploaded HTML page
    event = _uploaded(s3, "sfn_dispatch_prepare")

    # WHEN dispatch prepares it
    answer = handler.lambda_handler(event, lambda_context)

    # THEN the state machine is told where the prepared document is
    assert answer == {
        "route": "prepared",
        "preparedKey": "processed-text/aa-earning-aa-flights.json",
    }
    # AND that object is the prepared page, named and hashed as the run says
    body = s3.get_object(Bucket=BUCKET, Key=answer["preparedKey"])["Body"].read()
    prepared = PreparedDocument.model_validate_json(body)
    assert prepared.document_id == "aa-earning-aa-flights"
    assert prepared.content_hash == event["document"]["contentHash"]
    assert prepared.title
    assert any(block.kind == "table" for block in prepared.blocks)


def test_lambda_handler__prepare_pdf__routed_to_textract(
    handler: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    event = _uploaded(s3, "sfn_dispatch_start_textract") | {"action": "prepare"}
    assert handler.lambda_handler(event, lambda_context) == {"route": "textract"}


def test_lambda_handler__prepare_empty_page__raises_document_rejected(
    handler: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    event = _uploaded(s3, "sfn_dispatch_prepare", b"\n  \n")
    with pytest.raises(Exception, match="empty file") as caught:
        handler.lambda_handler(event, lambda_context)
    assert type(caught.value).__name__ == "DocumentRejected"  # the state machine's error name


def test_lambda_handler__start_textract__job_started_with_the_completion_channel(
    handler: ModuleType, s3: Any, textract: Stubber, lambda_context: LambdaContext
) -> None:
    # GIVEN the StartTextract state's input for an uploaded PDF, and Textract expecting the job
    event = _uploaded(s3, "sfn_dispatch_start_textract")
    run = event["document"]["runId"]
    textract.add_response(
        "start_document_analysis",
        {"JobId": "8d2f1c3b5a7e9f0d"},
        {
            "DocumentLocation": {
                "S3Object": {
                    "Bucket": BUCKET,
                    "Name": "raw/miles-and-more-earning.pdf",
                    "Version": event["document"]["versionId"],
                }
            },
            "FeatureTypes": ["TABLES", "LAYOUT"],
            "NotificationChannel": {"SNSTopicArn": TOPIC, "RoleArn": ROLE},
            "JobTag": run,
            "ClientRequestToken": run,
        },
    )

    # WHEN dispatch starts it
    answer = handler.lambda_handler(event, lambda_context)

    # THEN the job runs, and its record holds the token the callback resumes
    assert answer == {"jobId": "8d2f1c3b5a7e9f0d", "jobRecordKey": f"textract-jobs/{run}.json"}
    record = json.loads(s3.get_object(Bucket=BUCKET, Key=answer["jobRecordKey"])["Body"].read())
    assert record["taskToken"] == event["taskToken"]
    assert (record["documentId"], record["runId"]) == ("miles-and-more-earning", run)
    assert record["contentHash"] == event["document"]["contentHash"]


def test_lambda_handler__unknown_action__invalid_request(
    handler: ModuleType, lambda_context: LambdaContext
) -> None:
    event = load_event("sfn_dispatch_prepare") | {"action": "extract"}
    with pytest.raises(Exception, match="action 'extract'") as caught:
        handler.lambda_handler(event, lambda_context)
    assert type(caught.value).__name__ == "InvalidRequest"
