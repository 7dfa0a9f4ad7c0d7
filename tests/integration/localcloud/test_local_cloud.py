"""The local cloud end to end: one ``LocalCloud`` on free ports for the module, driven only
through boto3 clients and HTTP as Terraform, the handlers and a user would drive it, and
the ``loyalty local`` CLI in a subprocess."""

from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from loyalty_maximizer.localcloud.server import LocalCloud

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
SAMPLE_PDF = REPO / "samples" / "documents" / "aeroplan-partner-chart.pdf"
REGION = "us-east-1"
ACCOUNT = "123456789012"
LOYALTY = Path(sys.executable).with_name("loyalty")

HANDLER = """
import json, os, sys
from pathlib import Path
from urllib.parse import unquote_plus

import greeting  # from the layer


class DocumentRejected(Exception):
    pass


def lambda_handler(event, context):
    if event.get("fail"):
        raise DocumentRejected("unsupported file type ('.exe')")
    records = event.get("Records") or []
    if records:
        record = records[0]
        if record.get("eventSource") == "aws:s3":
            name = "s3-" + unquote_plus(record["s3"]["object"]["key"]).replace("/", "_")
        else:
            name = "sns-" + json.loads(record["Sns"]["Message"])["JobId"]
        (Path(os.environ["MARKER_DIR"]) / name).write_text(json.dumps(event))
        return None
    if "rawPath" in event:
        body = {"path": event["rawPath"], "function": context.function_name}
        return {"statusCode": 200, "headers": {"content-type": "application/json"},
                "body": json.dumps(body)}
    return {
        "greeting": greeting.hello(event.get("name", "world")),
        "pid": os.getpid(),
        "noSite": sys.flags.no_site,
        "function": context.function_name,
        "version": context.function_version,
        "endpoint": os.environ["AWS_ENDPOINT_URL"],
    }
"""

GLUE_SCRIPT = """
import argparse, json, os, sys
import boto3
from pyspark.sql import SparkSession

parser = argparse.ArgumentParser()
parser.add_argument("--JOB_NAME")
parser.add_argument("--JOB_RUN_ID")
parser.add_argument("--greeting")
parser.add_argument("--output")
args, _ = parser.parse_known_args()
spark = SparkSession.builder.master("local[1]").config("spark.ui.enabled", "false").getOrCreate()
rows = spark.range(3).count()
bucket, _, key = args.output.removeprefix("s3://").partition("/")
boto3.client("s3").put_object(
    Bucket=bucket,
    Key=key,
    Body=json.dumps({"greeting": args.greeting, "rows": rows, "run": args.JOB_RUN_ID}),
)
"""

FAILING_GLUE_SCRIPT = """
raise ValueError("no prepared documents under s3://nowhere/processed-text/")
"""


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(condition: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {timeout} s")
        time.sleep(0.1)


# --- the cloud and its clients -------------------------------------------------------------


@pytest.fixture(scope="module")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalCloud]:
    local = LocalCloud(tmp_path_factory.mktemp("localcloud"), port=0, neptune_port=0, api_port=0)
    local.start()
    yield local
    local.stop()


@pytest.fixture(scope="module")
def client(cloud: LocalCloud) -> Callable[[str], Any]:
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION
    )
    config = Config(inject_host_prefix=False, retries={"max_attempts": 1})
    made: dict[str, Any] = {}

    def make(service: str) -> Any:
        if service not in made:
            made[service] = session.client(  # type: ignore[call-overload]
                service, endpoint_url=cloud.endpoints["aws"], config=config
            )
        return made[service]

    return make


@pytest.fixture(scope="module")
def marker_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("markers")


@pytest.fixture(scope="module")
def role_arn(client: Callable[[str], Any]) -> str:
    trust = {"Version": "2012-10-17", "Statement": []}
    role = client("iam").create_role(
        RoleName=f"local-{uuid.uuid4().hex[:8]}", AssumeRolePolicyDocument=json.dumps(trust)
    )
    return str(role["Role"]["Arn"])


