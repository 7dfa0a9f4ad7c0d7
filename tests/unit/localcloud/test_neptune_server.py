"""The local Neptune: the real ``NeptuneClient`` against ``NeptuneServer`` over an embedded
knowledge base, loading bulk-load CSV from S3 (moto)."""

from __future__ import annotations

import dataclasses
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Final

import boto3
import pytest
import requests
from botocore.credentials import Credentials
from moto import mock_aws

from loyalty_maximizer.facts.models import FactModel
from loyalty_maximizer.graph.build import EdgeRow, GraphRows, NodeRow, graph_rows
from loyalty_maximizer.graph.embedded import open_knowledge_base
from loyalty_maximizer.graph.neptune import NeptuneClient, NeptuneError, NeptuneLoadError
from loyalty_maximizer.graph.neptune_csv import write_neptune_csv
from loyalty_maximizer.graph.upsert import graph_rows_of, read_load, upsert_rows
from loyalty_maximizer.localcloud.neptune_server import NeptuneServer, serve

REGION: Final = "eu-west-1"
BUCKET = "loyalty-test-documents"
ROLE_ARN = "arn:aws:iam::123456789012:role/neptune-load"


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as env:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            env.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
            env.delenv(name, raising=False)
        with mock_aws():
            yield


@pytest.fixture(scope="module")
def s3(aws: None) -> Any:
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    return client


@pytest.fixture(scope="module")
def sample_rows(sample_facts: list[FactModel]) -> GraphRows:
    return graph_rows(sample_facts)


@pytest.fixture
def kb_dir(tmp_path: Path, sample_kb_dir: Path) -> Path:
    """A copy of the session's sample knowledge base, for the server to change."""
    return Path(shutil.copytree(sample_kb_dir, tmp_path / "kb"))


class GatedS3:
    """The S3 client, with downloads held until ``release`` (to watch a load's progress)."""

    def __init__(self, client: Any) -> None:
        self._client = client
        self.gate = threading.Event()
        self.gate.set()

    def get_object(self, **kwargs: Any) -> Any:
        self.gate.wait(timeout=20)
        return self._client.get_object(**kwargs)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


@pytest.fixture
def gated_s3(s3: Any) -> GatedS3:
    return GatedS3(s3)


@pytest.fixture
def server(kb_dir: Path, gated_s3: GatedS3) -> Iterator[NeptuneServer]:
    running = NeptuneServer(kb_dir, gated_s3).start()  # type: ignore[arg-type]
    try:
        yield running
    finally:
        gated_s3.gate.set()  # a held download would keep the loader from stopping
        running.stop()


@pytest.fixture
def client(server: NeptuneServer) -> Iterator[NeptuneClient]:
    with requests.Session() as http:
        yield NeptuneClient(
            server.url, REGION, Credentials("testing", "testing"), http, timeout=(2.0, 20.0)
        )


def node(rows: GraphRows, node_id: str) -> NodeRow:
    return next(n for n in rows.nodes if n.id == node_id)


def stage(s3: Any, prefix: str, rows: GraphRows, tmp_path: Path) -> str:
    """Write ``rows`` as bulk-load CSV under ``neptune-load/<prefix>/``; the loader source."""
    for path in write_neptune_csv(rows, tmp_path / prefix):
        s3.put_object(
            Bucket=BUCKET, Key=f"neptune-load/{prefix}/{path.name}", Body=path.read_bytes()
        )
    return f"s3://{BUCKET}/neptune-load/{prefix}/"


def new_airline(rows: GraphRows) -> tuple[NodeRow, EdgeRow]:
    """An airline the sample does not hold, and its alliance membership (to a sample node)."""
    american = node(rows, "airline:AA")
    zed = NodeRow(
        "Airline",
        "airline:ZZ",
        american.properties | {"airlineId": "ZZ", "name": "Zed Air", "country": "NZ"},
    )
    member = EdgeRow(
        "MEMBER_OF",
        "MEMBER_OF:airline:ZZ->alliance:oneworld",
        "Airline",
        "airline:ZZ",
        "Alliance",
        "alliance:oneworld",
        {},
    )
    return zed, member


def count(client: NeptuneClient, label: str) -> int:
    return int(client.query(f"MATCH (n:{label}) RETURN count(n) AS c")[0]["c"])


def totals(client: NeptuneClient) -> tuple[int, int]:
    nodes = client.query("MATCH (n) RETURN count(n) AS c")[0]["c"]
    edges = client.query("MATCH ()-[e]->() RETURN count(e) AS c")[0]["c"]
    return int(nodes), int(edges)


