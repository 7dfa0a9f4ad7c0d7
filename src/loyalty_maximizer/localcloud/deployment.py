"""Driving a deployed local cloud as its users do: ``terraform apply`` of ``envs/local``, a
Cognito user with a token, a curator's uploads to the raw bucket, the ingestion outcomes
the pipeline writes, the graph's size, and the conversation API over HTTP.

``scripts/demo.py`` (``make demo``) and the end-to-end tests both use it, so what the demo
shows is what the tests check. Every call goes to the local cloud's endpoints: clients are
built for them with fake credentials and never reach AWS.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import boto3
import requests
from botocore.config import Config
from botocore.exceptions import ClientError

from loyalty_maximizer.ingestion.bucket import RAW_PREFIX, RUN_REPORTS_PREFIX, quarantine_key

if TYPE_CHECKING:
    from mypy_boto3_cognito_idp import CognitoIdentityProviderClient
    from mypy_boto3_s3 import S3Client

REPOSITORY = Path(__file__).resolve().parents[3]
LOCAL_ENV = REPOSITORY / "terraform" / "envs" / "local"
TERRAFORM_RC = REPOSITORY / "terraform" / "terraformrc"
# What a document a curator uploads becomes: the sample corpus's good and bad files.
DOCUMENT_SUFFIXES = frozenset({".html", ".htm", ".pdf", ".txt"})

Progress = Callable[[str], None]


class DeploymentError(RuntimeError):
    """A step of driving the local cloud failed; the message says which and why."""


def _quiet(_: str) -> None:
    return None


# Terraform ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Deployment:
    """What ``terraform apply`` of ``envs/local`` created, from its outputs."""

    api_endpoint: str
    user_pool_id: str
    user_pool_client_id: str
    documents_bucket: str
    ingestion_state_machine_arn: str
    neptune_endpoint: str
    curator_topic_arn: str
    profiles_table: str

    @classmethod
    def from_outputs(cls, outputs: Mapping[str, Any]) -> Deployment:
        def value(name: str) -> Any:
            try:
                return outputs[name]["value"]
            except (KeyError, TypeError):
                raise DeploymentError(f"terraform output {name!r} is missing") from None

        return cls(
            api_endpoint=str(value("api_endpoint")).rstrip("/"),
            user_pool_id=str(value("user_pool_id")),
            user_pool_client_id=str(value("user_pool_client_id")),
            documents_bucket=str(value("documents_bucket")),
            ingestion_state_machine_arn=str(value("ingestion_state_machine_arn")),
            neptune_endpoint=str(value("neptune_endpoint")).rstrip("/"),
            curator_topic_arn=str(value("topic_arns")["curator"]),
            profiles_table=str(value("profiles_table")),
        )


PROVIDER_MIRROR = Path("/opt/tf-plugins")


def terraform_environment() -> dict[str, str]:
    """The environment Terraform runs in: the user's CLI configuration when it exists, else
    the repository's (the provider from the machine's mirror) where the mirror exists."""
    env = dict(os.environ)
    configured = env.get("TF_CLI_CONFIG_FILE")
    if not (configured and Path(configured).is_file()) and PROVIDER_MIRROR.is_dir():
        env["TF_CLI_CONFIG_FILE"] = str(TERRAFORM_RC)
    env["TF_IN_AUTOMATION"] = "1"
    env["TF_INPUT"] = "0"
    return env


def _terraform(args: Sequence[str], log_file: Path, env: Mapping[str, str]) -> str:
    with log_file.open("a", encoding="utf-8") as log:
        log.write(f"$ terraform {' '.join(args)}\n")
        log.flush()
        done = subprocess.run(
            ["terraform", *args],
            cwd=LOCAL_ENV,
            env=dict(env),
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            check=False,
        )
        log.write(done.stdout)
    if done.returncode != 0:
        raise DeploymentError(
            f"terraform {args[0]} failed (exit {done.returncode}); see {log_file}"
        )
    return done.stdout


def _variables(endpoints: Mapping[str, Any]) -> list[str]:
    """``-var`` arguments pointing envs/local at the local cloud of ``endpoints``."""
    variables = {
        "endpoint": endpoints["aws"],
        "neptune_endpoint": endpoints["neptune"],
        "api_endpoint": endpoints["api"],
        "region": endpoints.get("region", "us-east-1"),
    }
    return [f"-var={name}={value}" for name, value in variables.items()]


def terraform_apply(
    endpoints: Mapping[str, Any],
    state_file: Path,
    *,
    log_file: Path,
    progress: Progress = _quiet,
) -> Deployment:
    """``terraform apply`` of ``envs/local`` against the local cloud whose ``endpoints``
    (``loyalty local up``'s JSON) are given, with its state in ``state_file``; the
    outputs. Terraform's own output goes to ``log_file``."""
    env = terraform_environment()
    var_args = _variables(endpoints)
    progress("terraform init")
    _terraform(["init", "-input=false", "-no-color"], log_file, env)
    progress("terraform apply")
    state = f"-state={state_file}"
    _terraform(
        ["apply", "-auto-approve", "-input=false", "-no-color", state, *var_args], log_file, env
    )
    outputs = json.loads(_terraform(["output", "-json", "-no-color", state], log_file, env))
    return Deployment.from_outputs(outputs)


def terraform_plan_changes(endpoints: Mapping[str, Any], state_file: Path, log_file: Path) -> int:
    """How many resources a plan would add, change or destroy (0: up to date)."""
    env = terraform_environment()
    args = ["plan", "-input=false", "-no-color", "-json", f"-state={state_file}"]
    args += _variables(endpoints)
    out = _terraform(args, log_file, env)
    changes = 0
    for line in out.splitlines():
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if message.get("type") == "change_summary":
            summary = message["changes"]
            changes = int(summary["add"]) + int(summary["change"]) + int(summary["remove"])
    return changes


# AWS clients ----------------------------------------------------------------------------------


def aws_session(region: str = "us-east-1") -> boto3.Session:
    """A session with the local cloud's fake credentials."""
    return boto3.Session(aws_access_key_id="test", aws_secret_access_key="test", region_name=region)


def client_config() -> Config:
    # Host prefixes (sync-states., ...) do not resolve on loopback.
    return Config(inject_host_prefix=False, retries={"mode": "standard", "max_attempts": 5})


def aws_client(session: boto3.Session, service: str, endpoint: str) -> Any:
    return session.client(service, endpoint_url=endpoint, config=client_config())  # type: ignore[call-overload]


# Cognito --------------------------------------------------------------------------------------


def sign_up_user(
    cognito: CognitoIdentityProviderClient,
    deployment: Deployment,
    email: str,
    password: str,
) -> str:
    """Create ``email`` as a confirmed user of the pool (an administrator's invitation
    accepted) and sign in with the password: the ID token the API's authorizer checks."""
    try:
        cognito.admin_create_user(
            UserPoolId=deployment.user_pool_id,
            Username=email,
            UserAttributes=[
                {"Name": "email", "Value": email},
                {"Name": "email_verified", "Value": "true"},
            ],
            MessageAction="SUPPRESS",
        )
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "UsernameExistsException":
            raise
    cognito.admin_set_user_password(
        UserPoolId=deployment.user_pool_id, Username=email, Password=password, Permanent=True
    )
    return sign_in(cognito, deployment, email, password)


def sign_in(
    cognito: CognitoIdentityProviderClient, deployment: Deployment, email: str, password: str
) -> str:
    answer = cognito.initiate_auth(
        ClientId=deployment.user_pool_client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": password},
    )
    token = answer.get("AuthenticationResult", {}).get("IdToken")
    if not token:
        raise DeploymentError(f"signing in as {email} returned no ID token")
    return token


# Uploads and outcomes -------------------------------------------------------------------------


def documents_in(folder: Path) -> list[Path]:
    """The files of ``folder`` and its subfolders a curator would upload, by name."""
    return sorted(
        (p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in DOCUMENT_SUFFIXES),
        key=lambda p: p.name,
    )


def document_id(key: str) -> str:
    """The document id the pipeline gives an upload (the trigger's rule)."""
    return PurePosixPath(key).stem


def upload_documents(s3: S3Client, bucket: str, paths: Iterable[Path]) -> dict[str, str]:
    """Put each file under ``raw/`` as a curator does; ``{documentId: key}``."""
    uploaded: dict[str, str] = {}
    for path in paths:
        key = f"{RAW_PREFIX}{path.name}"
        s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())
        uploaded[document_id(key)] = key
    return uploaded