@pytest.fixture(scope="module")
def function(client: Callable[[str], Any], role_arn: str, marker_dir: Path) -> dict[str, str]:
    """A function with a layer, a published version and a ``live`` alias."""
    lambda_client = client("lambda")
    layer = lambda_client.publish_layer_version(
        LayerName="greeting",
        Content={"ZipFile": _zip({"python/greeting.py": "def hello(n):\n    return f'hi {n}'\n"})},
        CompatibleRuntimes=["python3.11"],
    )
    name = f"loyalty-local-{uuid.uuid4().hex[:6]}"
    created = lambda_client.create_function(
        FunctionName=name,
        Runtime="python3.11",
        Role=role_arn,
        Handler="handler.lambda_handler",
        Code={"ZipFile": _zip({"handler.py": HANDLER})},
        Layers=[layer["LayerVersionArn"]],
        Environment={"Variables": {"MARKER_DIR": str(marker_dir)}},
        Timeout=30,
        Publish=True,
    )
    alias = lambda_client.create_alias(
        FunctionName=name, Name="live", FunctionVersion=created["Version"]
    )
    return {"name": name, "alias_arn": str(alias["AliasArn"])}


# --- Lambda --------------------------------------------------------------------------------


def test_a_function_runs_its_zip_and_layer_in_a_worker(
    cloud: LocalCloud, client: Callable[[str], Any], function: dict[str, str]
) -> None:
    answer = client("lambda").invoke(
        FunctionName=function["alias_arn"], Payload=json.dumps({"name": "Ada"}).encode()
    )

    assert "FunctionError" not in answer
    result = json.loads(answer["Payload"].read())
    assert result["greeting"] == "hi Ada"  # the layer is on the path
    assert result["pid"] != os.getpid()  # a worker process ...
    assert result["noSite"] == 1  # ... that sees no site-packages, as on Lambda
    assert result["function"] == function["name"]
    assert result["version"] == "1"  # the alias resolved to the published version
    assert result["endpoint"] == cloud.endpoints["aws"]


def test_a_handler_error_is_an_unhandled_function_error(
    client: Callable[[str], Any], function: dict[str, str]
) -> None:
    answer = client("lambda").invoke(
        FunctionName=function["name"], Qualifier="live", Payload=b'{"fail": true}'
    )

    assert answer["FunctionError"] == "Unhandled"
    error = json.loads(answer["Payload"].read())
    assert error["errorType"] == "DocumentRejected"
    assert error["errorMessage"] == "unsupported file type ('.exe')"


def test_an_s3_notification_runs_the_function(
    client: Callable[[str], Any], function: dict[str, str], marker_dir: Path
) -> None:
    s3 = client("s3")
    bucket = f"loyalty-local-documents-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_notification_configuration(
        Bucket=bucket,
        NotificationConfiguration={
            "LambdaFunctionConfigurations": [
                {
                    "LambdaFunctionArn": function["alias_arn"],
                    "Events": ["s3:ObjectCreated:*"],
                    "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "raw/"}]}},
                }
            ]
        },
    )

    s3.put_object(Bucket=bucket, Key="raw/aa-earning.html", Body=b"<html></html>")
    s3.put_object(Bucket=bucket, Key="archive/ignored.html", Body=b"<html></html>")

    marker = marker_dir / "s3-raw_aa-earning.html"
    event = json.loads(_wait(lambda: marker.exists() and marker.read_text(), 20, "the trigger"))
    assert event["Records"][0]["s3"]["bucket"]["name"] == bucket
    assert not (marker_dir / "s3-archive_ignored.html").exists()


# --- Glue ----------------------------------------------------------------------------------


def _glue_run(glue: Any, job: str, run_id: str, timeout: float) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        run: dict[str, Any] = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        return run if run["JobRunState"] not in ("STARTING", "RUNNING") else None

    result: dict[str, Any] = _wait(finished, timeout, f"job run {run_id}")
    return result


def test_glue_job_runs_succeed_and_fail_as_glue_reports_them(
    client: Callable[[str], Any], role_arn: str
) -> None:
    s3, glue = client("s3"), client("glue")
    bucket = f"loyalty-local-artifacts-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="glue/job.py", Body=GLUE_SCRIPT.encode())
    s3.put_object(Bucket=bucket, Key="glue/failing.py", Body=FAILING_GLUE_SCRIPT.encode())
    for name, script in (("job", "job.py"), ("failing", "failing.py")):
        glue.create_job(
            Name=f"loyalty-local-{name}",
            Role=role_arn,
            GlueVersion="5.0",
            Command={"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/glue/{script}"},
            DefaultArguments={"--greeting": "hello", "--enable-metrics": "true"},
            Timeout=10,
        )

    run_id = glue.start_job_run(
        JobName="loyalty-local-job", Arguments={"--output": f"s3://{bucket}/out/result.json"}
    )["JobRunId"]
    assert glue.get_job_run(JobName="loyalty-local-job", RunId=run_id)["JobRun"]["JobRunState"] in (
        "STARTING",
        "RUNNING",
    )
    run = _glue_run(glue, "loyalty-local-job", run_id, 180)

    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    written = json.loads(s3.get_object(Bucket=bucket, Key="out/result.json")["Body"].read())
    assert written == {"greeting": "hello", "rows": 3, "run": run_id}  # defaults merged

    failed_id = glue.start_job_run(JobName="loyalty-local-failing")["JobRunId"]
    failed = _glue_run(glue, "loyalty-local-failing", failed_id, 60)

    assert failed["JobRunState"] == "FAILED"
    assert "ValueError: no prepared documents under s3://nowhere/" in failed["ErrorMessage"]


