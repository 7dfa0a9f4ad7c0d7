"""textract_callback: Textract's completion message -> the analysis and prepared document
stored, and the waiting task resumed (or failed as TextractFailed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws
from tests.unit.lambdas.conftest import ROOT, LambdaContext, aws_clients, load_event, load_handler

from loyalty_maximizer.documents.model import PreparedDocument

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

REGION = "eu-west-1"
BUCKET = "loyalty-dev-documents-123456789012"
RUN = "miles-and-more-earning-8ac36558f287accf"
JOB = "8d2f1c3b5a7e9f0d4c6b8a1e3f5d7c9b2a4e6f8d0c1b3a5e7f9d2c4b6a8e0f1d"
TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAZ2a-task-token"
PAGES = ROOT / "tests" / "unit" / "documents" / "data" / "textract_qatar_earning.json"


@pytest.fixture(scope="module")
def clients() -> dict[str, Any]:
    return aws_clients(REGION, "s3", "textract", "stepfunctions")


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch, clients: dict[str, Any]) -> Iterator[Any]:
    """The documents bucket holding the job record dispatch wrote for the run."""
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_SERVICE_NAME": "textract_callback",
        "POWERTOOLS_METRICS_NAMESPACE": "LoyaltyMaximizer",
        "DOCUMENTS_BUCKET": BUCKET,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        s3 = clients["s3"]
        s3.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
        yield s3


@pytest.fixture
def job_record(s3: Any) -> dict[str, Any]:
    record = {
        "taskToken": TOKEN,
        "documentId": "miles-and-more-earning",
        "runId": RUN,
        "bucket": BUCKET,
        "key": "raw/miles-and-more-earning.pdf",
        "versionId": "Wb1mO_EP7fFj0HquQ1pZzaN1y2kQx8bC",
        "contentHash": "8ac36558f287accfd8065ea2fe5229dbb2b458f1d8f5d08659a01286a5222e95",
        "retrievedDate": "2026-11-22",
    }
    s3.put_object(Bucket=BUCKET, Key=f"textract-jobs/{RUN}.json", Body=json.dumps(record))
    return record


@pytest.fixture
def stubs(clients: dict[str, Any]) -> Iterator[dict[str, Stubber]]:
    with Stubber(clients["textract"]) as textract, Stubber(clients["stepfunctions"]) as sfn:
        yield {"textract": textract, "sfn": sfn}
        textract.assert_no_pending_responses()
        sfn.assert_no_pending_responses()


@pytest.fixture
def handler(s3: Any, clients: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    module = load_handler("textract_callback")
    monkeypatch.setattr(module, "s3", lambda: s3)
    monkeypatch.setattr(module, "textract", lambda: clients["textract"])
    monkeypatch.setattr(module, "sfn", lambda: clients["stepfunctions"])
    return module


def test_lambda_handler__job_succeeded__pages_read_outputs_stored_and_task_resumed(
    handler: ModuleType,
    s3: Any,
    job_record: dict[str, Any],
    stubs: dict[str, Stubber],
    lambda_context: LambdaContext,
) -> None:
    # GIVEN a finished job whose analysis comes in two pages
    pages = [
        {k: v for k, v in page.items() if k != "ResponseMetadata"}
        for page in json.loads(PAGES.read_text(encoding="utf-8"))
    ]
    stubs["textract"].add_response("get_document_analysis", pages[0], {"JobId": JOB})
    stubs["textract"].add_response(
        "get_document_analysis", pages[1], {"JobId": JOB, "NextToken": pages[0]["NextToken"]}
    )
    output = {
        "route": "prepared",
        "preparedKey": "processed-text/miles-and-more-earning.json",
        "textractKey": "textract-output/miles-and-more-earning.json",
    }
    stubs["sfn"].add_response(
        "send_task_success", {}, {"taskToken": TOKEN, "output": json.dumps(output)}
    )

    # WHEN Textract's completion message arrives
    answer = handler.lambda_handler(load_event("sns_textract_completion"), lambda_context)

    # THEN both pages were stored, the prepared PDF is in processed-text/, the task resumed
    (result,) = answer["results"]
    assert (result["status"], result["pages"]) == ("succeeded", 2)
    stored = json.loads(s3.get_object(Bucket=BUCKET, Key=output["textractKey"])["Body"].read())
    assert stored == pages
    body = s3.get_object(Bucket=BUCKET, Key=output["preparedKey"])["Body"].read()
    prepared = PreparedDocument.model_validate_json(body)
    assert (prepared.document_id, prepared.document_type) == ("miles-and-more-earning", "pdf")
    assert prepared.content_hash == job_record["contentHash"]


def test_lambda_handler__job_failed__task_fails_as_textract_failed(
    handler: ModuleType,
    job_record: dict[str, Any],
    stubs: dict[str, Stubber],
    lambda_context: LambdaContext,
) -> None:
    # GIVEN a job Textract could not finish
    stubs["textract"].add_response(
        "get_document_analysis",
        {"JobStatus": "FAILED", "StatusMessage": "UNSUPPORTED_DOCUMENT_FORMAT", "Blocks": []},
        {"JobId": JOB, "MaxResults": 1},
    )
    stubs["sfn"].add_response(
        "send_task_failure", {}, {"taskToken": TOKEN, "error": "TextractFailed", "cause": ANY}
    )
    # WHEN its completion message arrives
    answer = handler.lambda_handler(load_event("sns_textract_completion_failed"), lambda_context)
    # THEN the waiting task failed as TextractFailed, with Textract's words
    (result,) = answer["results"]
    assert (result["status"], result["error"]) == ("failed", "TextractFailed")
    assert "UNSUPPORTED_DOCUMENT_FORMAT" in result["reason"]


def test_lambda_handler__no_job_record__fails_so_sns_retries(
    handler: ModuleType, stubs: dict[str, Stubber], lambda_context: LambdaContext
) -> None:
    with pytest.raises(Exception, match=f"textract-jobs/{RUN}.json: no such object") as caught:
        handler.lambda_handler(load_event("sns_textract_completion"), lambda_context)
    assert type(caught.value).__name__ == "StorageError"
