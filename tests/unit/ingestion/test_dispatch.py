"""Dispatch: HTML and text prepared into processed-text/, PDFs sent to Textract with a job
record the callback finds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.stub import Stubber

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.model import PreparedDocument
from loyalty_maximizer.documents.prepare import prepare_document
from loyalty_maximizer.ingestion.bucket import DocumentsBucket
from loyalty_maximizer.ingestion.dispatch import prepare_source, start_textract
from loyalty_maximizer.ingestion.textract_jobs import TextractFailed
from loyalty_maximizer.spark.storage import StorageError

TOPIC = "arn:aws:sns:eu-west-1:123456789012:loyalty-test-textract-completion"
ROLE = "arn:aws:iam::123456789012:role/loyalty-test-textract-publish"
TOKEN = "AQCEAAAAKgAAAAMAAAAAAAAAAZ2a-task-token"
UploadFile = Callable[..., Any]


@pytest.fixture
def textract(clients: dict[str, Any]) -> Any:
    return clients["textract"]


def test_prepare_source__html__processed_text_round_trips_into_the_prepared_document(
    bucket: DocumentsBucket, upload: UploadFile, sample: Callable[[str], bytes]
) -> None:
    # GIVEN an HTML upload
    document = upload("aa-earning-aa-flights.html", sample("aa-earning-aa-flights.html"))

    # WHEN it is dispatched
    result = prepare_source(bucket, document, max_bytes=5_000_000)

    # THEN the prepared document is in processed-text/, as the library prepares the file
    assert result == {
        "route": "prepared",
        "preparedKey": "processed-text/aa-earning-aa-flights.json",
    }
    stored = PreparedDocument.model_validate_json(bucket.get(result["preparedKey"]).data)
    expected = prepare_document(
        sample("aa-earning-aa-flights.html"),
        "aa-earning-aa-flights",
        "html",
        retrieved_date=stored.retrieved_date,
    )
    assert stored == expected
    assert stored.content_hash == document.content_hash
    assert stored.retrieved_date is not None


def test_prepare_source__pdf__routed_to_textract_without_reading_it(
    bucket: DocumentsBucket, upload: UploadFile, sample: Callable[[str], bytes]
) -> None:
    document = upload("miles-and-more-earning.pdf", sample("miles-and-more-earning.pdf"))
    bucket.client.delete_object(Bucket=bucket.name, Key=document.key, VersionId=document.version_id)

    assert prepare_source(bucket, document, max_bytes=5_000_000) == {"route": "textract"}


def test_prepare_source__whitespace_only_text__rejected_and_nothing_written(
    bucket: DocumentsBucket, upload: UploadFile, stored_keys: Callable[[str], list[str]]
) -> None:
    document = upload("blank.txt", b"  \n\t\n")

    with pytest.raises(DocumentRejected) as caught:
        prepare_source(bucket, document, max_bytes=5_000_000)

    assert caught.value.reason == "empty file (only whitespace)"
    assert caught.value.document_id == "blank"
    assert stored_keys("processed-text/") == []


def test_start_textract__writes_the_job_record_then_starts_the_analysis(
    bucket: DocumentsBucket, upload: UploadFile, sample: Callable[[str], bytes], textract: Any
) -> None:
    # GIVEN a PDF upload, and Textract expecting the analysis request
    document = upload("miles-and-more-earning.pdf", sample("miles-and-more-earning.pdf"))
    run = "miles-and-more-earning-8ac36558f287accf"
    with Stubber(textract) as stub:
        stub.add_response(
            "start_document_analysis",
            {"JobId": "job-1"},
            {
                "DocumentLocation": {
                    "S3Object": {
                        "Bucket": bucket.name,
                        "Name": "raw/miles-and-more-earning.pdf",
                        "Version": document.version_id,
                    }
                },
                "FeatureTypes": ["TABLES", "LAYOUT"],
                "NotificationChannel": {"SNSTopicArn": TOPIC, "RoleArn": ROLE},
                "JobTag": run,
                "ClientRequestToken": run,
            },
        )

        # WHEN dispatch starts Textract for it
        result = start_textract(bucket, textract, document, TOKEN, topic_arn=TOPIC, role_arn=ROLE)
        stub.assert_no_pending_responses()

    # THEN the job started with the run as its tag, and the record holds the task token
    assert result == {"jobId": "job-1", "jobRecordKey": f"textract-jobs/{run}.json"}
    record = bucket.get_json(f"textract-jobs/{run}.json")
    assert record == {
        "taskToken": TOKEN,
        "documentId": "miles-and-more-earning",
        "runId": run,
        "bucket": bucket.name,
        "key": "raw/miles-and-more-earning.pdf",
        "versionId": document.version_id,
        "contentHash": document.content_hash,
        "retrievedDate": record["retrievedDate"],
    }


@pytest.mark.parametrize(
    ("code", "error", "reason"),
    [
        ("BadDocumentException", DocumentRejected, "Textract cannot read this PDF"),
        ("UnsupportedDocumentException", DocumentRejected, "does not support this PDF"),
        ("ProvisionedThroughputExceededException", TextractFailed, "Textract did not start"),
    ],
)
def test_start_textract__textract_refuses__error_named_for_the_state_machine(
    bucket: DocumentsBucket,
    upload: UploadFile,
    sample: Callable[[str], bytes],
    textract: Any,
    code: str,
    error: type[Exception],
    reason: str,
) -> None:
    document = upload("miles-and-more-earning.pdf", sample("miles-and-more-earning.pdf"))
    with Stubber(textract) as stub:
        stub.add_client_error("start_document_analysis", code, "Request has invalid parameters")
        with pytest.raises(error) as caught:
            start_textract(bucket, textract, document, TOKEN, topic_arn=TOPIC, role_arn=ROLE)
    assert reason in str(caught.value)
    assert "Request has invalid parameters" in str(caught.value)


def test_start_textract__upload_gone__storage_error_and_no_job(
    bucket: DocumentsBucket,
    upload: UploadFile,
    sample: Callable[[str], bytes],
    textract: Any,
    stored_keys: Callable[[str], list[str]],
) -> None:
    # GIVEN a PDF deleted after its upload
    document = upload("miles-and-more-earning.pdf", sample("miles-and-more-earning.pdf"))
    bucket.client.delete_object(Bucket=bucket.name, Key=document.key, VersionId=document.version_id)
    # WHEN dispatch is asked to start Textract (the stub answers no Textract call)
    with Stubber(textract), pytest.raises(StorageError, match="no such object"):
        start_textract(bucket, textract, document, TOKEN, topic_arn=TOPIC, role_arn=ROLE)
    # THEN no job record waits for a job that never started
    assert stored_keys("textract-jobs/") == []