# --- Step Functions ------------------------------------------------------------------------


def _machine(
    client: Callable[[str], Any], role_arn: str, definition: dict[str, Any], machine_type: str
) -> str:
    created = client("stepfunctions").create_state_machine(
        name=f"loyalty-local-{uuid.uuid4().hex[:8]}",
        definition=json.dumps(definition),
        roleArn=role_arn,
        type=machine_type,
    )
    return str(created["stateMachineArn"])


def _invoke_task(function_arn: str, payload: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": function_arn, "Payload": payload},
        **extra,
    }


def test_a_standard_machine_invokes_the_function_and_catches_its_error_type(
    client: Callable[[str], Any], role_arn: str, function: dict[str, str]
) -> None:
    definition = {
        "StartAt": "Greet",
        "States": {
            "Greet": {
                **_invoke_task(function["alias_arn"], {"name.$": "$.name"}),
                "ResultSelector": {"greeting.$": "$.Payload.greeting"},
                "ResultPath": "$.greeted",
                "Next": "Reject",
            },
            "Reject": _invoke_task(
                function["alias_arn"],
                {"fail": True},
                Catch=[
                    {"ErrorEquals": ["DocumentRejected"], "ResultPath": "$.error", "Next": "Done"}
                ],
                Next="Done",
            ),
            "Done": {"Type": "Pass", "End": True},
        },
    }
    sfn = client("stepfunctions")
    arn = _machine(client, role_arn, definition, "STANDARD")

    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps({"name": "Grace"}))

    def stopped() -> dict[str, Any] | None:
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution["executionArn"])
        return described if described["status"] != "RUNNING" else None

    described = _wait(stopped, 60, "the execution")
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["greeted"]["greeting"] == "hi Grace"
    assert output["error"]["Error"] == "DocumentRejected"


def test_start_sync_execution_runs_an_express_machine(
    client: Callable[[str], Any],
    role_arn: str,
    function: dict[str, str],
    cloud: LocalCloud,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    definition = {
        "StartAt": "Greet",
        "TimeoutSeconds": 25,
        "States": {
            "Greet": {
                **_invoke_task(function["alias_arn"], {"name.$": "$.name"}),
                "OutputPath": "$.Payload",
                "End": True,
            }
        },
    }
    arn = _machine(client, role_arn, definition, "EXPRESS")

    answer = client("stepfunctions").start_sync_execution(
        stateMachineArn=arn, input=json.dumps({"name": "Alan"})
    )

    assert answer["status"] == "SUCCEEDED", answer
    assert json.loads(answer["output"])["greeting"] == "hi Alan"
    assert answer["stateMachineArn"] == arn
    assert answer["stopDate"] >= answer["startDate"]

    # What a function's client does: no Config, host prefixes off through the environment
    # the Lambda runtime sets (boto3 would otherwise call http://sync-127.0.0.1:<port>).
    monkeypatch.setenv("AWS_DISABLE_HOST_PREFIX_INJECTION", "true")
    plain = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=REGION
    ).client("stepfunctions", endpoint_url=cloud.endpoints["aws"])
    again = plain.start_sync_execution(stateMachineArn=arn, input=json.dumps({"name": "Kurt"}))
    assert json.loads(again["output"])["greeting"] == "hi Kurt"