# --- openCypher and status ------------------------------------------------------------------


def test_query__with_parameters(client: NeptuneClient) -> None:
    rows = client.query(
        "MATCH (a:Airline)-[:MEMBER_OF]->(x:Alliance) WHERE a.id = $id "
        "RETURN a.name AS name, x.id AS alliance",
        {"id": "airline:AA"},
    )
    assert rows == [{"name": "American Airlines", "alliance": "alliance:oneworld"}]


def test_query__nodes_and_relationships_in_neptune_shape(client: NeptuneClient) -> None:
    [row] = client.query(
        "MATCH (a:Airline {id: 'airline:AA'})-[e:MEMBER_OF]->(x) RETURN a, e, x.id AS x"
    )
    assert row["a"]["~id"] == "airline:AA"
    assert row["a"]["~entityType"] == "node"
    assert row["a"]["~labels"] == ["Airline"]
    assert row["a"]["~properties"]["name"] == "American Airlines"
    assert None not in row["a"]["~properties"].values()
    assert row["e"] == {
        "~id": "MEMBER_OF:airline:AA->alliance:oneworld",
        "~entityType": "relationship",
        "~start": "airline:AA",
        "~end": "alliance:oneworld",
        "~type": "MEMBER_OF",
        "~properties": {"id": "MEMBER_OF:airline:AA->alliance:oneworld"},
    }


def test_query__json_body_and_get(server: NeptuneServer) -> None:
    text = "MATCH (a:Airline) WHERE a.id = $id RETURN a.name AS name"
    posted = requests.post(
        f"{server.url}/openCypher",
        json={"query": text, "parameters": {"id": "airline:AA"}},
        timeout=10,
    )
    got = requests.get(
        f"{server.url}/openCypher",
        params={"query": text, "parameters": '{"id": "airline:AA"}'},
        timeout=10,
    )
    assert posted.status_code == got.status_code == 200
    assert posted.json() == got.json() == {"results": [{"name": "American Airlines"}]}


def test_query__malformed_is_a_neptune_error(client: NeptuneClient) -> None:
    with pytest.raises(NeptuneError) as error:
        client.query("MATCH (n RETURN n")
    assert error.value.status_code == 400
    assert error.value.neptune_code == "MalformedQueryException"
    assert error.value.detailed_message
    assert "MalformedQueryException" in str(error.value)


def test_query__writes_are_refused_and_bad_parameters_reported(
    client: NeptuneClient, server: NeptuneServer
) -> None:
    with pytest.raises(NeptuneError) as error:
        client.query("CREATE (n:Airline {id: 'airline:XX'})")
    assert error.value.neptune_code == "ReadOnlyViolationException"
    answer = requests.post(
        f"{server.url}/openCypher",
        data={"query": "RETURN 1 AS one", "parameters": "[1]"},
        timeout=10,
    )
    assert answer.status_code == 400
    assert answer.json()["code"] == "InvalidParameterException"
    assert set(answer.json()) == {"code", "detailedMessage", "requestId"}
    missing = requests.post(f"{server.url}/openCypher", data={}, timeout=10)
    assert (missing.status_code, missing.json()["code"]) == (400, "MissingParameterException")


def test_status__healthy(server: NeptuneServer) -> None:
    answer = requests.get(f"{server.url}/status", timeout=10)
    assert answer.status_code == 200
    status = answer.json()
    assert status["status"] == "healthy"
    assert status["role"] == "writer"
    assert status["dbEngineVersion"].endswith(".R1")
    assert "version" in status["opencypher"]


# --- the bulk loader --------------------------------------------------------------------------


