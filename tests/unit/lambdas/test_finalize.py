"""finalize: the extract job's decision read back; the upload archived or quarantined with
the run report written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws
from tests.unit.lambdas.conftest import ROOT, LambdaContext, load_event, load_handler

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

REGION = "eu-west-1"
BUCKET = "loyalty-dev-documents-123456789012"
HTML_RUN = "aa-earning-aa-flights-a363d3845f8511b3"
DOCUMENTS = ROOT / "samples" / "documents"
FACTS = [
    {"type": "webSourceDocument", "documentId": "aa-earning-aa-flights", "documentType": "html"},
    {"type": "earningRule", "programId": "AA_AADVANTAGE", "sourceDocumentId": "x"},
    {"type": "earningRule", "programId": "AA_AADVANTAGE", "sourceDocumentId": "y"},
]


@pytest.fixture(scope="module")
def client() -> Any:
    return boto3.client(
        "s3", region_name=REGION, aws_access_key_id="testing", aws_secret_access_key="testing"
    )


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch, client: Any) -> Iterator[Any]:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "POWERTOOLS_SERVICE_NAME": "finalize",
        "POWERTOOLS_METRICS_NAMESPACE": "LoyaltyMaximizer",
        "DOCUMENTS_BUCKET": BUCKET,
    }.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield client


@pytest.fixture
def handler(s3: Any, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    module = load_handler("finalize")
    monkeypatch.setattr(module, "s3", lambda: s3)
    return module


def _put(s3: Any, key: str, body: bytes | dict[str, Any] | list[dict[str, Any]]) -> str:
    if isinstance(body, list):
        data = "".join(json.dumps(r) + "\n" for r in body).encode()
    else:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return str(s3.put_object(Bucket=BUCKET, Key=key, Body=data)["VersionId"])


def _keys(s3: Any) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def _uploaded(s3: Any, name: str) -> dict[str, Any]:
    event = load_event(name)
    key = event["document"]["key"]
    event["document"]["versionId"] = _put(
        s3, key, (DOCUMENTS / key.removeprefix("raw/")).read_bytes()
    )
    return event


def test_lambda_handler__check_extraction__what_the_job_wrote(
    handler: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    # GIVEN the run's prepared document and the facts the extract job wrote after it
    _put(s3, "processed-text/aa-earning-aa-flights.json", {"documentId": "aa-earning-aa-flights"})
    _put(s3, "extracted-facts/aa-earning-aa-flights.jsonl", FACTS)
    # WHEN CheckExtraction runs THEN it reports the document ingested, with its facts
    answer = handler.lambda_handler(load_event("sfn_check_extraction"), lambda_context)
    assert answer == {
        "status": "ingested",
        "factsKey": "extracted-facts/aa-earning-aa-flights.jsonl",
        "facts": 3,
        "factsByType": {"earningRule": 2, "webSourceDocument": 1},
    }


def test_lambda_handler__archive__moves_the_upload_and_writes_the_report(
    handler: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    # GIVEN an ingested run: its upload, facts and graph report
    event = _uploaded(s3, "sfn_archive")
    _put(s3, "extracted-facts/aa-earning-aa-flights.jsonl", FACTS)
    _put(s3, f"graph-reports/{HTML_RUN}.json", {"runId": HTML_RUN, "nodes": 186, "edges": 412})

    # WHEN the Archive state runs
    answer = handler.lambda_handler(event, lambda_context)

    # THEN the upload is archived and the report summarises the run and its stages
    keys = _keys(s3)
    assert "archive/aa-earning-aa-flights.html" in keys
    assert "raw/aa-earning-aa-flights.html" not in keys
    assert (answer["status"], answer["facts"], answer["nodes"]) == ("ingested", 3, 186)
    report = json.loads(s3.get_object(Bucket=BUCKET, Key=f"reports/{HTML_RUN}.json")["Body"].read())
    assert report["stages"] == {k: event[k] for k in ("dispatch", "extraction", "load")}
    assert report["document"] == event["document"]
    assert report["factsByType"] == {"earningRule": 2, "webSourceDocument": 1}


def test_lambda_handler__quarantine__moves_the_upload_and_records_why(
    handler: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    # GIVEN a PDF run that Textract's callback rejected
    event = _uploaded(s3, "sfn_quarantine")
    run = event["document"]["runId"]

    # WHEN the Quarantine state runs
    answer = handler.lambda_handler(event, lambda_context)

    # THEN the PDF is in quarantine/raw/, and the record says where it stopped and why
    keys = _keys(s3)
    assert "quarantine/raw/miles-and-more-earning.pdf" in keys
    assert "raw/miles-and-more-earning.pdf" not in keys
    record = json.loads(
        s3.get_object(Bucket=BUCKET, Key="quarantine/miles-and-more-earning.json")["Body"].read()
    )
    assert (record["stage"], record["error"]) == ("textract", "DocumentRejected")
    assert record["reason"] == event["error"]["Cause"]
    assert f"reports/{run}.json" in keys
    assert (answer["status"], answer["stage"]) == ("quarantined", "textract")


def test_lambda_handler__quarantine__a_glue_failure_stops_at_extraction(
    handler: ModuleType, s3: Any, lambda_context: LambdaContext
) -> None:
    # GIVEN a run whose extract job failed: the state has the dispatch result, no extraction
    event = _uploaded(s3, "sfn_quarantine")
    error = {"Error": "States.TaskFailed", "Cause": '{"ErrorMessage": "RuntimeError: boom"}'}
    event["error"] = error
    event["run"] = {
        "document": event["document"],
        "dispatch": {"Payload": {"route": "prepared", "preparedKey": "processed-text/x.json"}},
        "error": error,
    }

    answer = handler.lambda_handler(event, lambda_context)

    assert (answer["status"], answer["stage"]) == ("quarantined", "extraction")
    assert answer["reason"] == "RuntimeError: boom"


def test_lambda_handler__unknown_action__invalid_request(
    handler: ModuleType, lambda_context: LambdaContext
) -> None:
    event = load_event("sfn_archive") | {"action": "delete"}
    with pytest.raises(Exception, match="action 'delete'") as caught:
        handler.lambda_handler(event, lambda_context)
    assert type(caught.value).__name__ == "InvalidRequest"