def _json_object(s3: S3Client, bucket: str, key: str) -> dict[str, Any] | None:
    try:
        body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except ClientError:
        return None
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def ingestion_outcomes(
    s3: S3Client, bucket: str, document_ids: Iterable[str], *, since: float = 0.0
) -> dict[str, dict[str, Any]]:
    """The outcome of each document's latest run written at or after ``since`` (epoch
    seconds): the run report under ``reports/`` (ingested or quarantined), or the
    quarantine record of an upload the trigger rejected before any run started."""
    wanted = set(document_ids)
    found: dict[str, tuple[float, dict[str, Any]]] = {}
    paginator = s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=RUN_REPORTS_PREFIX):
        for item in page.get("Contents", []):
            modified = item["LastModified"].timestamp()
            if modified < since:
                continue
            report = _json_object(s3, bucket, item["Key"])
            doc = report.get("documentId") if report else None
            if report and doc in wanted and modified >= found.get(doc, (-1.0, {}))[0]:
                found[doc] = (modified, report)
    for doc in wanted - found.keys():
        key = quarantine_key(doc)
        try:
            head = s3.head_object(Bucket=bucket, Key=key)
        except ClientError:
            continue
        if head["LastModified"].timestamp() >= since:
            record = _json_object(s3, bucket, key)
            if record is not None:
                found[doc] = (head["LastModified"].timestamp(), record)
    return {doc: report for doc, (_, report) in found.items()}


