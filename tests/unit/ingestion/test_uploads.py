"""An upload's checks, its run's name and input, and starting the execution."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.ingestion.bucket import DocumentsBucket
from loyalty_maximizer.ingestion.run import RunDocument, execution_input, run_id
from loyalty_maximizer.ingestion.uploads import (
    NotAnUpload,
    Upload,
    admit_upload,
    check_upload,
    execution_arn,
    start_ingestion,
)
from loyalty_maximizer.spark.storage import StorageError

HASH = "0f3a9c1d2e4b5a69" + "7" * 48


def _upload(key: str, size: int = 100, bucket: str = "docs") -> Upload:
    return Upload(bucket=bucket, key=key, size=size)


@pytest.mark.parametrize(
    ("key", "kind"),
    [("raw/a.html", "html"), ("raw/dir/b.HTM", "html"), ("raw/c.pdf", "pdf"), ("raw/d.md", "text")],
)
def test_check_upload__supported_type__its_document_type(key: str, kind: str) -> None:
    assert check_upload(_upload(key), max_bytes=1000) == kind


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (_upload("raw/partners.docx"), "unsupported file type ('.docx')"),
        (_upload("raw/README"), "unsupported file type (no extension)"),
        (_upload("raw/empty.html", size=0), "empty file"),
        (_upload("raw/big.pdf", size=1001), "larger than the 1,000-byte cap (1,001 bytes)"),
    ],
)
def test_check_upload__bad_upload__rejected_with_the_reason(upload: Upload, reason: str) -> None:
    # WHEN an upload the pipeline cannot take is checked
    with pytest.raises(DocumentRejected) as caught:
        check_upload(upload, max_bytes=1000)
    # THEN the reason says what is wrong, and which document it was
    assert caught.value.reason.startswith(reason)
    assert caught.value.document_id == upload.document_id


def test_check_upload__at_the_cap__accepted() -> None:
    assert check_upload(_upload("raw/a.txt", size=1000), max_bytes=1000) == "text"


@pytest.mark.parametrize("key", ["archive/a.html", "quarantine/raw/a.html", "raw/folder/"])
def test_check_upload__not_an_upload_under_raw__not_an_upload(key: str) -> None:
    with pytest.raises(NotAnUpload, match="not an upload under raw/"):
        check_upload(_upload(key), max_bytes=1000)


def test_document_id__file_name_without_extension() -> None:
    assert _upload("raw/partners/aa-earning.v2.html").document_id == "aa-earning.v2"


@pytest.mark.parametrize(
    ("document_id", "name"),
    [
        ("aa-earning", "aa-earning-0f3a9c1d2e4b5a69"),
        ("miles and more (earning)", "miles-and-more-earning-0f3a9c1d2e4b5a69"),
        ("Ünïcode — page", "Unicode-page-0f3a9c1d2e4b5a69"),
        ("x" * 39 + "-yz", "x" * 39 + "-0f3a9c1d2e4b5a69"),
        ("***", "document-0f3a9c1d2e4b5a69"),
    ],
)
def test_run_id__sanitised_id_at_most_40_chars_and_16_hash_digits(
    document_id: str, name: str
) -> None:
    assert run_id(document_id, HASH) == name


def test_admit_upload__reads_the_version_the_event_names(
    bucket: DocumentsBucket, sample: Callable[[str], bytes]
) -> None:
    # GIVEN two versions of one upload, the event naming the first
    key = "raw/routes-jfk.txt"
    first = bucket.client.put_object(Bucket=bucket.name, Key=key, Body=sample("routes-jfk.txt"))
    bucket.client.put_object(Bucket=bucket.name, Key=key, Body=b"a later edit")
    upload = Upload(
        bucket=bucket.name,
        key=key,
        size=len(sample("routes-jfk.txt")),
        version_id=first["VersionId"],
    )

    # WHEN it is admitted
    document = admit_upload(upload, bucket, max_bytes=5_000_000)

    # THEN its run is named by that version's content
    assert document.content_hash == (
        "f26ce2fa2720b6c2b3c6b02637c2c20f2821b2d179a0476073a75732554fb3ee"
    )
    assert document.run_id == "routes-jfk-f26ce2fa2720b6c2"
    assert (document.document_type, document.version_id) == ("text", first["VersionId"])
    assert execution_input(document) == {
        "document": {
            "bucket": bucket.name,
            "key": key,
            "versionId": first["VersionId"],
            "documentId": "routes-jfk",
            "documentType": "text",
            "contentHash": document.content_hash,
            "size": 1985,
            "runId": "routes-jfk-f26ce2fa2720b6c2",
        }
    }


def test_admit_upload__other_bucket__not_an_upload(bucket: DocumentsBucket) -> None:
    with pytest.raises(NotAnUpload, match="not in the documents bucket"):
        admit_upload(_upload("raw/a.html", bucket="elsewhere"), bucket, max_bytes=1000)


def test_admit_upload__object_gone__storage_error(bucket: DocumentsBucket) -> None:
    with pytest.raises(StorageError, match="no such object"):
        admit_upload(_upload("raw/a.html", bucket=bucket.name), bucket, max_bytes=1000)


@pytest.fixture
def state_machine(sfn: Any) -> str:
    answer = sfn.create_state_machine(
        name="loyalty-test-ingestion",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn="arn:aws:iam::123456789012:role/loyalty-test-ingestion",
    )
    return str(answer["stateMachineArn"])


def _document(name: str = "aa-earning") -> RunDocument:
    return RunDocument(
        bucket="docs",
        key=f"raw/{name}.html",
        document_id=name,
        document_type="html",
        content_hash=HASH,
        size=10,
        run_id=run_id(name, HASH),
    )


def test_start_ingestion__new_document__starts_an_execution_named_by_its_run(
    sfn: Any, state_machine: str
) -> None:
    # WHEN a document's ingestion starts
    started = start_ingestion(sfn, state_machine, _document())

    # THEN one execution runs, named by the run id, with the document as its input
    assert not started.duplicate
    execution = sfn.describe_execution(executionArn=started.execution_arn)
    assert execution["name"] == "aa-earning-0f3a9c1d2e4b5a69"
    assert json.loads(execution["input"]) == execution_input(_document())


def test_start_ingestion__same_bytes_again__duplicate_not_error(
    sfn: Any, state_machine: str
) -> None:
    # GIVEN a run that was started
    first = start_ingestion(sfn, state_machine, _document())
    # WHEN the same bytes come again as a new version (Step Functions refuses the name)
    again = start_ingestion(sfn, state_machine, _document().model_copy(update={"version_id": "v2"}))
    # THEN it is a duplicate of that execution, and no second one exists
    assert again.duplicate
    assert again.execution_arn == first.execution_arn
    assert again.to_json()["status"] == "duplicate"
    assert len(sfn.list_executions(stateMachineArn=state_machine)["executions"]) == 1


def test_execution_arn__of_a_state_machine() -> None:
    machine = "arn:aws:states:eu-west-1:123456789012:stateMachine:loyalty-dev-ingestion"
    assert execution_arn(machine, "run-1") == (
        "arn:aws:states:eu-west-1:123456789012:execution:loyalty-dev-ingestion:run-1"
    )
    with pytest.raises(ValueError, match="not a state machine"):
        execution_arn("arn:aws:lambda:eu-west-1:123456789012:function:x", "run-1")
