"""The local cloud's shims in front of moto: each answers its JSON-protocol operation and
leaves every other request to moto."""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest
from moto import mock_aws

from loyalty_maximizer.localcloud.shims import (
    START_SYNC_TARGET,
    VALIDATE_TARGET,
    ShimMiddleware,
    ShimRequest,
    ShimResponse,
    start_sync_execution_shim,
    textract_shim,
    validate_state_machine_definition,
)

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:loyalty-t-conversation"


def request(target: str, body: Any = None, raw: bytes | None = None) -> ShimRequest:
    data = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
    return ShimRequest("POST", "/", {"x-amz-target": target}, data)


# --- Textract ------------------------------------------------------------------------------


class FakeTextract:
    def __init__(self) -> None:
        self.calls: list[tuple[str, Mapping[str, Any]]] = []

    def handle(self, target: str, body: Mapping[str, Any]) -> tuple[int, dict[str, Any]]:
        self.calls.append((target, body))
        return 200, {"JobId": "job-1"}


def test_textract_targets_go_to_the_emulation() -> None:
    textract = FakeTextract()
    shim = textract_shim(lambda: textract)  # type: ignore[arg-type, return-value]

    response = shim(request("Textract.StartDocumentAnalysis", {"JobTag": "run-1"}))

    assert response is not None
    assert (response.status, response.json()) == (200, {"JobId": "job-1"})
    assert response.content_type == "application/x-amz-json-1.1"
    assert textract.calls == [("Textract.StartDocumentAnalysis", {"JobTag": "run-1"})]


def test_textract_shim_leaves_other_services_and_refuses_bad_bodies() -> None:
    textract = FakeTextract()
    shim = textract_shim(lambda: textract)  # type: ignore[arg-type, return-value]

    assert shim(request("DynamoDB_20120810.GetItem", {})) is None
    bad = shim(request("Textract.GetDocumentAnalysis", raw=b"{not json"))
    assert bad is not None
    assert (bad.status, bad.json()["__type"]) == (400, "SerializationException")
    not_started = textract_shim(lambda: None)(request("Textract.GetDocumentAnalysis", {}))
    assert not_started is not None
    assert not_started.status == 503
    assert textract.calls == []


# --- ValidateStateMachineDefinition --------------------------------------------------------


def test_a_json_definition_is_ok() -> None:
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}

    response = validate_state_machine_definition(
        request(VALIDATE_TARGET, {"definition": json.dumps(definition), "type": "STANDARD"})
    )

    assert response is not None
    assert response.status == 200
    assert response.json() == {"result": "OK", "diagnostics": [], "truncated": False}


@pytest.mark.parametrize(
    ("definition", "code"),
    [
        ('{"StartAt": "Done", "States": ', "INVALID_JSON_DESCRIPTION"),
        ("[1, 2]", "SCHEMA_VALIDATION_FAILED"),
        ('{"StartAt": "Done"}', "SCHEMA_VALIDATION_FAILED"),
    ],
)
def test_a_broken_definition_fails_with_a_diagnostic(definition: str, code: str) -> None:
    response = validate_state_machine_definition(
        request(VALIDATE_TARGET, {"definition": definition})
    )

    assert response is not None
    answer = response.json()
    assert answer["result"] == "FAIL"
    assert [d["code"] for d in answer["diagnostics"]] == [code]


def test_validate_needs_a_definition_and_ignores_other_targets() -> None:
    missing = validate_state_machine_definition(request(VALIDATE_TARGET, {}))
    assert missing is not None
    assert (missing.status, missing.json()["__type"]) == (400, "ValidationException")
    other = request("AWSStepFunctions.CreateStateMachine", {"definition": "{}"})
    assert validate_state_machine_definition(other) is None


# --- StartSyncExecution (fake backend) -----------------------------------------------------


