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
    CREATE_USER_POOL_TARGET,
    LIST_VERSIONS_TARGET,
    START_SYNC_TARGET,
    START_TARGET,
    UPDATE_JOB_TARGET,
    UPDATE_USER_POOL_TARGET,
    VALIDATE_TARGET,
    ShimMiddleware,
    ShimRequest,
    ShimResponse,
    default_user_pool_tier,
    glue_update_job_shim,
    keep_immutable_user_pool_settings,
    list_state_machine_versions_shim,
    name_unnamed_executions,
    not_implemented,
    start_sync_execution_shim,
    textract_shim,
    validate_state_machine_definition,
)

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:loyalty-t-conversation"


SIGNED = (
    "AWS4-HMAC-SHA256 Credential=test/20260101/eu-west-1/glue/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=abc"
)


def request(target: str, body: Any = None, raw: bytes | None = None) -> ShimRequest:
    data = raw if raw is not None else json.dumps(body if body is not None else {}).encode()
    return ShimRequest("POST", "/", {"x-amz-target": target, "authorization": SIGNED}, data)


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


# --- StartExecution without a name ---------------------------------------------------------


def test_an_unnamed_execution_gets_a_uuid_name() -> None:
    body = name_unnamed_executions(request(START_TARGET, {"stateMachineArn": ARN, "input": "{}"}))

    assert body is not None
    rewritten = json.loads(body)
    assert rewritten["stateMachineArn"] == ARN
    assert rewritten["input"] == "{}"
    assert str(uuid.UUID(rewritten["name"])) == rewritten["name"]
    assert name_unnamed_executions(request(START_TARGET, {"stateMachineArn": ARN})) != body


def test_a_named_execution_and_other_targets_are_left_alone() -> None:
    named = request(START_TARGET, {"stateMachineArn": ARN, "name": "aa-earning-0f3a9c1d"})
    assert name_unnamed_executions(named) is None
    assert name_unnamed_executions(request(START_TARGET, raw=b"{broken")) is None
    assert name_unnamed_executions(request(START_SYNC_TARGET, {"stateMachineArn": ARN})) is None


# --- UpdateUserPool --------------------------------------------------------------------------

POOL_ID = "eu-west-1_abc123"


def test_an_update_keeps_the_pools_username_settings() -> None:
    asked: list[tuple[str, str, str]] = []

    def settings(account: str, region: str, pool_id: str) -> dict[str, Any]:
        asked.append((account, region, pool_id))
        return {
            "UsernameAttributes": ["email"],
            "UsernameConfiguration": {"CaseSensitive": False},
            "MfaConfiguration": "OFF",
        }

    rewrite = keep_immutable_user_pool_settings(settings)
    body = rewrite(
        request(UPDATE_USER_POOL_TARGET, {"UserPoolId": POOL_ID, "UserPoolTier": "LITE"})
    )

    assert body is not None
    assert json.loads(body) == {
        "UserPoolId": POOL_ID,
        "UserPoolTier": "LITE",
        "UsernameAttributes": ["email"],
        "UsernameConfiguration": {"CaseSensitive": False},
    }
    assert asked == [("123456789012", "eu-west-1", POOL_ID)]


def test_a_new_user_pool_gets_the_default_tier_unless_it_names_one() -> None:
    body = default_user_pool_tier(request(CREATE_USER_POOL_TARGET, {"PoolName": "users"}))
    assert body is not None
    assert json.loads(body) == {"PoolName": "users", "UserPoolTier": "ESSENTIALS"}
    named = {"PoolName": "users", "UserPoolTier": "PLUS"}
    assert default_user_pool_tier(request(CREATE_USER_POOL_TARGET, named)) is None
    assert default_user_pool_tier(request(UPDATE_USER_POOL_TARGET, {"UserPoolId": POOL_ID})) is None


def test_user_pool_rewrite_leaves_unknown_pools_and_other_targets() -> None:
    rewrite = keep_immutable_user_pool_settings(lambda account, region, pool_id: None)
    assert rewrite(request(UPDATE_USER_POOL_TARGET, {"UserPoolId": POOL_ID})) is None
    other = keep_immutable_user_pool_settings(lambda *_: {"UsernameAttributes": ["email"]})
    assert other(request("AWSCognitoIdentityProviderService.DescribeUserPool", {})) is None


