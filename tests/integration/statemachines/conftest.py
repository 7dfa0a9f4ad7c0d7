"""Fixtures for running the real state machines in moto's Step Functions interpreter.

Chain: fake credentials → ``mock_aws`` (executing state machines) with Lambda invocations
and Glue job runs routed to Python through ``loyalty_maximizer.localcloud`` and moto's
interpreter fixed → one client per service → the deployed topology (IAM role, Lambda
functions with a ``live`` alias, Glue jobs, the documents bucket, a state machine rendered
from its ASL file). The chain up to the deployment is per module: parsing a definition costs
moto about half a second, so each module deploys once.

``cloud`` is per test: the stand-in for the handlers and Glue scripts. Every Lambda
invocation and Glue job run of the test lands there, is recorded in order
(``cloud.calls``), and is answered by a per-function Python double that the test replaces
with ``cloud.on(...)`` / ``cloud.on_glue(...)``.
"""

from __future__ import annotations

import io
import json
import threading
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from loyalty_maximizer.localcloud import (
    GlueJobRun,
    LambdaInvocation,
    fix_step_functions_interpreter,
    render_asl,
    route_glue_job_runs,
    route_lambda_invocations,
)

REPO = Path(__file__).resolve().parents[3]
STATEMACHINES = REPO / "statemachines"
REGION = "us-east-1"
ACCOUNT = "123456789012"

INGESTION_FUNCTIONS = (
    "dispatch",
    "finalize",
    "notifier",
    "neptune-load-start",
    "neptune-load-status",
)
CONVERSATION_FUNCTIONS = ("agent-step", "tool-executor")
GLUE_JOBS = ("extract-facts", "build-graph-load")

Handler = Callable[[dict[str, Any]], Any]
GlueScript = Callable[[dict[str, str]], None]


@dataclass(frozen=True)
class Call:
    """One Lambda invocation (``target`` = function name without the prefix) or Glue job
    run (``target`` = ``glue:<job name without the prefix>``, ``payload`` its arguments)."""

    target: str
    payload: dict[str, Any]


@dataclass
class FakeCloud:
    """Routes invocations and job runs to Python doubles and records them, thread-safely
    (Map iterations and Glue runs arrive on other threads)."""

    prefix: str
    handlers: dict[str, Handler] = field(default_factory=dict)
    scripts: dict[str, GlueScript] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def on(self, target: str, handler: Handler) -> None:
        self.handlers[target] = handler

    def on_glue(self, job: str, script: GlueScript) -> None:
        self.scripts[job] = script

    def invoke(self, invocation: LambdaInvocation) -> Any:
        target = invocation.function_name.removeprefix(f"{self.prefix}-")
        event = invocation.event()
        self._record(Call(target, event))
        return self.handlers[target](event)

    def run_glue(self, run: GlueJobRun) -> None:
        job = run.job_name.removeprefix(f"{self.prefix}-")
        self._record(Call(f"glue:{job}", dict(run.arguments)))
        self.scripts.get(job, lambda arguments: None)(dict(run.arguments))

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    def targets(self) -> list[str]:
        """The invoked functions and run jobs, in order; Lambda payload actions appended
        (``dispatch:prepare``) where the payload has one."""
        with self._lock:
            calls = list(self.calls)
        return [
            f"{call.target}:{call.payload['action']}" if "action" in call.payload else call.target
            for call in calls
        ]

    def payloads(self, target: str) -> list[dict[str, Any]]:
        with self._lock:
            return [call.payload for call in self.calls if call.target == target]


@dataclass(frozen=True)
class Deployed:
    """A state machine deployed with its functions, jobs and (for ingestion) bucket."""

    state_machine_arn: str
    bucket: str = ""


class Router:
    """What moto's patched Lambda and Glue call: the current test's ``FakeCloud``. The
    deployment is shared by a module's tests; the doubles and their records are not."""

    def __init__(self) -> None:
        self.cloud: FakeCloud | None = None

    def _current(self) -> FakeCloud:
        if self.cloud is None:
            raise RuntimeError("an invocation arrived while no test was running")
        return self.cloud

    def invoke(self, invocation: LambdaInvocation) -> Any:
        return self._current().invoke(invocation)

    def run_glue(self, run: GlueJobRun) -> None:
        self._current().run_glue(run)


@pytest.fixture(scope="module")
def aws_credentials() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as patch:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SECURITY_TOKEN": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            patch.setenv(name, value)
        yield


@pytest.fixture(scope="module")
def router() -> Router:
    return Router()