def test_load__progresses_to_completed_and_upserts_by_id(
    client: NeptuneClient,
    server: NeptuneServer,
    gated_s3: GatedS3,
    s3: Any,
    sample_rows: GraphRows,
    tmp_path: Path,
) -> None:
    # GIVEN a load that renames American (leaving its country empty) and adds an airline
    # with its alliance membership (to a node only the graph holds), its download held
    american = node(sample_rows, "airline:AA")
    renamed = dataclasses.replace(
        american, properties=american.properties | {"name": "American", "country": None}
    )
    zed, member = new_airline(sample_rows)
    source = stage(s3, "run-1", GraphRows([renamed, zed], [member]), tmp_path)
    before = totals(client)
    gated_s3.gate.clear()
    # WHEN it starts, and the same load is queued behind it
    load_id = client.start_load(source, ROLE_ARN)
    again = client.start_load(source, ROLE_ARN)
    # THEN the first is in progress, the second in the queue, and queries see the old graph
    assert client.load_status(load_id).status in ("LOAD_NOT_STARTED", "LOAD_IN_PROGRESS")
    assert client.load_status(again).status == "LOAD_IN_QUEUE"
    assert client.query("MATCH (a:Airline {id: 'airline:ZZ'}) RETURN a.id AS id") == []
    # AND once the files arrive it completes
    gated_s3.gate.set()
    done = client.wait_for_load(load_id, poll_seconds=0.05, timeout_seconds=30)
    assert (done.status, done.total_records, done.errors) == ("LOAD_COMPLETED", 3, [])
    # AND the new airline is in the graph, a member of oneworld
    rows = client.query(
        "MATCH (a:Airline {id: 'airline:ZZ'})-[:MEMBER_OF]->(x:Alliance) "
        "RETURN a.name AS name, x.id AS alliance"
    )
    assert rows == [{"name": "Zed Air", "alliance": "alliance:oneworld"}]
    # AND American's name is updated, its country kept (an empty field is no property)
    [row] = client.query(
        "MATCH (a:Airline {id: 'airline:AA'}) RETURN a.name AS name, a.country AS country"
    )
    assert row == {"name": "American", "country": "US"}
    # AND every other node and relationship is still there
    after = totals(client)
    assert after == (before[0] + 1, before[1] + 1)
    # AND the same files loaded again change nothing: Neptune counts them as duplicates
    assert client.wait_for_load(again, poll_seconds=0.05).status == "LOAD_COMPLETED"
    answer = requests.get(f"{server.url}/loader/{again}", timeout=10).json()
    assert answer["status"] == "200 OK"
    assert answer["payload"]["overallStatus"]["totalDuplicates"] == 3
    assert totals(client) == after


def test_load__bad_csv_fails_and_leaves_the_graph_unchanged(
    client: NeptuneClient, server: NeptuneServer, s3: Any
) -> None:
    # GIVEN a node file whose second record names a label the schema does not have
    key = "neptune-load/bad/nodes-Airline.csv"
    s3.put_object(
        Bucket=BUCKET,
        Key=key,
        Body=b'id:ID,:LABEL,name:String\n"airline:QQ","Airline","Q Air"\n"plane:1","Plane","x"\n',
    )
    # WHEN it is loaded
    load_id = client.start_load(f"s3://{BUCKET}/neptune-load/bad/", ROLE_ARN)
    # THEN the load fails, naming the file and the record
    with pytest.raises(NeptuneLoadError) as failed:
        client.wait_for_load(load_id, poll_seconds=0.05, timeout_seconds=20)
    load = failed.value.load
    assert load.status == "LOAD_FAILED"
    [error] = load.errors
    assert error["errorCode"] == "PARSING_ERROR"
    assert error["fileName"] == f"s3://{BUCKET}/{key}"
    assert error["recordNum"] == 3
    assert "Plane is unknown" in error["errorMessage"]
    assert f"s3://{BUCKET}/{key}:3" in str(failed.value)
    # AND nothing of it reached the graph
    assert client.query("MATCH (a:Airline {id: 'airline:QQ'}) RETURN a.id AS id") == []
    assert count(client, "Airline") == 8
    details = requests.get(
        f"{server.url}/loader/{load_id}", params={"details": "TRUE"}, timeout=10
    ).json()["payload"]
    assert details["overallStatus"]["parsingErrors"] == 1
    assert details["failedFeeds"][0]["status"] == "LOAD_FAILED"
    assert "errors" not in details