@dataclass
class FakeExecution:
    name: str
    execution_input: str
    outcomes: list[str]
    execution_arn: str = ""
    start_date: datetime = field(default_factory=lambda: datetime.now(UTC))
    stop_date: datetime | None = None
    output: str | None = None
    error: str | None = None
    cause: str | None = None
    stopped: bool = False

    @property
    def status(self) -> str:
        return self.outcomes.pop(0) if len(self.outcomes) > 1 else self.outcomes[0]

    def stop(self, stop_date: datetime, error: str | None, cause: str | None) -> None:
        self.stopped = True


@dataclass
class FakeMachine:
    type: str
    definition: str = '{"StartAt": "A", "States": {}, "TimeoutSeconds": 2}'


class MachineMissing(Exception):
    error_type = "StateMachineDoesNotExist"
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class FakeBackend:
    machine: FakeMachine | None
    execution: FakeExecution
    started: list[tuple[str, str, str]] = field(default_factory=list)

    def describe_state_machine(self, arn: str) -> FakeMachine:
        if self.machine is None:
            raise MachineMissing(f"State Machine Does Not Exist: '{arn}'")
        return self.machine

    def start_execution(self, arn: str, name: str, execution_input: str) -> FakeExecution:
        self.started.append((arn, name, execution_input))
        self.execution.name = name
        self.execution.execution_arn = f"{arn}:{name}".replace(":stateMachine:", ":execution:")
        return self.execution


def sync(backend: FakeBackend, body: dict[str, Any], **options: Any) -> dict[str, Any]:
    where: list[tuple[str, str]] = []

    def backend_for(account: str, region: str) -> FakeBackend:
        where.append((account, region))
        return backend

    shim = start_sync_execution_shim(backend_for, poll_interval=0, **options)
    response = shim(request(START_SYNC_TARGET, body))
    assert response is not None
    assert where in ([("123456789012", "us-east-1")], [])
    return {"status_code": response.status, **response.json()}


def test_start_sync_waits_for_the_execution_and_returns_its_output() -> None:
    execution = FakeExecution("", '{"userId": "u1"}', ["RUNNING", "RUNNING", "SUCCEEDED"])
    execution.output = '{"answer": "fly"}'
    backend = FakeBackend(FakeMachine("EXPRESS"), execution)

    answer = sync(backend, {"stateMachineArn": ARN, "name": "req-1", "input": '{"userId": "u1"}'})

    assert backend.started == [(ARN, "req-1", '{"userId": "u1"}')]
    assert answer["status_code"] == 200
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"answer": "fly"}
    assert answer["name"] == "req-1"
    assert answer["stateMachineArn"] == ARN
    assert answer["input"] == '{"userId": "u1"}'
    assert isinstance(answer["startDate"], float)
    assert isinstance(answer["stopDate"], float)


def test_start_sync_reports_a_failure_with_error_and_cause() -> None:
    execution = FakeExecution("", "{}", ["FAILED"], error="ToolFailed", cause="boom")
    answer = sync(FakeBackend(FakeMachine("EXPRESS"), execution), {"stateMachineArn": ARN})

    assert (answer["status"], answer["error"], answer["cause"]) == ("FAILED", "ToolFailed", "boom")
    assert "output" not in answer
    assert len(answer["name"]) == 32  # a generated name when none is given


def test_start_sync_times_out_after_the_machine_timeout() -> None:
    now = [0.0]

    def clock() -> float:
        now[0] += 1.0
        return now[0]

    execution = FakeExecution("", "{}", ["RUNNING"])
    answer = sync(
        FakeBackend(FakeMachine("EXPRESS"), execution),
        {"stateMachineArn": ARN},
        clock=clock,
        grace_seconds=1.0,
        sleep=lambda seconds: None,
    )

    assert (answer["status"], answer["error"]) == ("TIMED_OUT", "States.Timeout")
    assert execution.stopped


