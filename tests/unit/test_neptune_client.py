"""The Neptune client against a local fake of Neptune's HTTP API.

The fake checks every request's SigV4 signature the way Neptune's IAM authentication does
(service ``neptune-db``, the cluster's region, the signature itself) and answers
``/openCypher``, ``/loader`` and ``/loader/<loadId>`` in Neptune's JSON shapes.
"""

from __future__ import annotations

import hmac
import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from loyalty_maximizer.graph.neptune import (
    LoadStatus,
    NeptuneClient,
    NeptuneError,
    NeptuneLoadError,
    NeptuneLoadTimeout,
)

REGION = "eu-west-1"
ACCESS_KEY, SECRET_KEY = "AKID", "SECRET"
ROLE_ARN = "arn:aws:iam::123456789012:role/neptune-load"
LOAD_ID = "ef478d76-d9da-4d94-8ff1-08d9d4863aa5"

_AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, SignedHeaders=(?P<signed>[a-z0-9;-]+), "
    r"Signature=(?P<signature>[0-9a-f]{64})"
)


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    credential_scope: str


@dataclass
class FakeNeptune:
    """Neptune's HTTP API as far as the client uses it; scripted by each test."""

    url: str = ""
    received: list[Received] = field(default_factory=list)
    results: list[dict[str, Any]] = field(default_factory=list)
    load_statuses: list[dict[str, Any]] = field(default_factory=list)  # answered in turn
    failure: tuple[int, bytes] | None = None  # answered instead of any route
    delay: float = 0.0


def _signature_problem(
    method: str, target: str, headers: dict[str, str], body: bytes, secret: str
) -> str | None:
    """Why a request's SigV4 signature is not valid for neptune-db in REGION, or None."""
    match = _AUTHORIZATION.fullmatch(headers.get("authorization", ""))
    if match is None:
        return "no SigV4 Authorization header"
    if match["service"] != "neptune-db" or match["region"] != REGION:
        return f"credential scope is for {match['service']} in {match['region']}"
    amz_date = headers.get("x-amz-date", "")
    if not amz_date.startswith(match["date"]):
        return "X-Amz-Date is missing or differs from the credential scope's date"
    signed = match["signed"].split(";")
    if not {"host", "x-amz-date"} <= set(signed):
        return "host and x-amz-date are not signed"
    request = AWSRequest(
        method=method,
        url=f"http://{headers['host']}{target}",
        data=body,
        headers={name: headers[name] for name in signed},
    )
    request.context["timestamp"] = amz_date
    signer = SigV4Auth(Credentials(match["key"], secret), "neptune-db", REGION)
    expected = signer.signature(
        signer.string_to_sign(request, signer.canonical_request(request)), request
    )
    return None if hmac.compare_digest(expected, match["signature"]) else "signature mismatch"