@pytest.fixture(scope="module")
def aws(aws_credentials: None, router: Router) -> Iterator[None]:
    with (
        mock_aws(config={"stepfunctions": {"execute_state_machine": True}}),
        route_lambda_invocations(router.invoke),
        route_glue_job_runs(router.run_glue),
        fix_step_functions_interpreter(),
    ):
        yield


@pytest.fixture(scope="module")
def prefix() -> str:
    return f"loyalty-t{uuid.uuid4().hex[:8]}"


@pytest.fixture
def cloud(router: Router, prefix: str, sfn: Any) -> Iterator[FakeCloud]:
    """This test's doubles (none installed: the machine fixtures add theirs)."""
    router.cloud = FakeCloud(prefix=prefix)
    yield router.cloud
    # An execution a failing test left running must not call the next test's doubles.
    for machine in sfn.list_state_machines()["stateMachines"]:
        running = sfn.list_executions(
            stateMachineArn=machine["stateMachineArn"], statusFilter="RUNNING"
        )
        for execution in running["executions"]:
            sfn.stop_execution(executionArn=execution["executionArn"])
    router.cloud = None


@pytest.fixture(scope="module")
def sfn(aws: None) -> Any:
    return boto3.client("stepfunctions", region_name=REGION)


@pytest.fixture(scope="module")
def lambda_client(aws: None) -> Any:
    return boto3.client("lambda", region_name=REGION)


@pytest.fixture(scope="module")
def glue(aws: None) -> Any:
    return boto3.client("glue", region_name=REGION)


@pytest.fixture(scope="module")
def s3(aws: None) -> Any:
    return boto3.client("s3", region_name=REGION)


@pytest.fixture(scope="module")
def iam(aws: None) -> Any:
    return boto3.client("iam", region_name=REGION)


@pytest.fixture(scope="module")
def role_arn(iam: Any, prefix: str) -> str:
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = iam.create_role(RoleName=f"{prefix}-role", AssumeRolePolicyDocument=json.dumps(trust))
    return str(role["Role"]["Arn"])


def _handler_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    return event\n")
    return buffer.getvalue()


def _deploy_functions(
    lambda_client: Any, role_arn: str, prefix: str, names: tuple[str, ...]
) -> dict[str, str]:
    """``{<placeholder>: <live alias ARN>}`` for each function, named as in topology.md."""
    code = _handler_zip()
    arns = {}
    for name in names:
        function = lambda_client.create_function(
            FunctionName=f"{prefix}-{name}",
            Runtime="python3.11",
            Role=role_arn,
            Handler="handler.lambda_handler",
            Code={"ZipFile": code},
            Publish=True,
        )
        alias = lambda_client.create_alias(
            FunctionName=function["FunctionName"], Name="live", FunctionVersion=function["Version"]
        )
        arns[f"{name.replace('-', '_')}_function_arn"] = alias["AliasArn"]
    return arns


def _create_machine(
    sfn: Any,
    role_arn: str,
    prefix: str,
    name: str,
    variables: dict[str, str],
    machine_type: str,
    adjust: Callable[[dict[str, Any]], None] = lambda definition: None,
) -> str:
    definition = json.loads(render_asl(STATEMACHINES / f"{name}.asl.json", variables))
    adjust(definition)
    machine = sfn.create_state_machine(
        name=f"{prefix}-{name}",
        definition=json.dumps(definition),
        roleArn=role_arn,
        type=machine_type,
    )
    return str(machine["stateMachineArn"])


def _shorten_load_wait(definition: dict[str, Any]) -> None:
    # The only difference from the shipped machine: the 10 s between Neptune load polls
    # would make the polling tests take minutes (test_asl_files checks the shipped 10 s).
    definition["States"]["WaitForLoad"]["Seconds"] = 0


@pytest.fixture(scope="module")
def ingestion_deployment(
    prefix: str, sfn: Any, lambda_client: Any, glue: Any, s3: Any, role_arn: str
) -> Deployed:
    """The ingestion machine with its functions, Glue jobs and bucket."""
    bucket = f"{prefix}-documents-{ACCOUNT}"
    s3.create_bucket(Bucket=bucket)
    variables = _deploy_functions(lambda_client, role_arn, prefix, INGESTION_FUNCTIONS)
    for job in GLUE_JOBS:
        glue.create_job(
            Name=f"{prefix}-{job}",
            Role=role_arn,
            GlueVersion="5.0",
            Command={"Name": "glueetl", "ScriptLocation": f"s3://{prefix}-artifacts/{job}.py"},
            ExecutionProperty={"MaxConcurrentRuns": 1},
        )
    variables |= {
        "extract_job_name": f"{prefix}-extract-facts",
        "graph_job_name": f"{prefix}-build-graph-load",
        "documents_bucket": bucket,
    }
    arn = _create_machine(
        sfn, role_arn, prefix, "ingestion", variables, "STANDARD", _shorten_load_wait
    )
    return Deployed(arn, bucket)


