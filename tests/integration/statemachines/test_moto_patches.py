"""loyalty_maximizer.localcloud.moto_patches against moto's own APIs: what an invocation
and a Glue job run look like from the outside once routed to Python."""

from __future__ import annotations

import io
import json
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.awslambda.models import LambdaFunction

from loyalty_maximizer.localcloud import (
    EXPECTED_MOTO_VERSION,
    GlueJobRun,
    LambdaFunctionError,
    LambdaInvocation,
    LambdaServiceError,
    MotoPatchError,
    route_glue_job_runs,
    route_lambda_invocations,
)

pytestmark = pytest.mark.integration

REGION = "us-east-1"


class DocumentRejected(Exception):
    pass


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)


@pytest.fixture
def mocked(aws_credentials: None) -> Iterator[None]:
    with mock_aws():
        yield


@pytest.fixture
def lambda_client(mocked: None) -> Any:
    return boto3.client("lambda", region_name=REGION)


@pytest.fixture
def glue(mocked: None) -> Any:
    return boto3.client("glue", region_name=REGION)


@pytest.fixture
def function_arn(mocked: None, lambda_client: Any) -> str:
    """The ``live`` alias ARN of a function ``echo`` (version 1) with one variable."""
    iam = boto3.client("iam", region_name=REGION)
    role = iam.create_role(RoleName="echo-role", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    package = io.BytesIO()
    with zipfile.ZipFile(package, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    return event\n")
    lambda_client.create_function(
        FunctionName="echo",
        Runtime="python3.11",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": package.getvalue()},
        Publish=True,
        Timeout=30,
        Environment={"Variables": {"DOCUMENTS_BUCKET": "docs"}},
    )
    alias = lambda_client.create_alias(FunctionName="echo", Name="live", FunctionVersion="1")
    return str(alias["AliasArn"])


def test_invoke__routed_to_the_callable_with_the_function_and_payload(
    lambda_client: Any, function_arn: str
) -> None:
    seen: list[LambdaInvocation] = []

    def invoke(invocation: LambdaInvocation) -> dict[str, Any]:
        seen.append(invocation)
        return {"echo": invocation.event()}

    with route_lambda_invocations(invoke):
        response = lambda_client.invoke(FunctionName=function_arn, Payload=b'{"a": 1}')

    assert "FunctionError" not in response
    assert json.loads(response["Payload"].read()) == {"echo": {"a": 1}}
    [invocation] = seen
    assert (invocation.function_name, invocation.version) == ("echo", "1")
    assert invocation.invocation_type == "RequestResponse"
    assert invocation.handler == "handler.lambda_handler"
    assert invocation.environment == {"DOCUMENTS_BUCKET": "docs"}
    assert invocation.timeout_seconds == 30
    assert zipfile.ZipFile(io.BytesIO(invocation.code_zip)).namelist() == ["handler.py"]


def test_invoke__exception_is_an_unhandled_function_error_named_by_its_class(
    lambda_client: Any, function_arn: str
) -> None:
    def invoke(invocation: LambdaInvocation) -> Any:
        raise DocumentRejected("not a supported document type")

    with route_lambda_invocations(invoke):
        response = lambda_client.invoke(FunctionName=function_arn, Payload=b"{}")

    assert response["FunctionError"] == "Unhandled"
    error = json.loads(response["Payload"].read())
    assert error["errorType"] == "DocumentRejected"
    assert error["errorMessage"] == "not a supported document type"
    assert any("raise DocumentRejected" in line for line in error["stackTrace"])


def test_invoke__lambda_function_error_keeps_its_error_type(
    lambda_client: Any, function_arn: str
) -> None:
    def invoke(invocation: LambdaInvocation) -> Any:
        raise LambdaFunctionError("Runtime.ImportModuleError", "Unable to import module 'handler'")

    with route_lambda_invocations(invoke):
        response = lambda_client.invoke(FunctionName=function_arn, Payload=b"{}")

    assert json.loads(response["Payload"].read()) == {
        "errorMessage": "Unable to import module 'handler'",
        "errorType": "Runtime.ImportModuleError",
        "stackTrace": [],
    }


def test_invoke__service_error_fails_the_call(lambda_client: Any, function_arn: str) -> None:
    def invoke(invocation: LambdaInvocation) -> Any:
        raise LambdaServiceError("TooManyRequestsException", "Rate exceeded", 429)

    with route_lambda_invocations(invoke), pytest.raises(ClientError) as raised:
        lambda_client.invoke(FunctionName=function_arn, Payload=b"{}")

    assert raised.value.response["Error"]["Code"] == "TooManyRequestsException"
    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429


def test_route_lambda_invocations__restores_moto_on_exit() -> None:
    original = LambdaFunction.__dict__["invoke"]

    with route_lambda_invocations(lambda invocation: None):
        assert LambdaFunction.__dict__["invoke"] is not original

    assert LambdaFunction.__dict__["invoke"] is original


def test_route_lambda_invocations__changed_moto_names_the_expected_version(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delattr(LambdaFunction, "invoke")

    with (
        pytest.raises(MotoPatchError, match=rf"written for moto {EXPECTED_MOTO_VERSION}"),
        route_lambda_invocations(lambda invocation: None),
    ):
        pass


def test_get_job_run__running_until_the_script_ends_then_failed_with_its_error(glue: Any) -> None:
    release = threading.Event()
    runs: list[GlueJobRun] = []

    def run(job_run: GlueJobRun) -> None:
        runs.append(job_run)
        release.wait(timeout=10)
        raise ValueError("no prepared documents under s3://docs/processed-text/")

    glue.create_job(
        Name="extract",
        Role="arn:aws:iam::123456789012:role/glue",
        GlueVersion="5.0",
        Command={"Name": "glueetl", "ScriptLocation": "s3://artifacts/extract_facts.py"},
        DefaultArguments={"--output": "s3://docs/"},
        ExecutionProperty={"MaxConcurrentRuns": 1},
    )
    with route_glue_job_runs(run):
        run_id = glue.start_job_run(JobName="extract", Arguments={"--source": "s3://docs/a.json"})[
            "JobRunId"
        ]
        running = glue.get_job_run(JobName="extract", RunId=run_id)["JobRun"]
        with pytest.raises(ClientError) as concurrent:
            glue.start_job_run(JobName="extract")
        release.set()
        deadline = time.monotonic() + 10
        while (
            glue.get_job_run(JobName="extract", RunId=run_id)["JobRun"]["JobRunState"] == "RUNNING"
        ):
            assert time.monotonic() < deadline, "the run did not finish"
            time.sleep(0.01)
        finished = glue.get_job_run(JobName="extract", RunId=run_id)["JobRun"]
    after_routing = glue.get_job_run(JobName="extract", RunId=run_id)["JobRun"]

    assert running["JobRunState"] == "RUNNING"
    assert concurrent.value.response["Error"]["Code"] == "ConcurrentRunsExceededException"
    assert finished["JobRunState"] == "FAILED"
    assert (
        finished["ErrorMessage"]
        == "ValueError: no prepared documents under s3://docs/processed-text/"
    )
    assert after_routing["JobRunState"] == "FAILED"
    assert runs == [
        GlueJobRun("extract", run_id, {"--output": "s3://docs/", "--source": "s3://docs/a.json"})
    ]


def test_import_localcloud__does_not_import_moto() -> None:
    code = "import sys, loyalty_maximizer.localcloud; print('moto' in sys.modules)"

    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "False"