def test_update_user_pool_in_moto_keeps_email_sign_in(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        cognito = boto3.client("cognito-idp", region_name="eu-west-1")
        pool_id = cognito.create_user_pool(PoolName="users", UsernameAttributes=["email"])[
            "UserPool"
        ]["Id"]
        update = {"UserPoolId": pool_id, "MfaConfiguration": "OFF"}

        body = keep_immutable_user_pool_settings()(request(UPDATE_USER_POOL_TARGET, update))
        assert body is not None
        # what moto's UpdateUserPool does with the request's parameters (boto3 itself would
        # refuse to send a UsernameAttributes it knows UpdateUserPool does not take)
        from moto.cognitoidp.models import cognitoidp_backends

        backend = cognitoidp_backends["123456789012"]["eu-west-1"]
        backend.update_user_pool(pool_id, json.loads(body))

        pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        assert pool["UsernameAttributes"] == ["email"]


def test_update_user_pool_in_moto_keeps_the_feature_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        cognito = boto3.client("cognito-idp", region_name="eu-west-1")
        pool_id = cognito.create_user_pool(PoolName="users", UserPoolTier="ESSENTIALS")["UserPool"][
            "Id"
        ]
        update = {"UserPoolId": pool_id, "MfaConfiguration": "OFF"}

        body = keep_immutable_user_pool_settings()(request(UPDATE_USER_POOL_TARGET, update))
        assert body is not None
        from moto.cognitoidp.models import cognitoidp_backends

        cognitoidp_backends["123456789012"]["eu-west-1"].update_user_pool(pool_id, json.loads(body))

        pool = cognito.describe_user_pool(UserPoolId=pool_id)["UserPool"]
        assert pool["UserPoolTier"] == "ESSENTIALS"


# --- Glue UpdateJob ---------------------------------------------------------------------------


@dataclass
class FakeJob:
    role: str = "arn:aws:iam::123456789012:role/old"
    timeout: int | None = 60
    default_arguments: dict[str, str] = field(default_factory=lambda: {"--old": "1"})
    description: str | None = "old"
    execution_class: str = "FLEX"
    last_modified_on: datetime | None = None


def test_update_job_replaces_the_definition() -> None:
    job = FakeJob()
    backends: list[tuple[str, str]] = []

    class Backend:
        def __init__(self) -> None:
            self.jobs = {"loyalty-t-extract-facts": job}

    def backend_for(account: str, region: str) -> Backend:
        backends.append((account, region))
        return Backend()

    update = {
        "Role": "arn:aws:iam::123456789012:role/new",
        "Command": {"Name": "glueetl", "ScriptLocation": "s3://artifacts/glue/v2/job.py"},
        "DefaultArguments": {"--new": "2"},
        "Timeout": 30,
    }
    response = glue_update_job_shim(backend_for)(
        request(UPDATE_JOB_TARGET, {"JobName": "loyalty-t-extract-facts", "JobUpdate": update})
    )

    assert response is not None
    assert (response.status, response.json()) == (200, {"JobName": "loyalty-t-extract-facts"})
    assert backends == [("123456789012", "eu-west-1")]
    assert job.role.endswith("role/new")
    assert job.default_arguments == {"--new": "2"}
    assert job.timeout == 30
    assert job.description is None  # left out: back to the default, as Glue overwrites
    assert job.execution_class == "STANDARD"
    assert job.last_modified_on is not None


def test_update_job_of_a_missing_job_and_other_targets() -> None:
    class Backend:
        def __init__(self) -> None:
            self.jobs: dict[str, FakeJob] = {}

    shim = glue_update_job_shim(lambda account, region: Backend())
    missing = shim(request(UPDATE_JOB_TARGET, {"JobName": "nope", "JobUpdate": {}}))
    assert missing is not None
    assert (missing.status, missing.json()["__type"]) == (400, "EntityNotFoundException")
    invalid = shim(request(UPDATE_JOB_TARGET, {"JobName": "nope"}))
    assert invalid is not None
    assert invalid.json()["__type"] == "InvalidInputException"
    assert shim(request("AWSGlue.GetJob", {"JobName": "nope"})) is None


# --- ListStateMachineVersions -------------------------------------------------------------


@dataclass
class FakeVersion:
    version: int
    arn: str
    creation_date: datetime = field(default_factory=lambda: datetime.now(UTC))


def test_list_state_machine_versions_newest_first_with_paging() -> None:
    machine = type("Machine", (), {})()
    machine.versions = {n: FakeVersion(n, f"{ARN}:{n}") for n in (1, 2, 3)}
    backend = type("Backend", (), {"describe_state_machine": lambda self, arn: machine})()
    shim = list_state_machine_versions_shim(lambda account, region: backend)

    first = shim(request(LIST_VERSIONS_TARGET, {"stateMachineArn": ARN, "maxResults": 2}))
    assert first is not None
    page = first.json()
    assert [v["stateMachineVersionArn"] for v in page["stateMachineVersions"]] == [
        f"{ARN}:3",
        f"{ARN}:2",
    ]
    rest = shim(
        request(
            LIST_VERSIONS_TARGET,
            {"stateMachineArn": ARN, "maxResults": 2, "nextToken": page["nextToken"]},
        )
    )
    assert rest is not None
    assert [v["stateMachineVersionArn"] for v in rest.json()["stateMachineVersions"]] == [
        f"{ARN}:1"
    ]
    assert "nextToken" not in rest.json()


def test_list_state_machine_versions_in_moto(moto_sfn: Any) -> None:
    definition = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}
    created = moto_sfn.create_state_machine(
        name="versioned",
        definition=json.dumps(definition),
        roleArn="arn:aws:iam::123456789012:role/sfn",
        publish=True,
    )
    response = list_state_machine_versions_shim()(
        request(LIST_VERSIONS_TARGET, {"stateMachineArn": created["stateMachineArn"]})
    )
    assert response is not None
    versions = response.json()["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in versions] == [created["stateMachineVersionArn"]]

    unknown = list_state_machine_versions_shim()(
        request(LIST_VERSIONS_TARGET, {"stateMachineArn": ARN})
    )
    assert unknown is not None
    assert unknown.json()["__type"] == "StateMachineDoesNotExist"


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
    body = b"".join(middleware(environ, lambda status, headers: statuses.append(status)))  # type: ignore[arg-type]
    return statuses[0], body


def test_middleware_answers_shimmed_targets_and_passes_the_rest_to_moto() -> None:
    moto = RecordingApp()
    middleware = ShimMiddleware(
        moto,
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

    rewriting = ShimMiddleware(
        moto,
        [],
        [lambda r: b'{"name": "given"}' if r.target == "X.Rewritten" else None],
    )
    rewritten = {
        "REQUEST_METHOD": "POST",
        "HTTP_X_AMZ_TARGET": "X.Rewritten",
        "CONTENT_LENGTH": "2",
        "wsgi.input": io.BytesIO(b"{}"),
    }
    assert call(rewriting, rewritten) == ("200 OK", b"moto")
    assert moto.bodies[-1] == b'{"name": "given"}'  # moto answers the rewritten request

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

    untouched = ShimMiddleware(app, [lambda r: ShimResponse(200, b"shim")])
    call(untouched, upload)
    assert seen == [stream]
    assert stream.tell() == 0  # no X-Amz-Target: the body is moto's alone


def test_middleware_answers_501_for_what_moto_does_not_implement() -> None:
    def moto(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        raise NotImplementedError("The update_job action has not been implemented")

    middleware = ShimMiddleware(moto, [])
    json_request = {
        "REQUEST_METHOD": "POST",
        "HTTP_X_AMZ_TARGET": "AWSGlue.UpdateJob",
        "CONTENT_TYPE": "application/x-amz-json-1.1",
        "CONTENT_LENGTH": "2",
        "wsgi.input": io.BytesIO(b"{}"),
    }
    status, body = call(middleware, json_request)
    assert status == "501 Not Implemented"
    error = json.loads(body)
    assert error["__type"] == "NotImplemented"
    assert "AWSGlue.UpdateJob" in error["message"]
    assert "update_job" in error["message"]

    xml_request = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "wsgi.input": io.BytesIO()}
    status, body = call(middleware, xml_request)
    assert status == "501 Not Implemented"
    assert b"<Code>NotImplemented</Code>" in body


def test_not_implemented_escapes_the_message() -> None:
    response = not_implemented({}, NotImplementedError("<tag> & co"))
    assert b"&lt;tag&gt; &amp; co" in response.body
