"""One local cloud for the whole e2e session, deployed as a user deploys it: the artifacts
built by ``scripts/package.py``, ``loyalty local up`` on free ports, ``terraform apply`` of
``terraform/envs/local``. The documents the tests need are uploaded once, together, as a
curator would, and their outcomes awaited once.

Skipped (with the reason) where Terraform or Java is missing.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from loyalty_maximizer.localcloud.deployment import (
    ApiClient,
    Deployment,
    aws_client,
    aws_session,
    sign_up_user,
    terraform_apply,
    upload_documents,
    wait_for_ingestion,
)

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = REPO / "samples" / "documents"
LOYALTY = Path(sys.executable).with_name("loyalty")
PASSWORD = "E2e-Passw0rd!"

# Uploaded together at the start: an HTML page, a PDF, a corrupt PDF.
HTML = DOCUMENTS / "virgin-atlantic-award-chart.html"
PDF = DOCUMENTS / "united-earning-lufthansa.pdf"
CORRUPT = DOCUMENTS / "bad" / "corrupt.pdf"
BATCH = (HTML, PDF, CORRUPT)
INGESTION_TIMEOUT = 600.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Cloud:
    endpoints: dict[str, Any]
    deployment: Deployment
    state_dir: Path
    session: Any

    def client(self, service: str) -> Any:
        return aws_client(self.session, service, self.endpoints["aws"])

    def api(self, token: str | None) -> ApiClient:
        return ApiClient(self.deployment.api_endpoint, token, requests.Session())


@pytest.fixture(scope="session")
def cloud(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cloud]:
    if shutil.which("terraform") is None:
        pytest.skip("terraform is not installed: the e2e tests deploy with terraform apply")
    if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
        pytest.skip("Java is not installed: the local cloud's Glue runtime needs it")
    built = subprocess.run(
        [sys.executable, str(REPO / "scripts" / "package.py")],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        check=False,
    )
    assert built.returncode == 0, "scripts/package.py failed"

    state_dir = tmp_path_factory.mktemp("localcloud")
    env = {**os.environ, "LOYALTY_LOCAL_STATE": str(state_dir)}
    ports = [_free_port() for _ in range(3)]
    up = subprocess.run(
        [
            str(LOYALTY),
            "local",
            "up",
            "--port",
            str(ports[0]),
            "--neptune-port",
            str(ports[1]),
            "--api-port",
            str(ports[2]),
        ],
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=False,
    )
    assert up.returncode == 0, "loyalty local up failed"
    try:
        endpoints = json.loads(up.stdout)
        deployment = terraform_apply(
            endpoints,
            state_dir / "terraform.tfstate",
            log_file=state_dir / "terraform.log",
        )
        yield Cloud(endpoints, deployment, state_dir, aws_session(endpoints["region"]))
    finally:
        subprocess.run([str(LOYALTY), "local", "down"], env=env, check=False)


@dataclass
class Batch:
    started: float
    uploaded: dict[str, str]
    outcomes: dict[str, dict[str, Any]]
    curator_messages: list[dict[str, Any]]


def _curator_queue(cloud: Cloud) -> str:
    sqs, sns = cloud.client("sqs"), cloud.client("sns")
    url = sqs.create_queue(QueueName="e2e-curator")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    sns.subscribe(
        TopicArn=cloud.deployment.curator_topic_arn,
        Protocol="sqs",
        Endpoint=arn,
        Attributes={"RawMessageDelivery": "true"},
    )
    return str(url)


def drain(cloud: Cloud, queue_url: str, wait: float = 10.0) -> list[dict[str, Any]]:
    sqs = cloud.client("sqs")
    messages: list[dict[str, Any]] = []
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        batch = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        for message in batch:
            body = message["Body"]
            try:
                messages.append(json.loads(body))
            except ValueError:
                messages.append({"text": body})
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        if not batch and messages:
            break
        if not batch:
            time.sleep(1)
    return messages


@pytest.fixture(scope="session")
def batch(cloud: Cloud) -> Batch:
    queue = _curator_queue(cloud)
    s3 = cloud.client("s3")
    started = time.time() - 1
    uploaded = upload_documents(s3, cloud.deployment.documents_bucket, BATCH)
    outcomes = wait_for_ingestion(
        s3,
        cloud.deployment.documents_bucket,
        sorted(uploaded),
        since=started,
        timeout=INGESTION_TIMEOUT,
    )
    assert set(outcomes) == set(uploaded), f"unfinished: {set(uploaded) - set(outcomes)}"
    return Batch(started, uploaded, outcomes, drain(cloud, queue))


@pytest.fixture(scope="session")
def traveller(cloud: Cloud) -> tuple[str, str]:
    """A signed-up traveller: (email, ID token)."""
    email = "e2e-traveller@example.com"
    token = sign_up_user(cloud.client("cognito-idp"), cloud.deployment, email, PASSWORD)
    return email, token
