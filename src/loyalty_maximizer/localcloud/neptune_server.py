"""The local cloud's Amazon Neptune: Neptune's HTTP API over an embedded knowledge base.

``NeptuneServer`` serves a knowledge-base directory (``graph.embedded``) on 127.0.0.1 with
the endpoints ``graph.neptune.NeptuneClient`` (and curl) use, in Neptune's JSON shapes:

- ``POST /openCypher`` (form ``query`` and ``parameters`` as JSON, or a JSON body; ``GET``
  with the same in the query string) -> ``{"results": [...]}``; nodes and relationships in
  results take Neptune's ``~id``/``~entityType``/``~labels``/``~properties`` form. Errors
  are ``{"code", "detailedMessage", "requestId"}``: ``MalformedQueryException`` (400) for
  a query the engine cannot parse or bind, ``ReadOnlyViolationException`` for writes (the
  graph changes only through the loader here).
- ``GET /status`` -> the instance status (``status: healthy``, ``dbEngineVersion``, ...).
- ``POST /loader`` with Neptune's loader request (``source`` ``s3://bucket/prefix``,
  ``format`` ``opencypher``, ``iamRoleArn``, ``region``, ``failOnError``, ``parallelism``,
  ``updateSingleCardinalityProperties``, ``queueRequest``) -> ``{"status": "200 OK",
  "payload": {"loadId"}}``. The source is listed through the injected S3 client when the
  request arrives (a missing bucket or an empty prefix is a 400, as on Neptune); one worker
  thread then runs the loads in order (``LOAD_IN_QUEUE`` while waiting): it downloads the
  files, reads them with ``read_neptune_csv``'s rules, merges them into the graph by id
  (``graph.upsert``: added or updated, nothing deleted), writes the merged graph as a new
  knowledge base beside the served one and swaps it in. Queries during a load see the old
  graph; a load that fails leaves the graph as it was.
- ``GET /loader/<loadId>`` (``details``, ``errors``, ``page``, ``errorsPerPage``) ->
  ``payload.overallStatus`` (``status``, ``totalRecords``, ``totalTimeSpent``,
  ``parsingErrors``, ``insertErrors``, ...) and, with ``errors=TRUE``,
  ``payload.errors.errorLogs``; ``GET /loader`` lists load ids; ``DELETE /loader/<loadId>``
  cancels a load that has not finished.

Requests are not authenticated: SigV4 headers are accepted and ignored. Parse errors fail
the whole load whatever ``failOnError`` says (the files are read all or nothing); records
that contradict the graph (a node under another label, a relationship with other ends) are
insert errors, which ``failOnError=FALSE`` skips.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import queue
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs, unquote, urlsplit

from botocore.exceptions import BotoCoreError, ClientError

from loyalty_maximizer.graph.build import GraphRows
from loyalty_maximizer.graph.embedded import (
    MANIFEST,
    EmbeddedGraph,
    open_knowledge_base,
    write_knowledge_base,
)
from loyalty_maximizer.graph.neptune_csv import NeptuneCsvError
from loyalty_maximizer.graph.upsert import graph_rows_of, read_load, upsert_rows

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

log = logging.getLogger(__name__)

DB_ENGINE_VERSION = "1.4.5.1.R1"
OPENCYPHER_VERSION = "Neptune-9.0.20190305-1.0"
MAX_QUEUED_LOADS = 64  # Neptune queues at most 64 loads
DEFAULT_ERRORS_PER_PAGE = 10

LOAD_NOT_STARTED = "LOAD_NOT_STARTED"
LOAD_IN_QUEUE = "LOAD_IN_QUEUE"
LOAD_IN_PROGRESS = "LOAD_IN_PROGRESS"
LOAD_COMPLETED = "LOAD_COMPLETED"
LOAD_FAILED = "LOAD_FAILED"
LOAD_CANCELLED_BY_USER = "LOAD_CANCELLED_BY_USER"
LOAD_UNEXPECTED_ERROR = "LOAD_UNEXPECTED_ERROR"
_UNFINISHED = frozenset({LOAD_NOT_STARTED, LOAD_IN_QUEUE, LOAD_IN_PROGRESS})

_PARALLELISM = frozenset({"LOW", "MEDIUM", "HIGH", "OVERSUBSCRIBE"})
_MODES = frozenset({"RESUME", "NEW", "AUTO"})
# Where a bulk-load file error points: "<path>:<line>: ..." (line 1 is the header).
_ERROR_PLACE = re.compile(r"^(?P<path>\S+?\.csv):(?P<line>\d+):")
# The knowledge base being built for a load, and the one it replaced, sit in the served
# directory (one file system, so the swap is renames).
_STAGING_PREFIX = ".neptune-load-"
_REPLACED_PREFIX = ".neptune-replaced-"


class NeptuneApiError(Exception):
    """An error answer in Neptune's shape: HTTP status, Neptune's ``code`` and its words."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"requestId": str(uuid.uuid4()), "code": self.code, "detailedMessage": self.message}