def wait_for_ingestion(
    s3: S3Client,
    bucket: str,
    document_ids: Sequence[str],
    *,
    since: float,
    timeout: float,
    on_progress: Callable[[int, int], None] | None = None,
    poll_seconds: float = 3.0,
) -> dict[str, dict[str, Any]]:
    """Wait until every document has an outcome (or ``timeout`` seconds passed); the
    outcomes found. ``on_progress(done, total)`` after each look."""
    deadline = time.monotonic() + timeout
    while True:
        outcomes = ingestion_outcomes(s3, bucket, document_ids, since=since)
        if on_progress is not None:
            on_progress(len(outcomes), len(document_ids))
        if len(outcomes) == len(document_ids) or time.monotonic() >= deadline:
            return outcomes
        time.sleep(poll_seconds)


# The graph and the API ------------------------------------------------------------------------


def graph_size(neptune_endpoint: str, http: requests.Session | None = None) -> tuple[int, int]:
    """(nodes, edges) of the graph behind the Neptune endpoint."""
    session = http or requests.Session()

    def count(query: str) -> int:
        answer = session.post(f"{neptune_endpoint}/openCypher", data={"query": query}, timeout=30)
        answer.raise_for_status()
        return int(answer.json()["results"][0]["n"])

    return count("MATCH (n) RETURN count(n) AS n"), count("MATCH ()-[r]->() RETURN count(r) AS n")


class ApiError(RuntimeError):
    def __init__(self, status: int, body: Any) -> None:
        super().__init__(f"HTTP {status}: {json.dumps(body)[:500]}")
        self.status = status
        self.body = body


@dataclass
class ApiClient:
    """The conversation API as a traveller's app calls it."""

    base_url: str
    token: str | None
    http: requests.Session
    timeout: float = 60.0

    def request(self, method: str, path: str, body: Any = None) -> Any:
        headers = {"content-type": "application/json"}
        if self.token:
            headers["authorization"] = f"Bearer {self.token}"
        answer = self.http.request(
            method,
            f"{self.base_url}{path}",
            headers=headers,
            data=None if body is None else json.dumps(body),
            timeout=self.timeout,
        )
        try:
            payload = answer.json()
        except ValueError:
            payload = answer.text
        if answer.status_code >= 300:
            raise ApiError(answer.status_code, payload)
        return payload

    def put_profile(self, profile: Mapping[str, Any]) -> Any:
        return self.request("PUT", "/v1/me/profile", dict(profile))

    def get_profile(self) -> Any:
        return self.request("GET", "/v1/me/profile")

    def start_conversation(self, text: str | None = None, title: str | None = None) -> Any:
        body: dict[str, Any] = {}
        if text:
            body["text"] = text
        if title:
            body["title"] = title
        return self.request("POST", "/v1/conversations", body)

    def send(self, conversation_id: str, text: str) -> Any:
        return self.request("POST", f"/v1/conversations/{conversation_id}/messages", {"text": text})
