"""Starting the run's Neptune bulk load and polling it, through the real ``NeptuneClient``
against a local fake of Neptune's loader API (as tests/unit/test_neptune_client.py does;
signatures are checked there)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from botocore.credentials import Credentials

from loyalty_maximizer.errors import InvalidRequest
from loyalty_maximizer.graph.neptune import NeptuneClient, NeptuneLoadError, NeptuneLoadTimeout
from loyalty_maximizer.ingestion.neptune_load import graph_load_status, start_graph_load

REGION = "eu-west-1"
ROLE = "arn:aws:iam::123456789012:role/loyalty-test-neptune-loader"
LOAD_ID = "ef478d76-d9da-4d94-8ff1-08d9d4863aa5"
SOURCE = "s3://loyalty-test-documents/neptune-load/aa-earning-aa-flights-a363d3845f8511b3/"
BAD_RECORD = {
    "errorCode": "FROM_OR_TO_VERTEX_ARE_MISSING",
    "errorMessage": "Either from vertex or to vertex is not present",
    "fileName": f"{SOURCE}edges-TRANSFERS_TO.csv",
    "recordNum": 7,
}


@dataclass
class FakeLoader:
    """Neptune's ``/loader`` routes, answering GETs with ``statuses`` in turn."""

    url: str = ""
    posted: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)


def _status(status: str, records: int = 0, errors: list[dict[str, Any]] | None = None) -> Any:
    payload: dict[str, Any] = {
        "feedCount": [{status: 1}],
        "overallStatus": {"fullUri": SOURCE, "status": status, "totalRecords": records},
    }
    if errors:
        payload["errors"] = {"startIndex": 1, "endIndex": len(errors), "errorLogs": errors}
    return {"status": "200 OK", "payload": payload}


@pytest.fixture
def fake_loader() -> Iterator[FakeLoader]:
    fake = FakeLoader()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            fake.posted.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self._answer({"status": "200 OK", "payload": {"loadId": LOAD_ID}})

        def do_GET(self) -> None:
            assert self.path.startswith(f"/loader/{LOAD_ID}?")
            self._answer(fake.statuses.pop(0) if len(fake.statuses) > 1 else fake.statuses[0])

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    yield fake
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture
def client(fake_loader: FakeLoader) -> Iterator[NeptuneClient]:
    with requests.Session() as http:
        yield NeptuneClient(fake_loader.url, REGION, Credentials("AKID", "SECRET"), http)


def test_start_graph_load__posts_the_runs_folder_with_the_role_and_region(
    client: NeptuneClient, fake_loader: FakeLoader
) -> None:
    # WHEN the run's load starts
    answer = start_graph_load(client, SOURCE, ROLE)
    # THEN Neptune got an openCypher load of that folder, and its id comes back
    assert answer == {"loadId": LOAD_ID, "polls": 0}
    (request,) = fake_loader.posted
    assert (request["source"], request["iamRoleArn"], request["region"]) == (SOURCE, ROLE, REGION)
    assert (request["format"], request["failOnError"]) == ("opencypher", "TRUE")


@pytest.mark.parametrize(
    ("source", "role", "field_name"),
    [
        ("s3://bucket/neptune-load/run", ROLE, "source"),
        ("/tmp/neptune-load/run/", ROLE, "source"),
        (SOURCE, "loader-role", "roleArn"),
    ],
)
def test_start_graph_load__bad_request__invalid_and_nothing_sent(
    client: NeptuneClient, fake_loader: FakeLoader, source: str, role: str, field_name: str
) -> None:
    with pytest.raises(InvalidRequest) as caught:
        start_graph_load(client, source, role)
    assert caught.value.field == field_name
    assert fake_loader.posted == []


def test_graph_load_status__in_progress__not_done_and_poll_counted(
    client: NeptuneClient, fake_loader: FakeLoader
) -> None:
    fake_loader.statuses = [_status("LOAD_IN_PROGRESS", 40)]
    assert graph_load_status(client, LOAD_ID, polls=3) == {
        "loadId": LOAD_ID,
        "status": "LOAD_IN_PROGRESS",
        "done": False,
        "failed": False,
        "polls": 3,
        "totalRecords": 40,
    }


def test_graph_load_status__completed__done(client: NeptuneClient, fake_loader: FakeLoader) -> None:
    fake_loader.statuses = [_status("LOAD_COMPLETED", 212)]
    answer = graph_load_status(client, LOAD_ID)
    assert (answer["done"], answer["failed"], answer["polls"]) == (True, False, 1)


def test_graph_load_status__load_failed__neptune_load_error_naming_the_bad_record(
    client: NeptuneClient, fake_loader: FakeLoader
) -> None:
    # GIVEN a load that stopped on a record whose vertex is missing
    fake_loader.statuses = [_status("LOAD_FAILED", 6, [BAD_RECORD])]
    # WHEN it is polled THEN the error says which file and record, and what to do
    with pytest.raises(NeptuneLoadError) as caught:
        graph_load_status(client, LOAD_ID, polls=4)
    message = str(caught.value)
    assert "ended LOAD_FAILED after 6 record(s)" in message
    assert "edges-TRANSFERS_TO.csv:7: FROM_OR_TO_VERTEX_ARE_MISSING" in message
    assert "upload it again" in message
    assert type(caught.value).__name__ == "NeptuneLoadError"  # the state machine's error name


def test_graph_load_status__still_running_at_the_cap__timeout(
    client: NeptuneClient, fake_loader: FakeLoader
) -> None:
    fake_loader.statuses = [_status("LOAD_IN_QUEUE")]
    assert graph_load_status(client, LOAD_ID, polls=9, max_polls=10)["polls"] == 9
    with pytest.raises(NeptuneLoadTimeout, match="still LOAD_IN_QUEUE after 10 polls"):
        graph_load_status(client, LOAD_ID, polls=10, max_polls=10)