def _handler(fake: FakeNeptune) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: bytes | dict[str, Any]) -> None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json;charset=UTF-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout test)

        def _handle(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {k.lower(): v for k, v in self.headers.items()}
            problem = _signature_problem(self.command, self.path, headers, body, SECRET_KEY)
            if problem is not None:
                self._answer(
                    403,
                    {
                        "requestId": "req-denied",
                        "code": "AccessDeniedException",
                        "detailedMessage": f"Authentication failed: {problem}",
                    },
                )
                return
            scope = _AUTHORIZATION.fullmatch(headers["authorization"])
            assert scope is not None
            split = urlsplit(self.path)
            fake.received.append(
                Received(
                    self.command,
                    split.path,
                    parse_qs(split.query),
                    headers,
                    body,
                    f"{scope['key']}/{scope['date']}/{scope['region']}/{scope['service']}",
                )
            )
            time.sleep(fake.delay)
            if fake.failure is not None:
                self._answer(*fake.failure)
            elif (self.command, split.path) == ("POST", "/openCypher"):
                self._answer(200, {"results": fake.results})
            elif (self.command, split.path) == ("POST", "/loader"):
                self._answer(200, {"status": "200 OK", "payload": {"loadId": LOAD_ID}})
            elif self.command == "GET" and split.path == f"/loader/{LOAD_ID}":
                status = fake.load_statuses.pop(0) if len(fake.load_statuses) > 1 else None
                self._answer(200, status or fake.load_statuses[0])
            else:
                self._answer(
                    400,
                    {
                        "requestId": "req-bad",
                        "code": "BadRequestException",
                        "detailedMessage": f"no such route {self.command} {split.path}",
                    },
                )

        def do_GET(self) -> None:
            self._handle()

        def do_POST(self) -> None:
            self._handle()

    return Handler


def load_answer(
    status: str, total_records: int = 0, error_logs: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "feedCount": [{status: 1}],
        "overallStatus": {
            "fullUri": "s3://kb-bucket/neptune-load/",
            "runNumber": 1,
            "retryNumber": 0,
            "status": status,
            "totalTimeSpent": 4,
            "totalRecords": total_records,
            "totalDuplicates": 0,
            "parsingErrors": len(error_logs or []),
            "datatypeMismatchErrors": 0,
            "insertErrors": 0,
        },
    }
    if error_logs is not None:
        payload["errors"] = {
            "startIndex": 1,
            "endIndex": len(error_logs),
            "loadId": LOAD_ID,
            "errorLogs": error_logs,
        }
    return {"status": "200 OK", "payload": payload}


@pytest.fixture
def fake_neptune() -> Iterator[FakeNeptune]:
    fake = FakeNeptune()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


@pytest.fixture
def client(fake_neptune: FakeNeptune, http: requests.Session) -> NeptuneClient:
    return NeptuneClient(
        fake_neptune.url, REGION, Credentials(ACCESS_KEY, SECRET_KEY), http, timeout=5.0
    )


class FakeSleep:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


# openCypher


def test_query__returns_the_result_rows(client: NeptuneClient, fake_neptune: FakeNeptune) -> None:
    # GIVEN Neptune answers two rows
    rows: list[dict[str, Any]] = [
        {"programId": "UA_MILEAGEPLUS", "ratio": 1.5},
        {"programId": "AC_AEROPLAN", "ratio": None},
    ]
    fake_neptune.results = rows

    # WHEN a query runs
    answer = client.query("MATCH (n:LoyaltyProgram) RETURN n.programId AS programId")

    # THEN the rows come back as Neptune sent them, and the query went to /openCypher
    assert answer == rows
    [request] = fake_neptune.received
    assert (request.method, request.path) == ("POST", "/openCypher")
    form = parse_qs(request.body.decode())
    assert form["query"] == ["MATCH (n:LoyaltyProgram) RETURN n.programId AS programId"]
    assert "parameters" not in form


def test_query__sends_parameters_as_a_json_string(
    client: NeptuneClient, fake_neptune: FakeNeptune
) -> None:
    # GIVEN parameters with a list, unicode and characters that need form encoding
    params = {"programIds": ["AMEX_MR", "UA_MILEAGEPLUS"], "name": "Zürich & Genève=1"}

    # WHEN the query runs with them
    client.query("MATCH (n) WHERE n.programId IN $programIds RETURN n.id AS id", params)

    # THEN the form field "parameters" holds them JSON-encoded, as Neptune expects
    [request] = fake_neptune.received
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = parse_qs(request.body.decode())
    assert json.loads(form["parameters"][0]) == params


def test_query__answer_without_results__raises(
    client: NeptuneClient, fake_neptune: FakeNeptune
) -> None:
    # GIVEN Neptune answers 200 with some other JSON
    fake_neptune.failure = (200, b'{"head": {"vars": []}}')

    # WHEN / THEN the client refuses to guess
    with pytest.raises(NeptuneError, match="without a results list"):
        client.query("MATCH (n) RETURN n")


# Signing


def test_request__is_signed_with_sigv4_for_neptune_db_in_the_region(
    client: NeptuneClient, fake_neptune: FakeNeptune
) -> None:
    # WHEN a query runs (the fake answers 403 to any request whose signature it rejects)
    client.query("RETURN 1 AS one")

    # THEN the credential scope names the key, neptune-db and the region, with X-Amz-Date
    [request] = fake_neptune.received
    assert request.credential_scope.startswith(f"{ACCESS_KEY}/")
    assert request.credential_scope.endswith(f"/{REGION}/neptune-db")
    assert re.fullmatch(r"\d{8}T\d{6}Z", request.headers["x-amz-date"])


def test_request__temporary_credentials__send_and_sign_the_session_token(
    fake_neptune: FakeNeptune, http: requests.Session
) -> None:
    # GIVEN a client with a role's temporary credentials
    credentials = Credentials(ACCESS_KEY, SECRET_KEY, "SESSION-TOKEN")
    client = NeptuneClient(fake_neptune.url, REGION, credentials, http)

    # WHEN it sends a request
    client.query("RETURN 1 AS one")

    # THEN the token travels in X-Amz-Security-Token and is covered by the signature
    [request] = fake_neptune.received
    assert request.headers["x-amz-security-token"] == "SESSION-TOKEN"
    assert "x-amz-security-token" in request.headers["authorization"]


@pytest.mark.parametrize(
    ("region", "secret"),
    [("us-east-1", SECRET_KEY), (REGION, "WRONG-SECRET")],
    ids=["wrong-region", "wrong-secret"],
)
def test_request__bad_signature__raises_access_denied(
    fake_neptune: FakeNeptune, http: requests.Session, region: str, secret: str
) -> None:
    # GIVEN a client that signs for another region, or with the wrong secret
    client = NeptuneClient(fake_neptune.url, region, Credentials(ACCESS_KEY, secret), http)

    # WHEN it sends a request, THEN Neptune's 403 becomes a NeptuneError with its code
    with pytest.raises(NeptuneError) as caught:
        client.query("RETURN 1 AS one")
    assert caught.value.status_code == 403
    assert caught.value.neptune_code == "AccessDeniedException"
    assert fake_neptune.received == []


# Errors


def test_query__http_400_with_neptune_error__raises_neptune_error(
    client: NeptuneClient, fake_neptune: FakeNeptune
) -> None:
    # GIVEN Neptune rejects the query as malformed
    detail = "Invalid input 'RETRN': expected RETURN (line 1, column 10 (offset: 9))"
    fake_neptune.failure = (
        400,
        json.dumps(
            {"requestId": "req-1", "code": "MalformedQueryException", "detailedMessage": detail}
        ).encode(),
    )

    # WHEN the query runs
    with pytest.raises(NeptuneError) as caught:
        client.query("MATCH (n) RETRN n")

    # THEN the error carries the status, Neptune's code and its message
    error = caught.value
    assert (error.status_code, error.neptune_code, error.detailed_message) == (
        400,
        "MalformedQueryException",
        detail,
    )
    assert "MalformedQueryException" in str(error)
    assert detail in str(error)
    assert error.to_json()["error"]["neptuneCode"] == "MalformedQueryException"


def test_request__http_500_without_json__raises_with_the_body(
    client: NeptuneClient, fake_neptune: FakeNeptune
) -> None:
    # GIVEN a proxy in front of Neptune answers with plain text
    fake_neptune.failure = (500, b"upstream connect error")

    # WHEN / THEN the error has the status and the text, and no Neptune code
    with pytest.raises(NeptuneError, match="upstream connect error") as caught:
        client.query("RETURN 1 AS one")
    assert caught.value.status_code == 500
    assert caught.value.neptune_code is None


def test_request__slow_answer__times_out(fake_neptune: FakeNeptune, http: requests.Session) -> None:
    # GIVEN Neptune takes longer to answer than the client's timeout
    fake_neptune.delay = 1.0
    client = NeptuneClient(
        fake_neptune.url, REGION, Credentials(ACCESS_KEY, SECRET_KEY), http, timeout=0.1
    )

    # WHEN / THEN the request fails as a NeptuneError instead of hanging
    started = time.monotonic()
    with pytest.raises(NeptuneError, match="did not answer in time"):
        client.query("RETURN 1 AS one")
    assert time.monotonic() - started < 0.9


def test_request__nothing_listening__raises_could_not_reach(http: requests.Session) -> None:
    # GIVEN an endpoint on a port where nothing listens
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    client = NeptuneClient(
        f"http://127.0.0.1:{port}", REGION, Credentials(ACCESS_KEY, SECRET_KEY), http
    )

    # WHEN / THEN
    with pytest.raises(NeptuneError, match="could not reach Neptune") as caught:
        client.query("RETURN 1 AS one")
    assert caught.value.status_code is None


# Bulk loader


def test_start_load__posts_the_opencypher_load_and_returns_its_id(
    client: NeptuneClient, fake_neptune: FakeNeptune
) -> None:
    # WHEN a load of a prefix starts
    load_id = client.start_load("s3://kb-bucket/neptune-load/run-1/", ROLE_ARN)

    # THEN Neptune's loadId comes back, and the request is the loader's JSON
    assert load_id == LOAD_ID
    [request] = fake_neptune.received
    assert (request.method, request.path) == ("POST", "/loader")
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.body) == {
        "source": "s3://kb-bucket/neptune-load/run-1/",
        "format": "opencypher",
        "iamRoleArn": ROLE_ARN,
        "region": REGION,
        "failOnError": "TRUE",
        "parallelism": "MEDIUM",
        "updateSingleCardinalityProperties": "TRUE",
        "queueRequest": "TRUE",
    }


