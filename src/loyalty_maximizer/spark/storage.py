"""Where the Glue jobs read and write: a small object-store port and its two adapters.

``S3Store`` talks to S3 through boto3 (no Hadoop s3a jars, so the same code runs on Glue and
on a laptop's PySpark). Its client is made on first use by a factory, inside whichever
process uses it: a store is pickled into Spark tasks without a client, and every executor
builds its own. ``LocalStore`` is a directory, for local runs and tests. Keys are relative to
the store's root (an S3 prefix or a directory) and use ``/``.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

import boto3
from botocore.exceptions import ClientError

from loyalty_maximizer.errors import LoyaltyError

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# Where each stage writes, below the jobs' output location (the pipeline bucket).
EXTRACTED_PREFIX = "extracted-facts/"  # <documentId>.jsonl, one per ingested document
QUARANTINE_PREFIX = "quarantine/"  # <documentId>.json, why a document was set aside
LOAD_PREFIX = "neptune-load/"  # <run>/*.csv, one Neptune bulk load per run
REPORT_PREFIX = "graph-reports/"  # <run>.json, outside the loader's source prefix


class StorageError(LoyaltyError):
    """An object that cannot be read, or a location that names no store."""

    code = "storage"


class ObjectStore(Protocol):
    def list(self, prefix: str = "") -> list[str]:
        """Keys under ``prefix``, sorted."""
        ...

    def get(self, key: str) -> bytes: ...

    def put(self, key: str, data: bytes) -> None: ...

    def modified(self, key: str) -> dt.datetime:
        """When the object was last written (UTC)."""
        ...

    def url(self, key: str) -> str:
        """Where the object is, for people: ``s3://bucket/key`` or a file path."""
        ...


def s3_client() -> S3Client:
    """A boto3 S3 client; ``AWS_ENDPOINT_URL_S3`` or ``AWS_ENDPOINT_URL`` (a local cloud or
    moto server) replace AWS's endpoint when set."""
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    return boto3.client("s3", endpoint_url=endpoint or None)


class S3Store:
    """Objects under ``prefix`` in ``bucket``."""

    def __init__(
        self, bucket: str, prefix: str = "", client_factory: Callable[[], S3Client] = s3_client
    ) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client_factory = client_factory
        self._client: S3Client | None = None

    def __getstate__(self) -> dict[str, Any]:
        # Clients do not pickle; each process that unpickles a store makes its own.
        return {**self.__dict__, "_client": None}

    @property
    def client(self) -> S3Client:
        if self._client is None:
            self._client = self.client_factory()
        return self._client

    def list(self, prefix: str = "") -> list[str]:
        keys: list[str] = []
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix + prefix
        )
        for page in pages:
            keys.extend(
                o["Key"][len(self.prefix) :]
                for o in page.get("Contents", [])
                if not o["Key"].endswith("/")  # folder placeholders of the S3 console
            )
        return sorted(keys)

    def get(self, key: str) -> bytes:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self.prefix + key)["Body"].read()
        except ClientError as exc:
            raise _storage_error(exc, self.url(key)) from exc

    def put(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self.prefix + key, Body=data)

    def modified(self, key: str) -> dt.datetime:
        try:
            head = self.client.head_object(Bucket=self.bucket, Key=self.prefix + key)
        except ClientError as exc:
            raise _storage_error(exc, self.url(key)) from exc
        return head["LastModified"].astimezone(dt.UTC)

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{self.prefix}{key}"


def _storage_error(exc: ClientError, url: str) -> StorageError:
    code = exc.response.get("Error", {}).get("Code", "")
    if code in {"NoSuchKey", "404", "NotFound"}:
        return StorageError(f"{url}: no such object")
    if code in {"NoSuchBucket"}:
        return StorageError(f"{url}: the bucket does not exist")
    if code in {"AccessDenied", "403"}:
        return StorageError(f"{url}: access denied; check the job role's S3 permissions")
    return StorageError(f"{url}: {code or 'S3 error'}: {exc}")


class LocalStore:
    """Files under the directory ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def list(self, prefix: str = "") -> list[str]:
        if not self.root.is_dir():
            return []
        keys = (p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())
        return sorted(k for k in keys if k.startswith(prefix))

    def get(self, key: str) -> bytes:
        try:
            return (self.root / key).read_bytes()
        except FileNotFoundError as exc:
            raise StorageError(f"{self.url(key)}: no such file") from exc

    def put(self, key: str, data: bytes) -> None:
        path = self.root / key
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write aside and rename, so a reader (or a retried Spark task) never sees half a file.
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        partial.write_bytes(data)
        partial.replace(path)

    def modified(self, key: str) -> dt.datetime:
        try:
            return dt.datetime.fromtimestamp((self.root / key).stat().st_mtime, dt.UTC)
        except FileNotFoundError as exc:
            raise StorageError(f"{self.url(key)}: no such file") from exc

    def url(self, key: str) -> str:
        return str(self.root / key)


def store_for(url: str) -> ObjectStore:
    """The store rooted at ``s3://bucket/prefix`` or at a local directory path."""
    parts = urlsplit(url)
    if parts.scheme == "s3":
        if not parts.netloc:
            raise StorageError(f"{url}: an S3 location is s3://bucket/prefix")
        return S3Store(parts.netloc, parts.path)
    if parts.scheme == "file":
        return LocalStore(Path(parts.path))
    if parts.scheme and len(parts.scheme) > 1:  # a one-letter scheme is a Windows drive
        raise StorageError(f"{url}: use s3://bucket/prefix or a local path")
    return LocalStore(Path(url))


def object_at(url: str) -> tuple[ObjectStore, str]:
    """The store holding the single object at ``url``, and its key there."""
    if url.startswith("s3://"):
        parent, _, name = url.rpartition("/")
        if not name or parent == "s3:/":
            raise StorageError(f"{url}: an S3 object is s3://bucket/key")
        return store_for(parent), name
    path = Path(urlsplit(url).path if url.startswith("file:") else url)
    return LocalStore(path.parent), path.name


def jsonl_objects(url: str) -> list[tuple[ObjectStore, str]]:
    """The JSONL object at ``url``, or every ``.jsonl`` object under it when it is a prefix."""
    if url.endswith(".jsonl"):
        return [object_at(url)]
    store = store_for(url)
    return [(store, key) for key in store.list() if key.endswith(".jsonl")]


def jsonl_lines(data: bytes) -> Iterator[tuple[int, str | None]]:
    """(line number, text) of every non-blank line; the text is None for a line that is not
    UTF-8 (it is still a line, so the reader can say which one was bad)."""
    for number, raw in enumerate(data.split(b"\n"), start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            yield number, None
            continue
        if text.strip():
            yield number, text.rstrip("\r")