@pytest.fixture
def ingestion(ingestion_deployment: Deployed, cloud: FakeCloud) -> Deployed:
    """The deployed ingestion machine, with doubles that let a document through."""
    _install_ingestion_doubles(cloud)
    return ingestion_deployment


@pytest.fixture(scope="module")
def conversation_deployment(prefix: str, sfn: Any, lambda_client: Any, role_arn: str) -> Deployed:
    variables = _deploy_functions(lambda_client, role_arn, prefix, CONVERSATION_FUNCTIONS)
    return Deployed(_create_machine(sfn, role_arn, prefix, "conversation", variables, "EXPRESS"))


@pytest.fixture
def conversation(conversation_deployment: Deployed, cloud: FakeCloud) -> Deployed:
    """The deployed conversation machine; each test installs its agent and tool doubles."""
    return conversation_deployment


def _install_ingestion_doubles(cloud: FakeCloud) -> None:
    """Handlers answering as topology.md says, for a document that goes through."""

    def dispatch(event: dict[str, Any]) -> dict[str, Any]:
        document = event["document"]
        if event["action"] == "prepare" and document["documentType"] != "pdf":
            return {
                "route": "prepared",
                "preparedKey": f"processed-text/{document['documentId']}.json",
            }
        if event["action"] == "prepare":
            return {"route": "textract"}
        return {"jobId": "textract-job-1"}

    def finalize(event: dict[str, Any]) -> dict[str, Any]:
        document_id = event["document"]["documentId"]
        run_id = event["document"]["runId"]
        if event["action"] == "check_extraction":
            return {
                "status": "ingested",
                "factsKey": f"extracted-facts/{document_id}.jsonl",
                "facts": 12,
            }
        if event["action"] == "archive":
            return {"runId": run_id, "reportKey": f"reports/{run_id}.json", "facts": 12}
        return {"runId": run_id, "quarantineKey": f"quarantine/{document_id}.json"}

    def load_status(event: dict[str, Any]) -> dict[str, Any]:
        done = event["polls"] >= 2
        return {
            "loadId": event["loadId"],
            "polls": event["polls"],
            "done": done,
            "failed": False,
            "status": "LOAD_COMPLETED" if done else "LOAD_IN_PROGRESS",
        }

    cloud.on("dispatch", dispatch)
    cloud.on("finalize", finalize)
    cloud.on("neptune-load-start", lambda event: {"loadId": "load-0001"})
    cloud.on("neptune-load-status", load_status)
    cloud.on("notifier", lambda event: {"messageId": "m-1"})


def _wait_for_execution(sfn: Any, execution_arn: str, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return described
        if time.monotonic() > deadline:
            events = sfn.get_execution_history(executionArn=execution_arn)["events"]
            last = [event["type"] for event in events[-5:]]
            raise AssertionError(f"execution still running after {timeout} s; last events {last}")
        time.sleep(0.05)


Execute = Callable[..., dict[str, Any]]


@pytest.fixture
def execute(sfn: Any) -> Execute:
    """``execute(deployed, input, timeout=30) -> describe_execution`` once it stopped.

    moto has no ``StartSyncExecution``, so Express machines run through
    ``StartExecution`` too and are awaited the same way.
    """

    def start_and_wait(
        deployed: Deployed, execution_input: dict[str, Any], timeout: float = 30.0
    ) -> dict[str, Any]:
        started = sfn.start_execution(
            stateMachineArn=deployed.state_machine_arn,
            name=f"run-{uuid.uuid4().hex[:12]}",
            input=json.dumps(execution_input),
        )
        return _wait_for_execution(sfn, started["executionArn"], timeout)

    return start_and_wait


@pytest.fixture
def document_input(ingestion: Deployed) -> Callable[..., dict[str, Any]]:
    """``document_input(name="aa-earning", document_type="html")``: an execution input as
    the trigger builds it."""

    def build(name: str = "aa-earning", document_type: str = "html") -> dict[str, Any]:
        extension = {"html": "html", "pdf": "pdf", "text": "txt"}[document_type]
        return {
            "document": {
                "bucket": ingestion.bucket,
                "key": f"raw/{name}.{extension}",
                "versionId": "3HL4kqtJlcpXroDTDmJ",
                "documentId": name,
                "documentType": document_type,
                "contentHash": "sha256:" + "0f3a9c1d2e4b5a69" * 4,
                "size": 48213,
                "runId": f"{name}-0f3a9c1d2e4b5a69",
            }
        }

    return build