def test_validate_state_machine_definition(client: Callable[[str], Any]) -> None:
    sfn = client("stepfunctions")
    good = {"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}

    assert sfn.validate_state_machine_definition(definition=json.dumps(good))["result"] == "OK"
    broken = sfn.validate_state_machine_definition(definition='{"StartAt": ')
    assert broken["result"] == "FAIL"
    assert broken["diagnostics"][0]["code"] == "INVALID_JSON_DESCRIPTION"


# --- what terraform apply needs beyond moto -------------------------------------------------


def test_what_terraform_needs_of_s3_glue_and_step_functions(
    client: Callable[[str], Any], role_arn: str
) -> None:
    s3, glue, sfn = client("s3"), client("glue"), client("stepfunctions")
    suffix = uuid.uuid4().hex[:8]
    logs, documents = f"loyalty-local-logs-{suffix}", f"loyalty-local-docs-{suffix}"
    for bucket in (logs, documents):
        s3.create_bucket(Bucket=bucket)

        deny_insecure = {
            "Sid": "DenyInsecureTransport",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"],
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        }
        statements = [deny_insecure]
        if bucket == logs:
            statements.append(
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "logging.s3.amazonaws.com"},
                    "Action": "s3:PutObject",
                    "Resource": f"arn:aws:s3:::{bucket}/*",
                    "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
                }
            )
        policy = {"Version": "2012-10-17", "Statement": statements}
        s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))

    # the policy's Deny applies to plain HTTP only: loopback counts as secure transport
    s3.put_object(Bucket=documents, Key="reference/reference.jsonl", Body=b"{}\n")
    s3.put_bucket_logging(
        Bucket=documents,
        BucketLoggingStatus={"LoggingEnabled": {"TargetBucket": logs, "TargetPrefix": "docs/"}},
    )
    assert s3.get_bucket_logging(Bucket=documents)["LoggingEnabled"]["TargetBucket"] == logs

    job = f"loyalty-local-update-{suffix}"
    glue.create_job(
        Name=job, Role=role_arn, Command={"Name": "glueetl", "ScriptLocation": "s3://a/v1.py"}
    )
    glue.update_job(
        JobName=job,
        JobUpdate={
            "Role": role_arn,
            "Command": {"Name": "glueetl", "ScriptLocation": "s3://a/v2.py"},
            "Timeout": 30,
        },
    )
    updated = glue.get_job(JobName=job)["Job"]
    assert (updated["Command"]["ScriptLocation"], updated["Timeout"]) == ("s3://a/v2.py", 30)

    machine = sfn.create_state_machine(
        name=f"loyalty-local-versions-{suffix}",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        roleArn=role_arn,
        publish=True,
    )
    versions = sfn.list_state_machine_versions(stateMachineArn=machine["stateMachineArn"])
    assert [v["stateMachineVersionArn"] for v in versions["stateMachineVersions"]] == [
        machine["stateMachineVersionArn"]
    ]
    first = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
    second = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
    assert first != second  # unnamed executions get names of their own

    with pytest.raises(ClientError) as missing:  # moto lacks it: a quick 501, not retried 500s
        glue.get_job_bookmark(JobName=job)
    assert missing.value.response["ResponseMetadata"]["HTTPStatusCode"] == 501
    assert "get_job_bookmark" in str(missing.value)


# --- Textract, SNS -------------------------------------------------------------------------


def test_textract_analyses_a_pdf_and_its_sns_message_reaches_the_function(
    client: Callable[[str], Any], function: dict[str, str], role_arn: str, marker_dir: Path
) -> None:
    s3, sns, textract = client("s3"), client("sns"), client("textract")
    bucket = f"loyalty-local-pdf-{uuid.uuid4().hex[:8]}"
    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="raw/chart.pdf", Body=SAMPLE_PDF.read_bytes())
    topic = sns.create_topic(Name=f"textract-{uuid.uuid4().hex[:8]}")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function["alias_arn"])

    job_id = textract.start_document_analysis(
        DocumentLocation={"S3Object": {"Bucket": bucket, "Name": "raw/chart.pdf"}},
        FeatureTypes=["TABLES", "LAYOUT"],
        JobTag="run-1",
        NotificationChannel={"SNSTopicArn": topic, "RoleArn": role_arn},
    )["JobId"]

    marker = marker_dir / f"sns-{job_id}"
    event = json.loads(_wait(lambda: marker.exists() and marker.read_text(), 60, "the callback"))
    message = json.loads(event["Records"][0]["Sns"]["Message"])
    assert (message["Status"], message["JobTag"]) == ("SUCCEEDED", "run-1")
    analysis = textract.get_document_analysis(JobId=job_id)
    assert analysis["JobStatus"] == "SUCCEEDED"
    assert any(block["BlockType"] == "LINE" for block in analysis["Blocks"])


# --- Neptune, API Gateway ------------------------------------------------------------------


def _get(url: str) -> tuple[int, Any]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=30) as response:
        return response.status, json.loads(response.read())


def test_neptune_status(cloud: LocalCloud) -> None:
    status, body = _get(cloud.endpoints["neptune"] + "/status")

    assert status == 200
    assert body["status"] == "healthy"