def test_load__insert_conflicts_fail_the_load_or_are_skipped(
    server: NeptuneServer, s3: Any, sample_rows: GraphRows, tmp_path: Path
) -> None:
    # GIVEN a load that makes an existing airline a program, and adds another airline
    american = node(sample_rows, "airline:AA")
    program = next(n for n in sample_rows.nodes if n.label == "LoyaltyProgram")
    clash = NodeRow("LoyaltyProgram", american.id, program.properties)
    zed, _ = new_airline(sample_rows)
    source = stage(s3, "clash", GraphRows([clash, zed], []), tmp_path)
    request = {"source": source, "format": "opencypher", "iamRoleArn": ROLE_ARN, "region": REGION}
    # WHEN loaded failing on error, then not
    strict = server.start_load(request | {"failOnError": "TRUE"})
    server.wait_for_loads()
    lenient = server.start_load(request | {"failOnError": "FALSE"})
    server.wait_for_loads()
    # THEN the strict load fails with an insert error and changes nothing
    failed = server.load_status(strict, errors=True)["payload"]
    assert failed["overallStatus"]["status"] == "LOAD_FAILED"
    assert failed["overallStatus"]["insertErrors"] == 1
    assert "keeps its label" in failed["errors"]["errorLogs"][0]["errorMessage"]
    # AND the lenient one skips the conflicting record and loads the rest
    passed = server.load_status(lenient, errors=True)["payload"]
    assert passed["overallStatus"]["status"] == "LOAD_COMPLETED"
    assert passed["errors"]["errorLogs"][0]["errorCode"] == "INSERT_ERROR"
    assert server.query("MATCH (a:Airline {id: 'airline:ZZ'}) RETURN a.name AS n") == [
        {"n": "Zed Air"}
    ]
    assert server.query("MATCH (a:Airline {id: 'airline:AA'}) RETURN a.name AS n") == [
        {"n": "American Airlines"}
    ]


def test_loader__refuses_bad_requests_as_neptune_does(
    client: NeptuneClient, server: NeptuneServer
) -> None:
    with pytest.raises(NeptuneError, match="S3 bucket not found") as no_bucket:
        client.start_load("s3://no-such-bucket/neptune-load/x/", ROLE_ARN)
    assert (no_bucket.value.status_code, no_bucket.value.neptune_code) == (
        400,
        "BadRequestException",
    )
    with pytest.raises(NeptuneError, match="does not exist/not reachable"):
        client.start_load(f"s3://{BUCKET}/neptune-load/nothing-here/", ROLE_ARN)
    with pytest.raises(NeptuneError) as unknown:
        client.load_status("0a1b2c3d-0000-4000-8000-000000000000")
    assert (unknown.value.status_code, unknown.value.neptune_code) == (
        404,
        "BulkLoadIdNotFoundException",
    )
    answer = requests.post(
        f"{server.url}/loader",
        json={"source": f"s3://{BUCKET}/x/", "format": "csv", "iamRoleArn": ROLE_ARN},
        timeout=10,
    )
    assert answer.status_code == 400
    assert "opencypher" in answer.json()["detailedMessage"]


def test_serve__blocks_until_stopped(kb_dir: Path, s3: Any) -> None:
    stop, urls = threading.Event(), list[str]()
    thread = threading.Thread(
        target=serve, args=(kb_dir, s3), kwargs={"port": 0, "ready": urls.append, "stop": stop}
    )
    thread.start()
    try:
        for _ in range(200):
            if urls:
                break
            stop.wait(0.05)
        assert requests.get(f"{urls[0]}/status", timeout=10).json()["status"] == "healthy"
    finally:
        stop.set()
        thread.join(timeout=20)
    assert not thread.is_alive()


def test_empty_directory__starts_as_an_empty_graph(tmp_path: Path, s3: Any) -> None:
    with NeptuneServer(tmp_path / "new-kb", s3) as server:
        assert server.query("MATCH (n:Airline) RETURN count(n) AS c") == [{"c": 0}]


# --- graph.upsert -----------------------------------------------------------------------------


def test_graph_rows_of__reads_back_what_was_loaded(kb_dir: Path, sample_rows: GraphRows) -> None:
    with open_knowledge_base(kb_dir) as graph:
        back = graph_rows_of(graph)
    assert back.nodes == sorted(sample_rows.nodes, key=lambda n: n.id)
    assert back.edges == sorted(sample_rows.edges, key=lambda e: e.id)


def test_read_load__relationships_may_end_at_nodes_the_graph_holds(
    sample_rows: GraphRows, tmp_path: Path
) -> None:
    zed, member = new_airline(sample_rows)
    write_neptune_csv(GraphRows([zed], [member]), tmp_path / "load")
    loaded = read_load(tmp_path / "load", sample_rows)
    assert loaded.nodes == [zed]
    assert loaded.edges == [member]


def test_upsert_rows__relationship_with_other_ends_is_a_conflict(sample_rows: GraphRows) -> None:
    edge = sample_rows.edges[0]
    moved = dataclasses.replace(edge, to_id="somewhere-else")
    result = upsert_rows(sample_rows, GraphRows([], [moved]))
    [conflict] = result.conflicts
    assert conflict.kind == "relationship"
    assert conflict.id == edge.id
    assert result.rows.edges == sorted(sample_rows.edges, key=lambda e: e.id)
