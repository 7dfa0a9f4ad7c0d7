"""Fixtures for the ingestion library's tests: AWS through moto (fake credentials ->
``mock_aws`` -> one client per service -> data), and the documents bucket as the topology
has it (versioned).

- ``s3``, ``sfn``, ``sns``, ``sqs``: clients in ``REGION`` answered by moto.
- ``bucket``: a ``DocumentsBucket`` over a fresh versioned bucket.
- ``upload``: ``upload(name, data) -> RunDocument``, the object put under ``raw/`` and
  described as the trigger would.
- ``stored_keys``, ``sample``, ``textract_pages``: what the bucket holds, sample documents,
  and a recorded two-page Textract analysis.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from uuid import uuid4

import boto3
import pytest
from moto import mock_aws

from loyalty_maximizer.ingestion.bucket import DocumentsBucket
from loyalty_maximizer.ingestion.run import RunDocument
from loyalty_maximizer.ingestion.uploads import Upload, admit_upload

REGION = "eu-west-1"
ROOT = Path(__file__).resolve().parents[3]
DOCUMENTS = ROOT / "samples" / "documents"
TEXTRACT_PAGES = ROOT / "tests" / "unit" / "documents" / "data" / "textract_qatar_earning.json"

UploadFile = Callable[..., RunDocument]


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    with mock_aws():
        yield


@pytest.fixture(scope="session")
def clients() -> dict[str, Any]:
    """One client per service for the whole run (making one takes a noticeable fraction of
    a second); each test's ``mock_aws`` answers them, with that test's fresh state."""
    return {
        service: boto3.client(
            service,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for service in ("s3", "stepfunctions", "sns", "sqs", "textract")
    }


@pytest.fixture
def s3(aws: None, clients: dict[str, Any]) -> Any:
    return clients["s3"]


@pytest.fixture
def sfn(aws: None, clients: dict[str, Any]) -> Any:
    return clients["stepfunctions"]


@pytest.fixture
def sns(aws: None, clients: dict[str, Any]) -> Any:
    return clients["sns"]


@pytest.fixture
def sqs(aws: None, clients: dict[str, Any]) -> Any:
    return clients["sqs"]


@pytest.fixture
def bucket(s3: Any) -> DocumentsBucket:
    name = f"loyalty-test-documents-{uuid4().hex[:12]}"
    s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    return DocumentsBucket(s3, name)


@pytest.fixture
def upload(bucket: DocumentsBucket) -> UploadFile:
    def put(name: str, data: bytes) -> RunDocument:
        key = f"raw/{name}"
        answer = bucket.client.put_object(Bucket=bucket.name, Key=key, Body=data)
        found = Upload(
            bucket=bucket.name,
            key=key,
            size=len(data),
            version_id=answer["VersionId"],
            e_tag=answer["ETag"].strip('"'),
        )
        return admit_upload(found, bucket, max_bytes=5_000_000)

    return put


@pytest.fixture
def stored_keys(bucket: DocumentsBucket) -> Callable[[str], list[str]]:
    """``stored_keys(prefix)``: the keys in the bucket under a prefix, sorted."""

    def listed(prefix: str = "") -> list[str]:
        answer = bucket.client.list_objects_v2(Bucket=bucket.name, Prefix=prefix)
        return sorted(o["Key"] for o in answer.get("Contents", []))

    return listed


@pytest.fixture(scope="session")
def sample() -> Callable[[str], bytes]:
    """``sample(name)``: the bytes of ``samples/documents/<name>``."""
    return lambda name: (DOCUMENTS / name).read_bytes()


@pytest.fixture(scope="session")
def textract_pages() -> list[dict[str, Any]]:
    """Two pages of GetDocumentAnalysis for one job (the first with a NextToken)."""
    pages: list[dict[str, Any]] = json.loads(TEXTRACT_PAGES.read_text(encoding="utf-8"))
    return pages
