"""The Textract callback: every page of the analysis read, the outputs stored, and the
waiting task resumed or failed with the error the state machine expects."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.stub import ANY, Stubber

from loyalty_maximizer.documents.model import PreparedDocument
from loyalty_maximizer.documents.prepare import prepare_textract
from loyalty_maximizer.ingestion.bucket import DocumentsBucket
from loyalty_maximizer.ingestion.textract_jobs import (
    TextractCompletion,
    TextractJobRecord,
    analysis_pages,
    complete_job,
)
from loyalty_maximizer.spark.storage import StorageError

RUN = "miles-and-more-earning-8ac36558f287accf"
HASH = "8ac36558f287accfd8065ea2fe5229dbb2b458f1d8f5d08659a01286a5222e95"
JOB = "8d2f1c3b5a7e9f0d4c6b8a1e3f5d7c9b2a4e6f8d0c1b3a5e7f9d2c4b6a8e0f1d"
TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAZ2a-task-token"
SUCCESS_OUTPUT = {
    "route": "prepared",
    "preparedKey": "processed-text/miles-and-more-earning.json",
    "textractKey": "textract-output/miles-and-more-earning.json",
}


@pytest.fixture
def textract(clients: dict[str, Any]) -> Iterator[tuple[Any, Stubber]]:
    client = clients["textract"]
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


@pytest.fixture
def sfn(clients: dict[str, Any]) -> Iterator[tuple[Any, Stubber]]:
    client = clients["stepfunctions"]
    with Stubber(client) as stub:
        yield client, stub
        stub.assert_no_pending_responses()


@pytest.fixture
def pages(textract_pages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in p.items() if k != "ResponseMetadata"} for p in textract_pages]


@pytest.fixture
def job_record(bucket: DocumentsBucket) -> TextractJobRecord:
    record = TextractJobRecord(
        task_token=TOKEN,
        document_id="miles-and-more-earning",
        run_id=RUN,
        bucket=bucket.name,
        key="raw/miles-and-more-earning.pdf",
        version_id="v1",
        content_hash=HASH,
        retrieved_date="2026-11-22",
    )
    bucket.put_json(f"textract-jobs/{RUN}.json", record.to_json())
    return record


def _completion(status: str = "SUCCEEDED") -> TextractCompletion:
    message = {
        "JobId": JOB,
        "Status": status,
        "API": "StartDocumentAnalysis",
        "JobTag": RUN,
        "Timestamp": 1795334215981,
        "DocumentLocation": {
            "S3ObjectName": "raw/miles-and-more-earning.pdf",
            "S3Bucket": "loyalty-test-documents",
        },
    }
    return TextractCompletion.model_validate_json(json.dumps(message))


def _expect_pages(stub: Stubber, pages: list[dict[str, Any]]) -> None:
    token = None
    for page in pages:
        stub.add_response(
            "get_document_analysis", page, {"JobId": JOB, **({"NextToken": token} if token else {})}
        )
        token = page.get("NextToken")


def test_analysis_pages__follows_next_token_through_every_page(
    textract: tuple[Any, Stubber], pages: list[dict[str, Any]]
) -> None:
    client, stub = textract
    # GIVEN a job whose analysis comes in two pages
    assert "NextToken" in pages[0]
    assert "NextToken" not in pages[1]
    _expect_pages(stub, pages)
    # WHEN its pages are read THEN both come back, in order
    assert analysis_pages(client, JOB) == pages


def test_complete_job__succeeded__stores_outputs_and_resumes_the_execution(
    bucket: DocumentsBucket,
    job_record: TextractJobRecord,
    textract: tuple[Any, Stubber],
    sfn: tuple[Any, Stubber],
    pages: list[dict[str, Any]],
) -> None:
    # GIVEN a job that succeeded, and the execution waiting with its task token
    _expect_pages(textract[1], pages)
    sfn[1].add_response(
        "send_task_success", {}, {"taskToken": TOKEN, "output": json.dumps(SUCCESS_OUTPUT)}
    )

    # WHEN its completion message is handled
    result = complete_job(_completion(), bucket=bucket, textract=textract[0], sfn=sfn[0])

    # THEN the analysis and the prepared document are stored, and the task resumed
    assert result == {
        "documentId": "miles-and-more-earning",
        "runId": RUN,
        "jobId": JOB,
        "status": "succeeded",
        "pages": 2,
        **SUCCESS_OUTPUT,
    }
    assert bucket.get_json(SUCCESS_OUTPUT["textractKey"]) == pages
    prepared = PreparedDocument.model_validate_json(bucket.get(SUCCESS_OUTPUT["preparedKey"]).data)
    assert prepared == prepare_textract(
        pages, "miles-and-more-earning", source_hash=HASH, retrieved_date="2026-11-22"
    )
    assert (prepared.content_hash, prepared.document_type) == (HASH, "pdf")


def test_complete_job__job_failed__task_fails_with_textract_failed_and_textracts_words(
    bucket: DocumentsBucket,
    job_record: TextractJobRecord,
    textract: tuple[Any, Stubber],
    sfn: tuple[Any, Stubber],
    stored_keys: Any,
) -> None:
    # GIVEN a job Textract could not finish
    textract[1].add_response(
        "get_document_analysis",
        {"JobStatus": "FAILED", "StatusMessage": "UNSUPPORTED_DOCUMENT_FORMAT", "Blocks": []},
        {"JobId": JOB, "MaxResults": 1},
    )
    sfn[1].add_response(
        "send_task_failure", {}, {"taskToken": TOKEN, "error": "TextractFailed", "cause": ANY}
    )

    # WHEN its completion message is handled
    result = complete_job(_completion("FAILED"), bucket=bucket, textract=textract[0], sfn=sfn[0])

    # THEN the waiting task fails as TextractFailed, saying why and what to do
    assert (result["status"], result["error"]) == ("failed", "TextractFailed")
    assert "ended FAILED: UNSUPPORTED_DOCUMENT_FORMAT" in result["reason"]
    assert "upload it again" in result["reason"]
    assert stored_keys("processed-text/") == []


def test_complete_job__no_text_in_the_analysis__task_fails_as_document_rejected(
    bucket: DocumentsBucket,
    job_record: TextractJobRecord,
    textract: tuple[Any, Stubber],
    sfn: tuple[Any, Stubber],
) -> None:
    # GIVEN a job that read a blank scan
    blank = {"JobStatus": "SUCCEEDED", "DocumentMetadata": {"Pages": 1}, "Blocks": []}
    _expect_pages(textract[1], [blank])
    sfn[1].add_response(
        "send_task_failure", {}, {"taskToken": TOKEN, "error": "DocumentRejected", "cause": ANY}
    )
    # WHEN it is handled THEN the task fails as DocumentRejected with the library's reason
    result = complete_job(_completion(), bucket=bucket, textract=textract[0], sfn=sfn[0])
    assert result["error"] == "DocumentRejected"
    assert result["reason"].startswith("no text found")


def test_complete_job__execution_no_longer_waits__expired_not_error(
    bucket: DocumentsBucket,
    job_record: TextractJobRecord,
    textract: tuple[Any, Stubber],
    sfn: tuple[Any, Stubber],
    pages: list[dict[str, Any]],
) -> None:
    _expect_pages(textract[1], pages)
    sfn[1].add_client_error("send_task_success", "TaskTimedOut", "Task Timed Out")
    result = complete_job(_completion(), bucket=bucket, textract=textract[0], sfn=sfn[0])
    assert result["status"] == "expired"


def test_complete_job__no_job_record__storage_error(
    bucket: DocumentsBucket, textract: tuple[Any, Stubber], sfn: tuple[Any, Stubber]
) -> None:
    with pytest.raises(StorageError, match=f"textract-jobs/{RUN}.json: no such object"):
        complete_job(_completion(), bucket=bucket, textract=textract[0], sfn=sfn[0])