def test_start_sync_refuses_standard_machines_unknown_machines_and_bad_arns() -> None:
    execution = FakeExecution("", "{}", ["SUCCEEDED"])
    standard = sync(FakeBackend(FakeMachine("STANDARD"), execution), {"stateMachineArn": ARN})
    assert (standard["status_code"], standard["__type"]) == (400, "StateMachineTypeNotSupported")

    missing = sync(FakeBackend(None, execution), {"stateMachineArn": ARN})
    assert (missing["status_code"], missing["__type"]) == (400, "StateMachineDoesNotExist")

    bad_arn = sync(FakeBackend(None, execution), {"stateMachineArn": "not-an-arn"})
    assert (bad_arn["status_code"], bad_arn["__type"]) == (400, "InvalidArn")

    shim = start_sync_execution_shim(lambda account, region: None)
    assert shim(request("AWSStepFunctions.StartExecution", {"stateMachineArn": ARN})) is None


# --- StartSyncExecution (moto's interpreter) -----------------------------------------------


@pytest.fixture
def moto_sfn(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        yield boto3.client("stepfunctions", region_name="us-east-1")


@pytest.mark.integration  # moto's ASL parser takes seconds to warm up
def test_start_sync_runs_an_express_machine_in_motos_interpreter(moto_sfn: Any) -> None:
    definition = {
        "StartAt": "Answer",
        "TimeoutSeconds": 25,
        "States": {
            "Answer": {
                "Type": "Pass",
                "Parameters": {"answer.$": "States.Format('hello {}', $.name)"},
                "End": True,
            }
        },
    }
    arn = moto_sfn.create_state_machine(
        name=f"express-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/sfn",
        type="EXPRESS",
    )["stateMachineArn"]

    started = time.monotonic()
    response = start_sync_execution_shim()(
        request(START_SYNC_TARGET, {"stateMachineArn": arn, "input": '{"name": "Ada"}'})
    )

    assert response is not None
    answer = response.json()
    assert answer["status"] == "SUCCEEDED", answer
    assert json.loads(answer["output"]) == {"answer": "hello Ada"}
    assert time.monotonic() - started < 10


# --- the middleware ------------------------------------------------------------------------


class RecordingApp:
    """Stands in for moto: records what reached it, body included."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.bodies.append(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"moto"]


def call(middleware: ShimMiddleware, environ: dict[str, Any]) -> tuple[str, bytes]:
    statuses: list[str] = []
    body = b"".join(middleware(environ, lambda status, headers: statuses.append(status)))  # type: ignore[arg-type, func-returns-value]
    return statuses[0], body


def test_middleware_answers_shimmed_targets_and_passes_the_rest_to_moto() -> None:
    moto = RecordingApp()
    middleware = ShimMiddleware(
        moto,  # type: ignore[arg-type]
        [lambda r: ShimResponse(200, b"shim") if r.target == "X.Shimmed" else None],
    )
    shimmed = {
        "REQUEST_METHOD": "POST",
        "HTTP_X_AMZ_TARGET": "X.Shimmed",
        "CONTENT_LENGTH": "2",
        "wsgi.input": io.BytesIO(b"{}"),
    }
    assert call(middleware, shimmed) == ("200 OK", b"shim")
    assert moto.bodies == []

    passed = {
        "REQUEST_METHOD": "POST",
        "HTTP_X_AMZ_TARGET": "X.Other",
        "CONTENT_LENGTH": "9",
        "wsgi.input": io.BytesIO(b'{"a": 1}\n'),
    }
    assert call(middleware, passed) == ("200 OK", b"moto")
    assert moto.bodies == [b'{"a": 1}\n']  # moto still reads the whole body

    stream = io.BytesIO(b"bytes")
    upload = {
        "REQUEST_METHOD": "PUT",
        "PATH_INFO": "/bucket/key",
        "CONTENT_LENGTH": "5",
        "wsgi.input": stream,
    }
    seen: list[Any] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ["wsgi.input"])
        start_response("200 OK", [])
        return [b""]

    untouched = ShimMiddleware(app, [lambda r: ShimResponse(200, b"shim")])  # type: ignore[arg-type]
    call(untouched, upload)
    assert seen == [stream]
    assert stream.tell() == 0  # no X-Amz-Target: the body is moto's alone