def test_the_http_api_invokes_its_integration(
    cloud: LocalCloud, client: Callable[[str], Any], function: dict[str, str]
) -> None:
    api = client("apigatewayv2")
    api_id = api.create_api(Name="loyalty-local-api", ProtocolType="HTTP")["ApiId"]
    integration = api.create_integration(
        ApiId=api_id,
        IntegrationType="AWS_PROXY",
        IntegrationUri=function["alias_arn"],
        PayloadFormatVersion="2.0",
    )
    api.create_route(
        ApiId=api_id, RouteKey="GET /hello", Target=f"integrations/{integration['IntegrationId']}"
    )
    api.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)

    status, body = _wait(
        lambda: _try_get(cloud.endpoints["api"] + "/hello"), 10, "the route to appear"
    )

    assert status == 200
    assert body == {"path": "/hello", "function": function["name"]}


def _try_get(url: str) -> tuple[int, Any] | None:
    try:
        return _get(url)
    except urllib.error.HTTPError:
        return None  # the emulator re-reads the API's configuration every 2 s


# --- the CLI -------------------------------------------------------------------------------


def _loyalty(
    *args: str, env: dict[str, str] | None = None, entry: str = "module"
) -> subprocess.CompletedProcess[str]:
    """``loyalty local ARGS``; ``entry="module"`` runs the same sub-app without the rest of
    the ``loyalty`` command (seconds quicker to import)."""
    command = (
        [str(LOYALTY), "local"]
        if entry == "loyalty"
        else [sys.executable, "-m", "loyalty_maximizer.localcloud.cli"]
    )
    return subprocess.run(
        [*command, *args],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, **(env or {})},
        check=False,
    )


def test_cli_up_status_down(tmp_path: Path) -> None:
    state = tmp_path / "state"
    ports = [_free_port(), _free_port(), _free_port()]
    where = ["--state-dir", str(state)]
    options = [
        *where,
        "--port",
        str(ports[0]),
        "--neptune-port",
        str(ports[1]),
        "--api-port",
        str(ports[2]),
    ]

    up = _loyalty("up", *options, entry="loyalty")
    try:
        assert up.returncode == 0, up.stderr
        endpoints = json.loads(up.stdout)
        assert endpoints["aws"] == f"http://127.0.0.1:{ports[0]}"
        assert endpoints["neptune"] == f"http://127.0.0.1:{ports[1]}"
        assert endpoints["api"] == f"http://127.0.0.1:{ports[2]}"
        assert (state / "localcloud.pid").read_text().strip() == str(endpoints["pid"])
        assert _get(endpoints["neptune"] + "/status")[0] == 200

        status = _loyalty("status", *where)
        assert status.returncode == 0, status.stderr
        assert json.loads(status.stdout)["status"] == "running"
        assert json.loads(status.stdout)["endpoints"]["aws"] == endpoints["aws"]

        again = _loyalty("up", *options)
        assert again.returncode == 1
        assert json.loads(again.stderr.strip().splitlines()[-1])["error"]["code"] == (
            "already_running"
        )
    finally:
        down = _loyalty("down", *where, entry="loyalty")
    assert down.returncode == 0, down.stderr
    assert json.loads(down.stdout)["status"] == "stopped"
    assert json.loads(down.stdout)["clean"] is True
    assert not (state / "localcloud.pid").exists()
    with pytest.raises(urllib.error.URLError, match="refused"):
        _get(endpoints["neptune"] + "/status")

    after = _loyalty("status", *where)
    assert after.returncode == 3
    assert json.loads(after.stdout)["status"] == "not running"


def test_cli_up_refuses_a_taken_port_and_a_missing_java(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refused = _loyalty("up", "--state-dir", str(tmp_path), "--port", str(port))

    assert refused.returncode == 1
    error = json.loads(refused.stderr.strip().splitlines()[-1])["error"]
    assert error["code"] == "port_in_use"
    assert str(port) in error["message"]
    assert "--port" in error["fix"]
    assert not (tmp_path / "localcloud.pid").exists()

    free = [str(_free_port()) for _ in range(3)]
    no_java = _loyalty(
        "up",
        "--state-dir",
        str(tmp_path),
        "--port",
        free[0],
        "--neptune-port",
        free[1],
        "--api-port",
        free[2],
        env={"JAVA_HOME": str(tmp_path / "no-java")},
    )
    assert no_java.returncode == 1
    error = json.loads(no_java.stderr.strip().splitlines()[-1])["error"]
    assert error["code"] == "java_missing"
    assert "JAVA_HOME" in error["fix"]