def test_load_status__reads_status_records_and_errors(
    client: NeptuneClient, fake_neptune: FakeNeptune
) -> None:
    # GIVEN a load that failed on one record
    error = {
        "errorCode": "PARSING_ERROR",
        "errorMessage": "Invalid value for Long: 'many'",
        "fileName": "s3://kb-bucket/neptune-load/run-1/edges-TRANSFERS_TO.csv",
        "recordNum": 3,
    }
    fake_neptune.load_statuses = [load_answer("LOAD_FAILED", 41, [error])]

    # WHEN its status is read
    status = client.load_status(LOAD_ID)

    # THEN it is parsed, and details and errors were asked for
    assert status == LoadStatus(LOAD_ID, "LOAD_FAILED", 41, [error])
    [request] = fake_neptune.received
    assert (request.method, request.path) == ("GET", f"/loader/{LOAD_ID}")
    assert request.query == {"details": ["TRUE"], "errors": ["TRUE"]}


def test_wait_for_load__polls_until_completed(
    client: NeptuneClient, fake_neptune: FakeNeptune
) -> None:
    # GIVEN a load that is queued, then running, then completed
    fake_neptune.load_statuses = [
        load_answer("LOAD_IN_QUEUE"),
        load_answer("LOAD_IN_PROGRESS", 20),
        load_answer("LOAD_COMPLETED", 120),
    ]
    sleep = FakeSleep()

    # WHEN the client waits for it
    status = client.wait_for_load(LOAD_ID, poll_seconds=3, timeout_seconds=60, sleep=sleep)

    # THEN it polled three times, pausing between polls, and returns the final status
    assert (status.status, status.total_records) == ("LOAD_COMPLETED", 120)
    assert sleep.calls == [3, 3]
    assert len(fake_neptune.received) == 3


