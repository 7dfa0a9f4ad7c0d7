"""How a run ends in the bucket: the extract job's decision read back, the upload archived
or quarantined, and the reports written."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.ingestion.bucket import DocumentsBucket
from loyalty_maximizer.ingestion.outcomes import (
    ExtractionMissing,
    archive,
    check_extraction,
    failure_of,
    quarantine_run,
    quarantine_upload,
)
from loyalty_maximizer.ingestion.run import RunDocument
from loyalty_maximizer.ingestion.uploads import Upload

UploadFile = Callable[..., RunDocument]
Keys = Callable[[str], list[str]]
NOW = dt.datetime(2026, 11, 22, 7, 45, tzinfo=dt.UTC)
FACTS = [
    {"type": "webSourceDocument", "documentId": "routes-jfk", "documentType": "text"},
    {"type": "route", "airlineId": "AA", "origin": "JFK", "destination": "LHR"},
    {"type": "route", "airlineId": "BA", "origin": "JFK", "destination": "LHR"},
    {"type": "passage", "documentId": "routes-jfk", "passageId": "routes-jfk#1", "text": "..."},
]


def _jsonl(records: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r) + "\n" for r in records).encode()


@pytest.fixture
def s3_clock(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.datetime], None]:
    """``s3_clock(when)``: the time moto stamps on the objects written next."""
    now = [dt.datetime(2026, 11, 22, 7, 30)]
    monkeypatch.setattr("moto.s3.models.utcnow", lambda: now[0])

    def set_to(when: dt.datetime) -> None:
        now[0] = when

    return set_to


@pytest.fixture
def document(upload: UploadFile, sample: Callable[[str], bytes]) -> RunDocument:
    return upload("routes-jfk.txt", sample("routes-jfk.txt"))


def _extracted(bucket: DocumentsBucket, document: RunDocument) -> None:
    bucket.put_json("processed-text/routes-jfk.json", {"documentId": "routes-jfk"})
    bucket.client.put_object(
        Bucket=bucket.name, Key="extracted-facts/routes-jfk.jsonl", Body=_jsonl(FACTS)
    )


def test_check_extraction__facts_written__ingested_with_facts_by_type(
    bucket: DocumentsBucket, document: RunDocument
) -> None:
    _extracted(bucket, document)
    assert check_extraction(bucket, document) == {
        "status": "ingested",
        "factsKey": "extracted-facts/routes-jfk.jsonl",
        "facts": 4,
        "factsByType": {"passage": 1, "route": 2, "webSourceDocument": 1},
    }


def test_check_extraction__quarantine_record__quarantined_with_its_reason(
    bucket: DocumentsBucket, document: RunDocument
) -> None:
    bucket.put_json("processed-text/routes-jfk.json", {"documentId": "routes-jfk"})
    reason = "no loyalty facts found in the document (nothing to extract)"
    bucket.put_json("quarantine/routes-jfk.json", {"documentId": "routes-jfk", "reason": reason})
    assert check_extraction(bucket, document) == {
        "status": "quarantined",
        "reason": reason,
        "facts": 0,
    }


def test_check_extraction__facts_of_an_earlier_version__this_runs_quarantine_counts(
    bucket: DocumentsBucket, document: RunDocument, s3_clock: Callable[[dt.datetime], None]
) -> None:
    # GIVEN facts an earlier version left, then this run's prepared document and the job's
    # quarantine record
    s3_clock(dt.datetime(2026, 11, 1, 9, 0))
    bucket.client.put_object(
        Bucket=bucket.name, Key="extracted-facts/routes-jfk.jsonl", Body=_jsonl(FACTS)
    )
    s3_clock(dt.datetime(2026, 11, 22, 7, 31))
    bucket.put_json("processed-text/routes-jfk.json", {"documentId": "routes-jfk"})
    s3_clock(dt.datetime(2026, 11, 22, 7, 34))
    bucket.put_json("quarantine/routes-jfk.json", {"reason": "empty file"})
    # WHEN the run's extraction is checked THEN the old facts do not make it ingested
    assert check_extraction(bucket, document)["status"] == "quarantined"


def test_check_extraction__nothing_from_this_run__extraction_missing(
    bucket: DocumentsBucket, document: RunDocument, s3_clock: Callable[[dt.datetime], None]
) -> None:
    s3_clock(dt.datetime(2026, 11, 1, 9, 0))
    bucket.put_json("quarantine/routes-jfk.json", {"reason": "an old verdict"})
    s3_clock(dt.datetime(2026, 11, 22, 7, 31))
    bucket.put_json("processed-text/routes-jfk.json", {"documentId": "routes-jfk"})
    with pytest.raises(ExtractionMissing, match=r"wrote neither .*extracted-facts/routes-jfk"):
        check_extraction(bucket, document)


def test_archive__moves_the_upload_and_writes_the_run_report(
    bucket: DocumentsBucket, document: RunDocument, stored_keys: Keys, sample: Any
) -> None:
    # GIVEN an extracted document and the graph job's report for its run
    _extracted(bucket, document)
    bucket.put_json(f"graph-reports/{document.run_id}.json", {"nodes": 120, "edges": 340})
    stages = {"dispatch": {"route": "prepared"}, "load": {"status": "LOAD_COMPLETED"}}

    # WHEN the run is archived
    summary = archive(bucket, document, stages=stages, now=lambda: NOW)

    # THEN the upload is in archive/ (the same bytes) and gone from raw/
    assert stored_keys("raw/") == []
    assert stored_keys("archive/") == ["archive/routes-jfk.txt"]
    assert bucket.get("archive/routes-jfk.txt").data == sample("routes-jfk.txt")
    # AND the report tells the run's story
    report = bucket.get_json(f"reports/{document.run_id}.json")
    assert report == {
        **summary.to_json(),
        "document": document.to_json(),
        "stages": stages,
        "finishedAt": "2026-11-22T07:45:00+00:00",
    }
    assert summary.to_json() == {
        "runId": "routes-jfk-f26ce2fa2720b6c2",
        "documentId": "routes-jfk",
        "source": f"s3://{bucket.name}/raw/routes-jfk.txt",
        "status": "ingested",
        "facts": 4,
        "factsByType": {"passage": 1, "route": 2, "webSourceDocument": 1},
        "nodes": 120,
        "edges": 340,
        "movedTo": f"s3://{bucket.name}/archive/routes-jfk.txt",
        "report": f"s3://{bucket.name}/reports/routes-jfk-f26ce2fa2720b6c2.json",
    }


def test_archive__retried_after_the_move__same_outcome(
    bucket: DocumentsBucket, document: RunDocument, stored_keys: Keys
) -> None:
    _extracted(bucket, document)
    first = archive(bucket, document, now=lambda: NOW)
    again = archive(bucket, document, now=lambda: NOW)
    assert again == first
    assert stored_keys("archive/") == ["archive/routes-jfk.txt"]


def test_quarantine_run__lambda_error__moves_the_upload_and_records_why(
    bucket: DocumentsBucket, document: RunDocument, stored_keys: Keys, sample: Any
) -> None:
    # GIVEN the failure path's $.error from dispatch, a Lambda's JSON cause
    error = {
        "Error": "DocumentRejected",
        "Cause": json.dumps(
            {
                "errorMessage": "document 'routes-jfk' rejected: not UTF-8 text (byte 0xE9)",
                "errorType": "DocumentRejected",
                "requestId": "0b4c1e9a-1111-4c36-9b1f-3c2d5e6f7a8b",
                "stackTrace": ['  File "/var/task/handler.py", line 52'],
            }
        ),
    }

    # WHEN the run is quarantined
    summary = quarantine_run(bucket, document, error=error, stages={}, now=lambda: NOW)

    # THEN the upload moved to quarantine/raw/ and the record says where it stopped and why
    assert stored_keys("raw/") == []
    assert bucket.get("quarantine/raw/routes-jfk.txt").data == sample("routes-jfk.txt")
    reason = "document 'routes-jfk' rejected: not UTF-8 text (byte 0xE9)"
    assert bucket.get_json("quarantine/routes-jfk.json") == {
        "documentId": "routes-jfk",
        "source": f"s3://{bucket.name}/raw/routes-jfk.txt",
        "stage": "prepare",
        "reason": reason,
        "error": "DocumentRejected",
        "runId": document.run_id,
        "movedTo": f"s3://{bucket.name}/quarantine/raw/routes-jfk.txt",
        "quarantinedAt": "2026-11-22T07:45:00+00:00",
    }
    # AND the run report has the same summary
    assert summary.reason == reason
    assert bucket.get_json(f"reports/{document.run_id}.json")["status"] == "quarantined"


def test_quarantine_run__extract_job_set_it_aside__its_reason_without_an_error(
    bucket: DocumentsBucket, document: RunDocument
) -> None:
    # GIVEN the extract job quarantined the document (no $.error on this path, and the
    # machine passed no extraction result)
    bucket.put_json("processed-text/routes-jfk.json", {"documentId": "routes-jfk"})
    reason = "no loyalty facts found in the document (nothing to extract)"
    bucket.put_json("quarantine/routes-jfk.json", {"documentId": "routes-jfk", "reason": reason})
    # WHEN the run is quarantined THEN the record keeps the job's reason and stage
    summary = quarantine_run(bucket, document, now=lambda: NOW)
    assert (summary.stage, summary.reason, summary.error) == ("extraction", reason, None)
    assert bucket.get_json("quarantine/routes-jfk.json")["reason"] == reason


GLUE_CAUSE = json.dumps(
    {"JobName": "loyalty-dev-extract-facts", "JobRunState": "FAILED", "ErrorMessage": "OOM"}
)


@pytest.mark.parametrize(
    ("error", "stages", "stage", "reason"),
    [
        (
            {"Error": "States.TaskFailed", "Cause": GLUE_CAUSE},
            {"dispatch": {}},
            "extraction",
            "OOM",
        ),
        (
            {"Error": "Glue.AWSGlueException", "Cause": "Concurrent runs exceeded"},
            {"dispatch": {}, "extraction": {}},
            "graph-build",
            "Concurrent runs exceeded",
        ),
        (
            {"Error": "NeptuneLoadError", "Cause": '{"errorMessage": "load ended LOAD_FAILED"}'},
            {"dispatch": {}, "extraction": {}, "load": {}},
            "neptune-load",
            "load ended LOAD_FAILED",
        ),
        (
            {"Error": "DocumentRejected", "Cause": "no text found"},
            {"dispatch": {"route": "textract"}},
            "textract",
            "no text found",
        ),
        (
            {
                "Error": "ExtractionQuarantined",
                "Cause": '{"status":"quarantined","reason":"no loyalty facts found","facts":0}',
            },
            {"dispatch": {"route": "prepared"}},
            "extraction",
            "no loyalty facts found",
        ),
        ({"Error": "States.Timeout"}, {}, "dispatch", "States.Timeout (no details)"),
    ],
)
def test_failure_of__stage_and_reason_from_the_error_and_results_so_far(
    error: dict[str, str], stages: dict[str, Any], stage: str, reason: str
) -> None:
    found_stage, found_reason = failure_of(error, stages)
    assert found_stage == stage
    assert found_reason.startswith(reason)


def test_quarantine_upload__rejected_on_arrival__set_aside_without_a_run(
    bucket: DocumentsBucket, stored_keys: Keys
) -> None:
    put = bucket.client.put_object(Bucket=bucket.name, Key="raw/notes.docx", Body=b"PK\x03\x04")
    upload = Upload(bucket=bucket.name, key="raw/notes.docx", size=4, version_id=put["VersionId"])
    rejected = DocumentRejected("unsupported file type ('.docx')", "notes")

    summary = quarantine_upload(bucket, upload, rejected, now=lambda: NOW)

    assert stored_keys("") == ["quarantine/notes.json", "quarantine/raw/notes.docx"]
    assert (summary.stage, summary.error, summary.run_id) == ("upload", "DocumentRejected", None)
    assert bucket.get_json("quarantine/notes.json")["reason"] == rejected.reason
