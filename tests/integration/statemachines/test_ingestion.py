"""The ingestion state machine (statemachines/ingestion.asl.json) run by moto's interpreter,
with Python doubles for the handlers and Glue scripts (conftest.py). The payloads asserted
here are the ones docs/topology.md ("Ingestion execution") specifies."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest

from loyalty_maximizer.localcloud import LambdaServiceError

pytestmark = pytest.mark.integration

POLL_CAP = 120  # the LoadOutcome choice's cap, as shipped

SUCCESS_PATH = [
    "dispatch:prepare",
    "glue:extract-facts",
    "finalize:check_extraction",
    "glue:build-graph-load",
    "neptune-load-start",
    "neptune-load-status",
    "neptune-load-status",
    "finalize:archive",
    "notifier",
]


class DocumentRejected(Exception):
    """Stands for the handler's own error of that name (its class name is the error)."""


def wait_until(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


def quarantined_error(cloud: Any) -> dict[str, Any]:
    """The error the failure path quarantined the document with (and notified)."""
    [quarantine] = [p for p in cloud.payloads("finalize") if p["action"] == "quarantine"]
    [notification] = cloud.payloads("notifier")
    assert notification["event"] == "quarantined"
    assert notification["error"] == quarantine["error"]
    return dict(quarantine["error"])


def test_start_execution__html_document_is_ingested(
    ingestion: Any, cloud: Any, execute: Any, document_input: Any
) -> None:
    execution_input = document_input("aa-earning", "html")
    document = execution_input["document"]
    bucket, run_id = ingestion.bucket, document["runId"]

    result = execute(ingestion, execution_input)

    assert result["status"] == "SUCCEEDED"
    assert cloud.targets() == SUCCESS_PATH
    extraction = {"status": "ingested", "factsKey": "extracted-facts/aa-earning.jsonl", "facts": 12}
    completed = {
        "loadId": "load-0001",
        "polls": 2,
        "done": True,
        "failed": False,
        "status": "LOAD_COMPLETED",
    }
    report = {"runId": run_id, "reportKey": f"reports/{run_id}.json", "facts": 12}
    assert [call.payload for call in cloud.calls] == [
        {"action": "prepare", "document": document},
        {
            "--source": f"s3://{bucket}/processed-text/aa-earning.json",
            "--output": f"s3://{bucket}/",
        },
        {"action": "check_extraction", "document": document},
        {"--run-id": run_id},
        {"runId": run_id, "source": f"s3://{bucket}/neptune-load/{run_id}/"},
        {"loadId": "load-0001", "polls": 1},
        {"loadId": "load-0001", "polls": 2},
        {"action": "archive", "document": document, "extraction": extraction, "load": completed},
        {"audience": "curator", "event": "ingested", "report": report},
    ]
    # Only pointers stay in state: each function's payload, no invoke metadata or job runs.
    assert json.loads(result["output"]) == {
        "document": document,
        "dispatch": {
            "Payload": {"route": "prepared", "preparedKey": "processed-text/aa-earning.json"}
        },
        "extraction": {"Payload": extraction},
        "load": {"Payload": completed},
        "report": {"Payload": report},
    }


def test_start_execution__pdf_waits_for_the_textract_callback(
    ingestion: Any, cloud: Any, sfn: Any, execute: Any, document_input: Any
) -> None:
    execution_input = document_input("ba-partners", "pdf")
    callback = {
        "route": "prepared",
        "preparedKey": "processed-text/ba-partners.json",
        "textractKey": "textract-output/ba-partners.json",
    }
    prepare = cloud.handlers["dispatch"]

    def dispatch(event: dict[str, Any]) -> Any:
        if event["action"] != "start_textract":
            return prepare(event)
        # A Textract job that finishes before the Lambda that started it returns: the
        # callback Lambda resumes the task at once.
        sfn.send_task_success(taskToken=event["taskToken"], output=json.dumps(callback))
        return {"jobId": "textract-job-1"}

    cloud.on("dispatch", dispatch)

    result = execute(ingestion, execution_input)

    assert result["status"] == "SUCCEEDED"
    assert cloud.targets() == ["dispatch:prepare", "dispatch:start_textract", *SUCCESS_PATH[1:]]
    [_, start_textract] = cloud.payloads("dispatch")
    assert start_textract == {
        "action": "start_textract",
        "document": execution_input["document"],
        "taskToken": start_textract["taskToken"],
    }
    assert isinstance(start_textract["taskToken"], str)
    assert start_textract["taskToken"]
    [extract_run] = cloud.payloads("glue:extract-facts")
    assert extract_run["--source"] == f"s3://{ingestion.bucket}/processed-text/ba-partners.json"
    assert json.loads(result["output"])["dispatch"] == {"Payload": callback}


def test_start_execution__textract_failure_quarantines_the_document(
    ingestion: Any, cloud: Any, sfn: Any, execute: Any, document_input: Any
) -> None:
    tokens: list[str] = []
    prepare = cloud.handlers["dispatch"]

    def dispatch(event: dict[str, Any]) -> Any:
        if event["action"] == "start_textract":
            tokens.append(event["taskToken"])
            return {"jobId": "textract-job-1"}
        return prepare(event)

    cloud.on("dispatch", dispatch)
    started = sfn.start_execution(
        stateMachineArn=ingestion.state_machine_arn,
        name="textract-fails",
        input=json.dumps(document_input("scan", "pdf")),
    )
    wait_until(lambda: bool(tokens), "the start_textract invocation")

    # What the callback Lambda does when Textract reports FAILED.
    sfn.send_task_failure(taskToken=tokens[0], error="TextractFailed", cause="no text found")
    wait_until(
        lambda: sfn.describe_execution(executionArn=started["executionArn"])["status"] != "RUNNING",
        "the execution to stop",
    )
    result = sfn.describe_execution(executionArn=started["executionArn"])

    assert result["status"] == "FAILED"
    assert result["error"] == "DocumentQuarantined"
    assert quarantined_error(cloud) == {"Error": "TextractFailed", "Cause": "no text found"}
    assert cloud.targets() == [
        "dispatch:prepare",
        "dispatch:start_textract",
        "finalize:quarantine",
        "notifier",
    ]


def test_start_execution__rejected_document_is_quarantined_without_retry(
    ingestion: Any, cloud: Any, execute: Any, document_input: Any
) -> None:
    def dispatch(event: dict[str, Any]) -> Any:
        raise DocumentRejected("raw/aa-earning.html is not UTF-8 or Windows-1252")

    cloud.on("dispatch", dispatch)
    execution_input = document_input()

    result = execute(ingestion, execution_input)

    assert result["status"] == "FAILED"
    assert result["error"] == "DocumentQuarantined"
    assert cloud.targets() == ["dispatch:prepare", "finalize:quarantine", "notifier"]
    error = quarantined_error(cloud)
    assert error["Error"] == "DocumentRejected"
    cause = json.loads(error["Cause"])
    assert cause["errorType"] == "DocumentRejected"
    assert cause["errorMessage"] == "raw/aa-earning.html is not UTF-8 or Windows-1252"
    [quarantine] = [p for p in cloud.payloads("finalize") if p["action"] == "quarantine"]
    assert quarantine["document"] == execution_input["document"]
    [notification] = cloud.payloads("notifier")
    assert notification["audience"] == "curator"
    assert notification["document"] == execution_input["document"]
    assert notification["report"] == {
        "runId": "aa-earning-0f3a9c1d2e4b5a69",
        "quarantineKey": "quarantine/aa-earning.json",
    }
    assert json.loads(result["cause"]) == error


def test_start_execution__throttled_lambda_is_retried(
    ingestion: Any, cloud: Any, execute: Any, document_input: Any
) -> None:
    prepare = cloud.handlers["dispatch"]
    attempts: list[float] = []

    def dispatch(event: dict[str, Any]) -> Any:
        attempts.append(time.monotonic())
        if len(attempts) == 1:
            raise LambdaServiceError("TooManyRequestsException", "Rate exceeded", 429)
        return prepare(event)

    cloud.on("dispatch", dispatch)

    result = execute(ingestion, document_input())

    assert result["status"] == "SUCCEEDED"
    assert cloud.targets() == ["dispatch:prepare", *SUCCESS_PATH]
    # Full jitter: somewhere between no wait and the 2 s interval.
    assert attempts[1] - attempts[0] < 2.5


def test_start_execution__failed_extract_job_is_quarantined(
    ingestion: Any, cloud: Any, execute: Any, document_input: Any
) -> None:
    def extract(arguments: dict[str, str]) -> None:
        raise RuntimeError("Path does not exist: s3://.../processed-text/aa-earning.json")

    cloud.on_glue("extract-facts", extract)

    result = execute(ingestion, document_input())

    assert result["status"] == "FAILED"
    assert result["error"] == "DocumentQuarantined"
    assert cloud.targets() == [
        "dispatch:prepare",
        "glue:extract-facts",
        "finalize:quarantine",
        "notifier",
    ]
    error = quarantined_error(cloud)
    assert error["Error"] == "States.TaskFailed"
    job_run = json.loads(error["Cause"])
    assert job_run["JobRunState"] == "FAILED"
    assert job_run["ErrorMessage"] == (
        "RuntimeError: Path does not exist: s3://.../processed-text/aa-earning.json"
    )


def test_start_execution__quarantined_extraction_takes_the_failure_path(
    ingestion: Any, cloud: Any, execute: Any, document_input: Any
) -> None:
    finalize = cloud.handlers["finalize"]
    answer = {"status": "quarantined", "reason": "no facts found", "facts": 0}

    def check(event: dict[str, Any]) -> Any:
        return answer if event["action"] == "check_extraction" else finalize(event)

    cloud.on("finalize", check)

    result = execute(ingestion, document_input())

    assert result["status"] == "FAILED"
    assert cloud.targets() == [
        "dispatch:prepare",
        "glue:extract-facts",
        "finalize:check_extraction",
        "finalize:quarantine",
        "notifier",
    ]
    error = quarantined_error(cloud)
    assert error["Error"] == "ExtractionQuarantined"
    assert json.loads(error["Cause"]) == answer


def test_start_execution__failed_neptune_load_is_quarantined(
    ingestion: Any, cloud: Any, execute: Any, document_input: Any
) -> None:
    failed = {
        "loadId": "load-0001",
        "polls": 1,
        "done": True,
        "failed": True,
        "status": "LOAD_FAILED",
        "errors": ["FROM_OR_TO_VERTEX_ARE_MISSING"],
    }
    cloud.on("neptune-load-status", lambda event: failed)

    result = execute(ingestion, document_input())

    assert result["status"] == "FAILED"
    assert cloud.targets() == [
        *SUCCESS_PATH[:5],
        "neptune-load-status",
        "finalize:quarantine",
        "notifier",
    ]
    error = quarantined_error(cloud)
    assert error["Error"] == "NeptuneLoadFailed"
    assert json.loads(error["Cause"]) == failed


def test_start_execution__neptune_load_poll_cap_ends_in_the_failure_path(
    ingestion: Any, cloud: Any, execute: Any, document_input: Any
) -> None:
    def still_loading(event: dict[str, Any]) -> dict[str, Any]:
        return {
            "loadId": event["loadId"],
            "polls": event["polls"],
            "done": False,
            "failed": False,
            "status": "LOAD_IN_PROGRESS",
        }

    cloud.on("neptune-load-status", still_loading)

    result = execute(ingestion, document_input(), timeout=45)

    assert result["status"] == "FAILED"
    polls = cloud.payloads("neptune-load-status")
    assert [poll["polls"] for poll in polls] == list(range(1, POLL_CAP + 1))
    assert cloud.targets()[-2:] == ["finalize:quarantine", "notifier"]
    error = quarantined_error(cloud)
    assert error == {
        "Error": "NeptuneLoadTimedOut",
        "Cause": f"Neptune load load-0001 still LOAD_IN_PROGRESS after {POLL_CAP} polls",
    }


def test_start_execution__failure_inside_the_failure_path_still_fails(
    ingestion: Any, cloud: Any, execute: Any, document_input: Any
) -> None:
    def dispatch(event: dict[str, Any]) -> Any:
        raise DocumentRejected("empty document")

    def finalize(event: dict[str, Any]) -> Any:
        raise PermissionError("AccessDenied on CopyObject")

    cloud.on("dispatch", dispatch)
    cloud.on("finalize", finalize)

    result = execute(ingestion, document_input())

    assert result["status"] == "FAILED"
    assert result["error"] == "DocumentQuarantined"
    assert json.loads(result["cause"])["Error"] == "DocumentRejected"
    assert cloud.targets() == ["dispatch:prepare", "finalize:quarantine"]


def test_start_execution__failed_quarantine_notification_still_fails(
    ingestion: Any, cloud: Any, execute: Any, document_input: Any
) -> None:
    def dispatch(event: dict[str, Any]) -> Any:
        raise DocumentRejected("empty document")

    def notifier(event: dict[str, Any]) -> Any:
        raise RuntimeError("SNS topic gone")

    cloud.on("dispatch", dispatch)
    cloud.on("notifier", notifier)

    result = execute(ingestion, document_input())

    assert result["status"] == "FAILED"
    assert result["error"] == "DocumentQuarantined"
    assert cloud.targets() == ["dispatch:prepare", "finalize:quarantine", "notifier"]