def test_wait_for_load__load_failed__raises_with_the_errors(
    client: NeptuneClient, fake_neptune: FakeNeptune
) -> None:
    # GIVEN a load that fails on a record after running
    error = {
        "errorCode": "FROM_OR_TO_VERTEX_ARE_MISSING",
        "errorMessage": "Either from vertex 'program:XX' or to vertex is not present",
        "fileName": "s3://kb-bucket/neptune-load/run-1/edges-TRANSFERS_TO.csv",
        "recordNum": 7,
    }
    fake_neptune.load_statuses = [
        load_answer("LOAD_IN_PROGRESS"),
        load_answer("LOAD_FAILED", 6, [error]),
    ]

    # WHEN the client waits for it
    with pytest.raises(NeptuneLoadError) as caught:
        client.wait_for_load(LOAD_ID, poll_seconds=1, timeout_seconds=60, sleep=FakeSleep())

    # THEN the error names the status, the file, the record and Neptune's message
    assert not isinstance(caught.value, NeptuneLoadTimeout)
    assert caught.value.load.errors == [error]
    message = str(caught.value)
    assert "LOAD_FAILED" in message
    assert "edges-TRANSFERS_TO.csv:7" in message
    assert "FROM_OR_TO_VERTEX_ARE_MISSING" in message


def test_wait_for_load__still_running_at_the_deadline__raises_timeout(
    client: NeptuneClient, fake_neptune: FakeNeptune
) -> None:
    # GIVEN a load that never finishes
    fake_neptune.load_statuses = [load_answer("LOAD_IN_PROGRESS", 5)]
    sleep = FakeSleep()

    # WHEN the client waits 12 s, polling every 5 s
    with pytest.raises(NeptuneLoadTimeout, match="still LOAD_IN_PROGRESS") as caught:
        client.wait_for_load(LOAD_ID, poll_seconds=5, timeout_seconds=12, sleep=sleep)

    # THEN it slept exactly up to the deadline, polled once more, and gave up
    assert sleep.calls == [5, 5, 2]
    assert len(fake_neptune.received) == 4
    assert caught.value.load.status == "LOAD_IN_PROGRESS"


# Construction


@pytest.mark.parametrize(
    ("endpoint", "base_url"),
    [
        (
            "db.cluster-abc.eu-west-1.neptune.amazonaws.com",
            "https://db.cluster-abc.eu-west-1.neptune.amazonaws.com:8182",
        ),
        ("https://db.example:8182/", "https://db.example:8182"),
        ("db.example:9000", "https://db.example:9000"),
        ("http://127.0.0.1:4566", "http://127.0.0.1:4566"),
    ],
)
def test_client__endpoint__becomes_the_base_url(
    endpoint: str, base_url: str, http: requests.Session
) -> None:
    # WHEN / THEN a host, host:port or URL becomes a URL with Neptune's port by default
    client = NeptuneClient(endpoint, REGION, Credentials(ACCESS_KEY, SECRET_KEY), http)
    assert client.base_url == base_url


def test_from_session__no_credentials__raises(http: requests.Session) -> None:
    # GIVEN a session that resolves no credentials
    class NoCredentials:
        def get_credentials(self) -> Credentials | None:
            return None

    # WHEN / THEN the error says how to provide them
    with pytest.raises(NeptuneError, match="no AWS credentials"):
        NeptuneClient.from_session("db.example", REGION, NoCredentials(), http)


def test_from_environment__needs_the_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")

    with pytest.raises(NeptuneError, match="NEPTUNE_ENDPOINT is not set"):
        NeptuneClient.from_environment({})
    client = NeptuneClient.from_environment({"NEPTUNE_ENDPOINT": "https://db.example:8182"})

    assert isinstance(client, NeptuneClient)