def _bad_request(message: str) -> NeptuneApiError:
    return NeptuneApiError(400, "BadRequestException", message)


# --- query results ------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)  # timedelta, UUID and whatever else the engine returns


def _query_error(error: Exception) -> NeptuneApiError:
    message = str(error).strip() or type(error).__name__
    if message.startswith(("Parser exception", "Binder exception")):
        return NeptuneApiError(400, "MalformedQueryException", message)
    if "read-only" in message or "read only" in message:
        return NeptuneApiError(
            400,
            "ReadOnlyViolationException",
            f"{message} (the local Neptune changes the graph only through the bulk loader)",
        )
    if message.startswith("Parameter"):
        return NeptuneApiError(400, "InvalidParameterException", message)
    return NeptuneApiError(400, "BadRequestException", message)


class _ResultShaper:
    """Engine values as Neptune answers them: nodes, relationships and paths as maps."""

    def __init__(self, graph: EmbeddedGraph, tables: dict[int, str]) -> None:
        self._graph = graph
        self._tables = tables
        self._node_ids: dict[tuple[int, int], str] = {}

    def value(self, value: Any) -> Any:
        if isinstance(value, dict):
            if "_NODES" in value and "_RELS" in value:
                return self._path(value)
            if "_SRC" in value and "_DST" in value and "_LABEL" in value:
                return self._relationship(value)
            if "_ID" in value and "_LABEL" in value:
                return self._node(value)
            return {str(k): self.value(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [self.value(v) for v in value]
        return value

    @staticmethod
    def _properties(value: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in value.items() if not k.startswith("_") and v is not None}

    def _node(self, value: dict[str, Any]) -> dict[str, Any]:
        properties = self._properties(value)
        return {
            "~id": str(properties.get("id", self._internal(value["_ID"]))),
            "~entityType": "node",
            "~labels": [value["_LABEL"]],
            "~properties": properties,
        }

    def _relationship(self, value: dict[str, Any]) -> dict[str, Any]:
        properties = self._properties(value)
        return {
            "~id": str(properties.get("id", self._internal(value["_ID"]))),
            "~entityType": "relationship",
            "~start": self._node_id(value["_SRC"]),
            "~end": self._node_id(value["_DST"]),
            "~type": value["_LABEL"],
            "~properties": properties,
        }

    def _path(self, value: dict[str, Any]) -> list[Any]:
        nodes = [self.value(n) for n in value["_NODES"]]
        relationships = [self.value(r) for r in value["_RELS"]]
        path: list[Any] = []
        for index, node in enumerate(nodes):
            path.append(node)
            if index < len(relationships):
                path.append(relationships[index])
        return path

    @staticmethod
    def _internal(internal: Any) -> str:
        if isinstance(internal, dict):
            return f"{internal.get('table')}:{internal.get('offset')}"
        return str(internal)

    def _node_id(self, internal: Any) -> str:
        """The id property of the node an engine-internal id points at."""
        if not isinstance(internal, dict):
            return str(internal)
        key = (int(internal["table"]), int(internal["offset"]))
        if key not in self._node_ids:
            label = self._tables.get(key[0])
            rows = (
                self._graph.query(
                    f"MATCH (n:`{label}`) WHERE offset(id(n)) = $offset RETURN n.id AS id",
                    {"offset": key[1]},
                )
                if label
                else []
            )
            self._node_ids[key] = str(rows[0]["id"]) if rows else self._internal(internal)
        return self._node_ids[key]


# --- loads ----------------------------------------------------------------------------------


@dataclass
class _Load:
    load_id: str
    source: str
    bucket: str
    keys: list[str]
    fail_on_error: bool
    status: str
    start_time: int  # epoch seconds of the request, as Neptune reports startTime
    started: float | None = None  # monotonic, when the worker took it
    finished: float | None = None
    cancel: bool = False
    feed_status: str | None = None  # a failed feed's own status (LOAD_S3_READ_ERROR, ...)
    total_records: int = 0
    total_duplicates: int = 0
    parsing_errors: int = 0
    datatype_mismatch_errors: int = 0
    insert_errors: int = 0
    error_logs: list[dict[str, Any]] = field(default_factory=list)

    def time_spent(self) -> int:
        if self.started is None:
            return 0
        return round((self.finished or time.monotonic()) - self.started)

    def counters(self, status: str) -> dict[str, Any]:
        return {
            "fullUri": self.source,
            "runNumber": 1,
            "retryNumber": 0,
            "status": status,
            "totalTimeSpent": self.time_spent(),
            "startTime": self.start_time,
            "totalRecords": self.total_records,
            "totalDuplicates": self.total_duplicates,
            "parsingErrors": self.parsing_errors,
            "datatypeMismatchErrors": self.datatype_mismatch_errors,
            "insertErrors": self.insert_errors,
        }


def _flag(request: Mapping[str, Any], name: str, default: bool) -> bool:
    value = request.get(name)
    if value is None:
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().upper()
    if text not in ("TRUE", "FALSE"):
        raise _bad_request(f"{name} must be TRUE or FALSE, not {value!r}")
    return text == "TRUE"


def _split_source(source: Any) -> tuple[str, str]:
    if not isinstance(source, str) or not source:
        raise _bad_request("source is required: the s3://bucket/prefix of the files to load")
    parts = urlsplit(source)
    if parts.scheme != "s3" or not parts.netloc:
        raise _bad_request(
            f"source {source!r} is not an s3://bucket/key URI (the local Neptune loads from "
            "S3 URIs only)"
        )
    return parts.netloc, unquote(parts.path.lstrip("/"))


# --- the server -----------------------------------------------------------------------------


class NeptuneServer:
    """Neptune's HTTP API over the knowledge base in ``kb_dir`` (an empty or new directory
    starts as an empty graph). ``start()`` serves it on ``host:port`` (port 0: a free one,
    see ``url``); ``stop()`` stops serving, lets a running load finish and closes the graph.
    The endpoint methods (``query``, ``start_load``, ``load_status``, ``status``) also work
    without HTTP, and ``handle`` answers one request, for a caller that serves HTTP itself."""

    def __init__(
        self,
        kb_dir: Path,
        s3_client: S3Client,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.kb_dir = Path(kb_dir)
        self.host = host
        self.port = port
        self._s3 = s3_client
        self._graph: EmbeddedGraph | None = None
        self._tables: dict[int, str] = {}
        self._graph_lock = threading.Lock()  # one query, or the swap, at a time
        self._loads: dict[str, _Load] = {}
        self._loads_lock = threading.Lock()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._worker: threading.Thread | None = None
        self._httpd: _HttpServer | None = None
        self._http_thread: threading.Thread | None = None
        self._started_at = dt.datetime.now(dt.UTC)

    # lifecycle

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> NeptuneServer:
        if self._httpd is not None:
            raise RuntimeError("the Neptune server is already running")
        httpd = _HttpServer((self.host, self.port), self)  # binds: a taken port fails here
        try:
            self.open_graph()
        except BaseException:
            httpd.server_close()
            raise
        self._httpd = httpd
        self.port = int(httpd.server_address[1])
        self._worker = threading.Thread(target=self._run_loads, name="neptune-loader", daemon=True)
        self._worker.start()
        self._http_thread = threading.Thread(
            target=self._httpd.serve_forever, name="neptune-http", daemon=True
        )
        self._http_thread.start()
        self._started_at = dt.datetime.now(dt.UTC)
        log.info("Neptune endpoint %s serving %s", self.url, self.kb_dir)
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._http_thread is not None:
            self._http_thread.join()
            self._http_thread = None
        if self._worker is not None:
            with self._loads_lock:
                for load in self._loads.values():
                    load.cancel = True
                    if load.status in (LOAD_NOT_STARTED, LOAD_IN_QUEUE):
                        load.status = LOAD_CANCELLED_BY_USER
            self._queue.put(None)
            self._worker.join()
            self._worker = None
        with self._graph_lock:
            if self._graph is not None:
                self._graph.close()
                self._graph = None

    def __enter__(self) -> NeptuneServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def open_graph(self) -> None:
        """Open the knowledge base (creating an empty one in an empty or new directory)."""
        with self._graph_lock:
            if self._graph is not None:
                return
            for leftover in self.kb_dir.glob(f"{_STAGING_PREFIX}*"):
                shutil.rmtree(leftover, ignore_errors=True)
            if not (self.kb_dir / MANIFEST).exists():
                write_knowledge_base(self.kb_dir, GraphRows([], []))
            self._open_locked()

    def _open_locked(self) -> None:
        graph = open_knowledge_base(self.kb_dir)
        self._tables = {
            int(row["id"]): str(row["name"])
            for row in graph.query("CALL show_tables() RETURN *")
            if str(row.get("type", "")).upper() == "NODE"
        }
        self._graph = graph

    # openCypher

    def query(self, text: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        """The rows of an openCypher query in Neptune's result shape; raises NeptuneApiError."""
        if not text.strip():
            raise NeptuneApiError(400, "MissingParameterException", "query is required")
        with self._graph_lock:
            if self._graph is None:
                raise NeptuneApiError(
                    503, "ServiceUnavailableException", "the graph is not open: start() first"
                )
            try:
                rows = self._graph.query(text, dict(params or {}))
            except Exception as error:
                raise _query_error(error) from error
            shaper = _ResultShaper(self._graph, self._tables)
            return [{name: shaper.value(value) for name, value in row.items()} for row in rows]

    def status(self) -> dict[str, Any]:
        return {
            "status": "healthy",
            "startTime": self._started_at.strftime("%a %b %d %H:%M:%S UTC %Y"),
            "dbEngineVersion": DB_ENGINE_VERSION,
            "role": "writer",
            "dfeQueryEngine": "viaQueryHint",
            "gremlin": {"version": "unsupported"},
            "sparql": {"version": "unsupported"},
            "opencypher": {"version": OPENCYPHER_VERSION},
            "labMode": {},
            "features": {"IAMAuthentication": "disabled", "Streams": "disabled"},
            "settings": {"clusterQueryTimeoutInMs": "120000"},
        }

    # loader

    def start_load(self, request: Mapping[str, Any]) -> str:
        """Check and queue a bulk load; its loadId. Raises NeptuneApiError as Neptune answers
        a request it refuses (400s) or cannot serve (500s)."""
        bucket, prefix = _split_source(request.get("source"))
        source = str(request["source"])
        fmt = str(request.get("format") or "")
        if fmt.lower() != "opencypher":
            raise _bad_request(
                f"format {fmt or '(none)'!r} is not supported here: the local Neptune loads "
                "the opencypher CSV format"
            )
        if not request.get("iamRoleArn"):
            raise _bad_request("Couldn't find the AWS credential for iam_role_arn")
        if not (request.get("region") or request.get("s3BucketRegion")):
            raise _bad_request("region is required: the AWS region of the source bucket")
        fail_on_error = _flag(request, "failOnError", True)
        queue_request = _flag(request, "queueRequest", False)
        _flag(request, "updateSingleCardinalityProperties", False)
        parallelism = str(request.get("parallelism") or "MEDIUM").upper()
        if parallelism not in _PARALLELISM:
            raise _bad_request(f"parallelism must be one of {', '.join(sorted(_PARALLELISM))}")
        mode = str(request.get("mode") or "AUTO").upper()
        if mode not in _MODES:
            raise _bad_request(f"mode must be one of {', '.join(sorted(_MODES))}")
        keys = self._list_source(bucket, prefix, source, str(request.get("region") or ""))
        with self._loads_lock:
            waiting = sum(1 for load in self._loads.values() if load.status in _UNFINISHED)
            if waiting and not queue_request:
                raise _bad_request(
                    f"Failed to start new load for the source {source}. Max concurrent load "
                    "limit breached; set queueRequest to TRUE to queue it"
                )
            if waiting > MAX_QUEUED_LOADS:
                raise _bad_request(
                    f"Failed to start new load for the source {source}. Max queued load "
                    f"requests limit ({MAX_QUEUED_LOADS}) breached"
                )
            load = _Load(
                load_id=str(uuid.uuid4()),
                source=source,
                bucket=bucket,
                keys=keys,
                fail_on_error=fail_on_error,
                status=LOAD_IN_QUEUE if waiting else LOAD_NOT_STARTED,
                start_time=int(time.time()),
            )
            self._loads[load.load_id] = load
        self._queue.put(load.load_id)
        return load.load_id

    def _list_source(self, bucket: str, prefix: str, source: str, region: str) -> list[str]:
        keys: list[str] = []
        try:
            for page in self._s3.get_paginator("list_objects_v2").paginate(
                Bucket=bucket, Prefix=prefix
            ):
                keys.extend(
                    obj["Key"]
                    for obj in page.get("Contents", [])
                    if not obj["Key"].endswith("/") and obj.get("Size", 1) > 0
                )
        except ClientError as error:
            code = str(error.response.get("Error", {}).get("Code", ""))
            if code == "NoSuchBucket":
                raise _bad_request(f"S3 bucket not found for source {source}") from error
            if code in ("AccessDenied", "403"):
                raise _bad_request(f"Unable to perform S3 list operation on {source}") from error
            raise NeptuneApiError(
                500,
                "InternalFailureException",
                f"Failed to start load because of unknown error from S3: {code}",
            ) from error
        except BotoCoreError as error:
            raise NeptuneApiError(
                500,
                "InternalFailureException",
                f"Unable to connect to S3 endpoint. Provided source = {source} and region = "
                f"{region}: {error}",
            ) from error
        if not keys:
            raise _bad_request(f"The source {source} does not exist/not reachable")
        return sorted(keys)

    def load_ids(self) -> list[str]:
        with self._loads_lock:
            return list(self._loads)

    def _load(self, load_id: str) -> _Load:
        load = self._loads.get(load_id)
        if load is None:
            raise NeptuneApiError(
                404, "BulkLoadIdNotFoundException", f"The load with id {load_id} does not exist"
            )
        return load

    def load_status(
        self,
        load_id: str,
        *,
        details: bool = False,
        errors: bool = False,
        page: int = 1,
        errors_per_page: int = DEFAULT_ERRORS_PER_PAGE,
    ) -> dict[str, Any]:
        """``GET /loader/<loadId>``'s answer."""
        with self._loads_lock:
            load = self._load(load_id)
            payload: dict[str, Any] = {"overallStatus": load.counters(load.status)}
            if details:
                payload["feedCount"] = [{load.feed_status or load.status: 1}]
                if load.feed_status is not None or load.status in (
                    LOAD_FAILED,
                    LOAD_UNEXPECTED_ERROR,
                ):
                    payload["failedFeeds"] = [load.counters(load.feed_status or load.status)]
            if errors:
                page, per_page = max(page, 1), max(errors_per_page, 1)
                shown = load.error_logs[(page - 1) * per_page : page * per_page]
                start = (page - 1) * per_page + 1 if shown else 0
                payload["errors"] = {
                    "startIndex": start,
                    "endIndex": start + len(shown) - 1 if shown else 0,
                    "loadId": load_id,
                    "errorLogs": [dict(e) for e in shown],
                }
        return {"status": "200 OK", "payload": payload}

    def cancel_load(self, load_id: str) -> None:
        """Cancel a load that has not finished (a running one stops before it changes the
        graph)."""
        with self._loads_lock:
            load = self._load(load_id)
            if load.status not in _UNFINISHED:
                raise _bad_request(f"Load {load_id} has already finished ({load.status})")
            load.cancel = True
            if load.status != LOAD_IN_PROGRESS:
                load.status = LOAD_CANCELLED_BY_USER

    def wait_for_loads(self, timeout: float = 60.0) -> None:
        """Block until no load is queued or running (tests and scripts)."""
        deadline = time.monotonic() + timeout
        while True:
            with self._loads_lock:
                if not any(load.status in _UNFINISHED for load in self._loads.values()):
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"loads still running after {timeout} s")
            time.sleep(0.02)

    def _run_loads(self) -> None:
        while True:
            load_id = self._queue.get()
            if load_id is None:
                return
            load = self._loads[load_id]
            with self._loads_lock:
                if load.status == LOAD_CANCELLED_BY_USER:
                    continue
                load.status = LOAD_IN_PROGRESS
                load.started = time.monotonic()
            try:
                status = self._run_load(load)
            except Exception as error:
                log.exception("Neptune load %s failed unexpectedly", load.load_id)
                self._error(load, "UNEXPECTED_ERROR", f"{type(error).__name__}: {error}")
                status = LOAD_UNEXPECTED_ERROR
            with self._loads_lock:
                load.status = status
                load.finished = time.monotonic()

    def _error(
        self, load: _Load, code: str, message: str, file_name: str | None = None, record: int = 0
    ) -> None:
        with self._loads_lock:
            load.error_logs.append(
                {
                    "errorCode": code,
                    "errorMessage": message,
                    "fileName": file_name or load.source,
                    "recordNum": record,
                }
            )

    def _run_load(self, load: _Load) -> str:
        with tempfile.TemporaryDirectory(prefix="neptune-load-") as tmp:
            files: dict[str, str] = {}  # local path -> s3 URI
            for number, key in enumerate(load.keys):
                uri = f"s3://{load.bucket}/{key}"
                path = Path(tmp) / f"{number:05d}.csv"
                try:
                    body = self._s3.get_object(Bucket=load.bucket, Key=key)["Body"]
                    with path.open("wb") as handle:
                        shutil.copyfileobj(body, handle)
                except (ClientError, BotoCoreError) as error:
                    code = (
                        str(error.response.get("Error", {}).get("Code", ""))
                        if isinstance(error, ClientError)
                        else ""
                    )
                    load.feed_status = (
                        "LOAD_S3_ACCESS_DENIED_ERROR"
                        if code in ("AccessDenied", "403")
                        else "LOAD_DATA_FAILED_DUE_TO_FEED_MODIFIED_OR_DELETED"
                        if code in ("NoSuchKey", "404")
                        else "LOAD_S3_READ_ERROR"
                    )
                    self._error(load, load.feed_status, f"{uri}: {error}", uri)
                    return LOAD_FAILED
                files[str(path)] = uri
            with self._graph_lock:
                if self._graph is None:
                    raise RuntimeError("the graph was closed during the load")
                current = graph_rows_of(self._graph)
            try:
                loaded = read_load(Path(tmp), current)
            except NeptuneCsvError as error:
                self._csv_error(load, str(error), files)
                return LOAD_FAILED
        load.total_records = len(loaded.nodes) + len(loaded.edges)
        merged = upsert_rows(current, loaded)
        load.total_duplicates = merged.unchanged
        for conflict in merged.conflicts:
            load.insert_errors += 1
            self._error(load, "INSERT_ERROR", conflict.message)
        if merged.conflicts and load.fail_on_error:
            return LOAD_FAILED
        if load.cancel:
            return LOAD_CANCELLED_BY_USER
        if merged.added or merged.updated:
            self._replace_graph(merged.rows, load.load_id)
        return LOAD_COMPLETED

    def _csv_error(self, load: _Load, message: str, files: Mapping[str, str]) -> None:
        place = _ERROR_PLACE.match(message)
        file_name, record = None, 0
        if place is not None:
            file_name = files.get(place["path"])
            record = int(place["line"])
        for local, uri in files.items():
            message = message.replace(local, uri)
        if "no node file holds" in message:
            load.insert_errors += 1
            code = "FROM_OR_TO_VERTEX_ARE_MISSING"
        elif re.search(r"is not a (String|Long|Double|Bool)\b", message):
            load.datatype_mismatch_errors += 1
            code = "DATATYPE_MISMATCH"
        else:
            load.parsing_errors += 1
            code = "PARSING_ERROR"
        self._error(load, code, message, file_name, record)

    def _replace_graph(self, rows: GraphRows, load_id: str) -> None:
        """Build the new knowledge base beside the served one, then swap it in."""
        staging = self.kb_dir / f"{_STAGING_PREFIX}{load_id}"
        replaced = self.kb_dir / f"{_REPLACED_PREFIX}{load_id}"
        names = ("graph", MANIFEST)
        try:
            write_knowledge_base(staging, rows)
            with self._graph_lock:
                if self._graph is not None:
                    self._graph.close()
                    self._graph = None
                replaced.mkdir()
                for name in names:
                    if (self.kb_dir / name).exists():
                        (self.kb_dir / name).rename(replaced / name)
                try:
                    for name in names:
                        (staging / name).rename(self.kb_dir / name)
                    self._open_locked()
                except Exception:
                    for name in names:  # put the old graph back
                        if (replaced / name).exists():
                            target = self.kb_dir / name
                            if target.is_dir():
                                shutil.rmtree(target)
                            elif target.exists():
                                target.unlink()
                            (replaced / name).rename(target)
                    self._open_locked()
                    raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(replaced, ignore_errors=True)

    # HTTP

    def handle(
        self, method: str, path: str, query_string: str, body: bytes, content_type: str
    ) -> tuple[int, dict[str, Any]]:
        """One HTTP request's status and JSON answer."""
        try:
            return 200, self._route(method.upper(), path, query_string, body, content_type)
        except NeptuneApiError as error:
            return error.status, error.body()
        except Exception as error:
            log.exception("Neptune request %s %s failed", method, path)
            failure = NeptuneApiError(500, "InternalFailureException", f"{error}")
            return failure.status, failure.body()

    def _route(
        self, method: str, path: str, query_string: str, body: bytes, content_type: str
    ) -> dict[str, Any]:
        path = "/" + path.strip("/")
        args = _form(query_string)
        if path.lower() == "/opencypher":
            _allow(method, path, "GET", "POST")
            if method == "POST":
                args |= _request_body(body, content_type)
            return {"results": self.query(_text(args, "query"), _parameters(args))}
        if path == "/status":
            _allow(method, path, "GET")
            return self.status()
        if path == "/loader":
            _allow(method, path, "GET", "POST")
            if method == "GET":
                return {"status": "200 OK", "payload": {"loadIds": self.load_ids()}}
            return {
                "status": "200 OK",
                "payload": {"loadId": self.start_load(args | _request_body(body, content_type))},
            }
        if path.startswith("/loader/"):
            load_id = unquote(path.removeprefix("/loader/"))
            _allow(method, path, "GET", "DELETE")
            if method == "DELETE":
                self.cancel_load(load_id)
                return {"status": "200 OK", "payload": {}}
            return self.load_status(
                load_id,
                details=_flag(args, "details", False),
                errors=_flag(args, "errors", False),
                page=_number(args, "page", 1),
                errors_per_page=_number(args, "errorsPerPage", DEFAULT_ERRORS_PER_PAGE),
            )
        raise NeptuneApiError(400, "BadRequestException", f"Bad request URI: {path}")


def _allow(method: str, path: str, *methods: str) -> None:
    if method not in methods:
        raise NeptuneApiError(
            405, "MethodNotAllowedException", f"{method} is not allowed on {path}"
        )


def _form(text: str) -> dict[str, Any]:
    return {k: v[-1] for k, v in parse_qs(text, keep_blank_values=True).items()}


def _request_body(body: bytes, content_type: str) -> dict[str, Any]:
    if not body.strip():
        return {}
    kind = content_type.split(";")[0].strip().lower()
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _bad_request("the request body is not UTF-8") from error
    if kind == "application/x-www-form-urlencoded":
        return _form(text)
    try:
        parsed = json.loads(text)
    except ValueError as error:
        raise _bad_request(f"the request body is not JSON: {error}") from error
    if not isinstance(parsed, dict):
        raise _bad_request("the request body must be a JSON object")
    return parsed


def _text(args: Mapping[str, Any], name: str) -> str:
    value = args.get(name)
    if not isinstance(value, str) or not value.strip():
        raise NeptuneApiError(400, "MissingParameterException", f"{name} is required")
    return value


def _parameters(args: Mapping[str, Any]) -> dict[str, Any]:
    value = args.get("parameters")
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as error:
            raise NeptuneApiError(
                400, "InvalidParameterException", f"parameters is not JSON: {error}"
            ) from error
    if not isinstance(value, dict):
        raise NeptuneApiError(
            400, "InvalidParameterException", "parameters must be a JSON object (a map)"
        )
    return value


def _number(args: Mapping[str, Any], name: str, default: int) -> int:
    value = args.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise _bad_request(f"{name} must be a number, not {value!r}") from error


class _Handler(BaseHTTPRequestHandler):
    server: _HttpServer
    protocol_version = "HTTP/1.1"  # keep-alive, as clients with a session expect
    timeout = 60  # an idle keep-alive connection is closed after this

    def _serve(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, answer = self.server.app.handle(
            self.command, parts.path, parts.query, body, self.headers.get("Content-Type", "")
        )
        data = json.dumps(answer, default=_json_default, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=UTF-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_DELETE = _serve  # noqa: N815 (http.server's names)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("%s %s", self.address_string(), format % args)


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], app: NeptuneServer) -> None:
        self.app = app
        super().__init__(address, _Handler)


def serve(
    kb_dir: Path,
    s3_client: S3Client,
    host: str = "127.0.0.1",
    port: int = 8182,
    *,
    ready: Callable[[str], None] | None = None,
    stop: threading.Event | None = None,
) -> None:
    """Serve ``kb_dir`` until ``stop`` is set (or Ctrl-C); ``ready(url)`` once it listens."""
    server = NeptuneServer(kb_dir, s3_client, host, port).start()
    try:
        if ready is not None:
            ready(server.url)
        with contextlib.suppress(KeyboardInterrupt):
            (stop or threading.Event()).wait()
    finally:
        server.stop()
