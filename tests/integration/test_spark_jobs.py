"""The Glue jobs on local PySpark: fact extraction over the sample documents, the graph
load's Spark SQL checks and Neptune CSV, the Glue entry points end to end (local paths and
S3 through a moto server), and the S3 object store against moto.

One Spark session (the ``spark`` fixture) serves every test; the expensive runs are module
fixtures that several tests read.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
import os
import pickle
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.server import ThreadedMotoServer
from pyspark.sql import SparkSession

from loyalty_maximizer.documents.prepare import DEFAULT_MAX_BYTES
from loyalty_maximizer.errors import InvalidRequest
from loyalty_maximizer.extraction.catalogue import Catalogue
from loyalty_maximizer.extraction.offline import OfflineExtractor
from loyalty_maximizer.facts.loader import parse_line
from loyalty_maximizer.graph.embedded import graph_stats, open_knowledge_base
from loyalty_maximizer.graph.neptune_csv import load_csv_into_knowledge_base, read_neptune_csv
from loyalty_maximizer.ingestion.pipeline import SourceFile, process_document
from loyalty_maximizer.spark import job_arguments
from loyalty_maximizer.spark.extract_job import (
    ExtractOptions,
    document_keys,
    read_facts,
    run_extract,
    with_document_ids,
)
from loyalty_maximizer.spark.graph_job import GraphOptions, build_graph_load
from loyalty_maximizer.spark.storage import (
    LocalStore,
    S3Store,
    StorageError,
    jsonl_lines,
    object_at,
    s3_client,
    store_for,
)

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ROOT / "samples" / "documents"
REFERENCE = ROOT / "samples" / "knowledge" / "reference.jsonl"
GLUE_JOBS = ROOT / "glue_jobs"

BAD_REASONS = {
    "bad/empty": "empty file",
    "bad/binary-junk": "binary content",
    "bad/latin1-page": "not UTF-8",
    "bad/corrupt": "corrupt PDF",
    "bad/nothing-relevant": "no loyalty facts",
}


def _glue_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"glue_{name}", GLUE_JOBS / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _summary(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    out = capsys.readouterr().out
    result: dict[str, Any] = json.loads(out)
    return result


@pytest.fixture(scope="module")
def raw_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The raw prefix as a curator fills it: the sample documents and the bad/ folder."""
    raw = tmp_path_factory.mktemp("raw")
    for path in DOCUMENTS.iterdir():
        if path.is_file() and path.suffix in {".html", ".pdf", ".txt"}:
            shutil.copy2(path, raw / path.name)
    shutil.copytree(DOCUMENTS / "bad", raw / "bad")
    return raw


@pytest.fixture(scope="module")
def extracted(
    spark: SparkSession, raw_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, Any]]:
    output = tmp_path_factory.mktemp("pipeline-bucket")
    options = ExtractOptions(str(raw_dir), str(output), (str(REFERENCE),))
    return output, run_extract(spark, options)


@pytest.fixture(scope="module")
def outcomes(extracted: tuple[Path, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["documentId"]: o for o in extracted[1]["outcomes"]}


# Crafted pages, one bad record per check (line numbers matter)

NEW_PAGE = [
    {
        "type": "webSourceDocument",
        "documentId": "crafted-a-new-page",
        "documentType": "html",
        "retrievedDate": "2026-11-02",
    },
    {
        "type": "loyaltyProgram",
        "programId": "ZZ_POINTS",
        "name": "Zed Points 2026",
        "kind": "bank",
        "currencyName": "points",
        "sourceDocumentId": "crafted-a-new-page",
    },
    {
        "type": "transferPartnership",
        "fromProgramId": "ZZ_POINTS",
        "toProgramId": "UA_MILEAGEPLUS",
        "ratioFrom": 1,
        "ratioTo": 1,
        "sourceDocumentId": "crafted-a-new-page",
    },
]
OLD_PAGE = [
    {
        "type": "webSourceDocument",
        "documentId": "crafted-b-old-page",
        "documentType": "html",
        "retrievedDate": "2025-10-01",
    },
    {  # 2: the same program, stated differently by an older page (it comes later in order)
        "type": "loyaltyProgram",
        "programId": "ZZ_POINTS",
        "name": "Zed Points 2025",
        "kind": "bank",
        "currencyName": "points",
        "sourceDocumentId": "crafted-b-old-page",
    },
    {  # 3: a duplicate of the new page's partnership
        "type": "transferPartnership",
        "fromProgramId": "ZZ_POINTS",
        "toProgramId": "UA_MILEAGEPLUS",
        "ratioFrom": 1,
        "ratioTo": 1,
        "sourceDocumentId": "crafted-b-old-page",
    },
    {  # 4: ends before it starts
        "type": "transferPartnership",
        "fromProgramId": "ZZ_POINTS",
        "toProgramId": "AC_AEROPLAN",
        "ratioFrom": 1,
        "ratioTo": 1,
        "effectiveDate": "2026-12-01",
        "expirationDate": "2026-06-30",
        "sourceDocumentId": "crafted-b-old-page",
    },
    {  # 5: 1:50
        "type": "transferPartnership",
        "fromProgramId": "ZZ_POINTS",
        "toProgramId": "BA_AVIOS",
        "ratioFrom": 1,
        "ratioTo": 50,
        "sourceDocumentId": "crafted-b-old-page",
    },
    {  # 6: no such program
        "type": "bookablePartner",
        "programId": "NO_SUCH_PROGRAM",
        "airlineId": "UA",
        "sourceDocumentId": "crafted-b-old-page",
    },
    {  # 7: no such alliance
        "type": "airline",
        "airlineId": "Z9",
        "name": "Zed Air",
        "allianceId": "no_such_alliance",
        "sourceDocumentId": "crafted-b-old-page",
    },
    {  # 8: flies for the airline that line 7 defined, which is set aside
        "type": "route",
        "airlineId": "Z9",
        "origin": "JFK",
        "destination": "LHR",
        "sourceDocumentId": "crafted-b-old-page",
    },
    {  # 9: fine
        "type": "transferPartnership",
        "fromProgramId": "ZZ_POINTS",
        "toProgramId": "TK_MILESANDSMILES",
        "ratioFrom": 2,
        "ratioTo": 1,
        "sourceDocumentId": "crafted-b-old-page",
    },
]
CRAFTED = {"crafted-a-new-page": NEW_PAGE, "crafted-b-old-page": OLD_PAGE}


@pytest.fixture(scope="module")
def graph_load(
    spark: SparkSession, extracted: tuple[Path, dict[str, Any]]
) -> tuple[Path, dict[str, Any]]:
    """The graph load over the extracted samples plus two crafted pages (``CRAFTED``)."""
    output = extracted[0]
    for name, records in CRAFTED.items():
        text = "".join(json.dumps(r) + "\n" for r in records)
        LocalStore(output).put(f"extracted-facts/{name}.jsonl", text.encode())
    options = GraphOptions(str(output), (str(REFERENCE),), run_id="samples")
    return output / "neptune-load" / "samples", build_graph_load(spark, options)


# Extraction


def test_extract__bad_documents__quarantined_with_their_reason(
    extracted: tuple[Path, dict[str, Any]], outcomes: dict[str, dict[str, Any]]
) -> None:
    output, _ = extracted
    for document_id, reason in BAD_REASONS.items():
        # THEN each bad upload is set aside with a reason a curator can act on
        assert outcomes[document_id]["status"] == "quarantined"
        record = json.loads((output / "quarantine" / f"{document_id}.json").read_text())
        assert reason in record["reason"]
        assert record["documentId"] == document_id
        assert record["path"].endswith(outcomes[document_id]["key"])
        # AND nothing of it reaches the facts
        assert not (output / "extracted-facts" / f"{document_id}.jsonl").exists()


def test_extract__every_document__same_outcome_and_facts_as_the_library(
    extracted: tuple[Path, dict[str, Any]], outcomes: dict[str, dict[str, Any]], raw_dir: Path
) -> None:
    # GIVEN the library's per-document step run here, on the driver, with the same catalogue
    output, summary = extracted
    extractor = OfflineExtractor(Catalogue.from_facts(read_facts([str(REFERENCE)])))
    assert summary["documents"] == len(outcomes) == 30
    for document_id, outcome in outcomes.items():
        path = raw_dir / outcome["key"]
        retrieved = dt.datetime.fromtimestamp(path.stat().st_mtime, dt.UTC).date()
        facts, expected = process_document(
            path.read_bytes(),
            SourceFile(document_id, Path(outcome["key"])),
            extractor.extract,
            max_bytes=DEFAULT_MAX_BYTES,
            retrieved=retrieved,
        )
        # THEN the job decided the same, and wrote exactly those facts
        assert (outcome["status"], outcome.get("reason")) == (expected.status, expected.reason)
        if expected.status == "ingested":
            written = (output / "extracted-facts" / f"{document_id}.jsonl").read_text()
            assert written.splitlines() == [
                json.dumps(f.to_json_dict(), ensure_ascii=False) for f in facts
            ]
            assert outcome["facts"] == len(facts)


def test_extract__good_documents__facts_files_validate_line_by_line(
    extracted: tuple[Path, dict[str, Any]], outcomes: dict[str, dict[str, Any]]
) -> None:
    output, summary = extracted
    ingested = {d for d, o in outcomes.items() if o["status"] == "ingested"}
    # The clearest pages of each kind land whatever else the extractor learns or forgets.
    assert {"amex-transfer-partners", "chase-transfer-partners", "routes-jfk"} <= ingested
    assert summary["ingested"] == len(ingested)
    assert summary["ingested"] + summary["quarantined"] == summary["documents"]
    for document_id in ingested:
        path = output / "extracted-facts" / f"{document_id}.jsonl"
        parsed = [parse_line(str(path), n, t) for n, t in jsonl_lines(path.read_bytes())]
        assert all(issues == [] for _, issues in parsed), document_id
        first = parsed[0][0]
        assert first is not None
        assert first.fact.model_dump()["document_id"] == document_id  # webSourceDocument


def test_extract_script__rerun__writes_identical_files(
    extracted: tuple[Path, dict[str, Any]], raw_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the files of the first run
    output, first = extracted
    before = {k: v for k, v in _files(output).items() if k.startswith(("extracted", "quarantine"))}
    main: Callable[[list[str]], int] = _glue_script("extract_facts").main
    capsys.readouterr()

    # WHEN the Glue script runs again over the same documents with argparse options
    status = main(
        ["--source", str(raw_dir), "--output", str(output), "--reference-facts", str(REFERENCE)]
    )

    # THEN it succeeds, reports the same outcomes, and every file is byte-identical
    assert status == 0
    summary = _summary(capsys)
    assert summary["outcomes"] == first["outcomes"]
    after = {k: v for k, v in _files(output).items() if k.startswith(("extracted", "quarantine"))}
    assert after == before


def test_document_ids__names_that_differ_only_by_extension__keep_it(spark: SparkSession) -> None:
    keys = ["a.html", "a.pdf", "b.txt", "dir/c.v2.html", "dir/b.txt"]
    rows = with_document_ids(document_keys(spark, keys)).collect()
    assert {r["key"]: r["documentId"] for r in rows} == {
        "a.html": "a.html",
        "a.pdf": "a.pdf",
        "b.txt": "b",
        "dir/c.v2.html": "dir/c.v2",
        "dir/b.txt": "dir/b",
    }


# Graph load over the extracted samples


def test_graph__neptune_csv__loads_into_the_embedded_graph(
    graph_load: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    load_dir, report = graph_load
    # WHEN the files Neptune's loader would get are loaded into an embedded knowledge base
    summary = load_csv_into_knowledge_base(load_dir, tmp_path / "kb")

    # THEN every relationship found both its ends (a dangling one fails the load)
    assert (summary["nodes"], summary["edges"]) == (report["nodes"], report["edges"])
    with open_knowledge_base(tmp_path / "kb") as graph:
        stats = graph_stats(graph)
    assert stats["nodesByType"] == report["nodesByLabel"]
    # AND curated and extracted facts are both in it
    assert stats["nodesByType"]["LoyaltyProgram"] >= 25
    assert stats["edgesByType"]["TRANSFERS_TO"] > 0
    assert stats["edgesByType"]["EXTRACTED_FROM"] > 0


def test_graph__report__accounts_for_every_line(
    graph_load: tuple[Path, dict[str, Any]], extracted: tuple[Path, dict[str, Any]]
) -> None:
    load_dir, report = graph_load
    output, _ = extracted
    facts_files = [REFERENCE, *sorted((output / "extracted-facts").glob("*.jsonl"))]
    lines = sum(1 for p in facts_files for _ in jsonl_lines(p.read_bytes()))
    assert report["linesRead"] == lines
    assert report["factFiles"] == len(facts_files)
    assert sorted(p.name for p in load_dir.iterdir()) == report["files"]
    stored = json.loads((output / "graph-reports" / "samples.json").read_text())
    assert stored == {k: v for k, v in report.items() if k != "report"}
    for rejected in report["rejected"]:
        assert rejected["message"]
        assert rejected["check"] in {
            "dateOrder",
            "ratioBound",
            "danglingReference",
            "validation",
        }


def test_graph__same_inputs_again__reuses_the_earlier_build(
    spark: SparkSession, graph_load: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    load_dir, report = graph_load
    output = tmp_path / "bucket"
    shutil.copytree(load_dir.parents[1], output)

    # WHEN a queued build finds the facts the first build read, unchanged
    again = build_graph_load(spark, GraphOptions(str(output), (str(REFERENCE),), run_id="again"))

    # THEN it reuses that build: the same load files under its own run, and the same counts
    assert again["reusedFrom"] == "samples"
    assert again["runId"] == "again"
    for name in report["files"]:
        assert (output / "neptune-load" / "again" / name).read_bytes() == (
            load_dir / name
        ).read_bytes()
    assert {k: again[k] for k in ("nodes", "edges", "factsLoaded")} == {
        k: report[k] for k in ("nodes", "edges", "factsLoaded")
    }
    stored = json.loads((output / "graph-reports" / "again.json").read_text())
    assert stored["reusedFrom"] == "samples"

    # AND a new facts file makes the next build check everything again
    record = {"type": "alliance", "allianceId": "test_alliance", "name": "Test Alliance"}
    LocalStore(output).put("extracted-facts/new-page.jsonl", (json.dumps(record) + "\n").encode())
    fresh = build_graph_load(spark, GraphOptions(str(output), (str(REFERENCE),), run_id="fresh"))
    assert "reusedFrom" not in fresh
    assert fresh["linesRead"] == report["linesRead"] + 1


# The checks, against the crafted pages


def _rejections(report: dict[str, Any], line: int) -> list[tuple[str, str | None]]:
    return [
        (r["check"], r["field"])
        for r in report["rejected"]
        if r["file"].endswith("crafted-b-old-page.jsonl") and r["line"] == line
    ]


@pytest.mark.parametrize(
    ("line", "check", "field"),
    [
        (4, "dateOrder", "expirationDate"),
        (5, "ratioBound", "ratioTo"),
        (6, "danglingReference", "programId"),
        (7, "danglingReference", "allianceId"),
        (8, "danglingReference", "airlineId"),  # dangles once line 7 is set aside
    ],
)
def test_checks__crafted_bad_record__rejected_with_its_check(
    graph_load: tuple[Path, dict[str, Any]], line: int, check: str, field: str
) -> None:
    _, report = graph_load
    assert _rejections(report, line) == [(check, field)]


def test_checks__crafted_pages__only_the_bad_records_rejected(
    graph_load: tuple[Path, dict[str, Any]],
) -> None:
    _, report = graph_load
    crafted = [r for r in report["rejected"] if "/crafted-" in r["file"]]
    assert sorted(r["line"] for r in crafted) == [4, 5, 6, 7, 8]
    assert all(r["file"].endswith("crafted-b-old-page.jsonl") for r in crafted)


def test_checks__conflicting_entity__latest_retrieved_source_wins(
    graph_load: tuple[Path, dict[str, Any]],
) -> None:
    load_dir, report = graph_load
    # THEN the conflict is reported: the newer page's version kept, although it comes first
    [conflict] = [c for c in report["conflicts"] if c["entity"] == "loyaltyProgram/ZZ_POINTS"]
    assert (conflict["keptSource"], conflict["droppedSource"]) == (
        "crafted-a-new-page",
        "crafted-b-old-page",
    )
    assert (conflict["keptLine"], conflict["droppedLine"]) == (2, 2)
    rows = read_neptune_csv(load_dir)
    program = next(n for n in rows.nodes if n.id == "program:ZZ_POINTS")
    assert program.properties["name"] == "Zed Points 2026"
    # AND the partnership both pages state is one record, from the newer page; the bad ones
    # are not in the graph
    transfers = {
        (e.to_id, e.properties["sourceDocumentId"])
        for e in rows.edges
        if e.label == "TRANSFERS_TO" and e.from_id == "program:ZZ_POINTS"
    }
    assert transfers == {
        ("program:UA_MILEAGEPLUS", "crafted-a-new-page"),
        ("program:TK_MILESANDSMILES", "crafted-b-old-page"),
    }
    assert not any(n.id == "airline:Z9" for n in rows.nodes)


# Glue scripts: options and failures


def test_job_arguments__argparse__underscored_names_and_glue_extras_ignored() -> None:
    argv = ["--JOB_NAME", "x", "--output", "s3://b/", "--reference-facts", "a.jsonl,b/"]
    args = job_arguments(argv, ["output", "reference-facts"], ["run-id"])
    assert args == {"output": "s3://b/", "reference_facts": "a.jsonl,b/", "run_id": None}
    assert GraphOptions.from_arguments(args).reference_facts == ("a.jsonl", "b/")


def test_job_arguments__missing_required_option__exits_2() -> None:
    with pytest.raises(SystemExit) as exited:
        job_arguments(["--output", "x"], ["output", "reference-facts"])
    assert exited.value.code == 2


def test_options__bad_values__invalid_request() -> None:
    with pytest.raises(InvalidRequest, match="max-bytes"):
        ExtractOptions.from_arguments(
            {"source": "a", "output": "b", "reference_facts": "c", "max_bytes": "lots"}
        )
    with pytest.raises(InvalidRequest, match="run-id"):
        GraphOptions.from_arguments({"output": "b", "reference_facts": "c", "run_id": "../x"})


def test_extract_script__missing_reference_facts__exits_1_with_a_json_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main: Callable[[list[str]], int] = _glue_script("extract_facts").main
    argv = ["--source", str(tmp_path), "--output", str(tmp_path)]
    status = main([*argv, "--reference-facts", str(tmp_path / "missing.jsonl")])
    assert status == 1
    error = _summary(capsys)["error"]
    assert error["code"] == "storage"
    assert "missing.jsonl" in error["message"]


# S3


@pytest.fixture
def aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")


@pytest.fixture
def s3_bucket(aws_credentials: None) -> Iterator[str]:
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="loyalty-pipeline")
        yield "loyalty-pipeline"


def test_s3_store__put_get_list__under_its_prefix(s3_bucket: str) -> None:
    store = S3Store(s3_bucket, "/raw/")
    store.put("b.html", b"<p>b</p>")
    store.put("dir/a.pdf", b"%PDF-")
    S3Store(s3_bucket).put("elsewhere.txt", b"x")

    assert store.list() == ["b.html", "dir/a.pdf"]
    assert store.list("dir/") == ["dir/a.pdf"]
    assert store.get("dir/a.pdf") == b"%PDF-"
    assert store.url("b.html") == f"s3://{s3_bucket}/raw/b.html"
    assert store.modified("b.html").tzinfo is not None


def test_s3_store__missing_object__storage_error(s3_bucket: str) -> None:
    with pytest.raises(StorageError, match="no such object"):
        S3Store(s3_bucket).get("nope.jsonl")


def test_s3_store__pickled_into_a_task__makes_its_own_client(s3_bucket: str) -> None:
    # GIVEN a store whose client is live (boto3 clients do not pickle)
    store = S3Store(s3_bucket)
    store.put("k", b"v")
    # WHEN it is shipped to an executor THEN the copy works with a client of its own
    assert pickle.loads(pickle.dumps(store)).get("k") == b"v"


def test_store_for__urls() -> None:
    s3 = store_for("s3://bucket/some/prefix")
    assert isinstance(s3, S3Store)
    assert (s3.bucket, s3.prefix) == ("bucket", "some/prefix/")
    assert isinstance(store_for("/tmp/x"), LocalStore)
    store, key = object_at("s3://bucket/reference/reference.jsonl")
    assert store.url(key) == "s3://bucket/reference/reference.jsonl"
    with pytest.raises(StorageError):
        store_for("https://example.com/x")


@pytest.fixture
def moto_server(
    spark: SparkSession, aws_credentials: None, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str]:
    """A moto S3 server that the driver and the executors reach through AWS_ENDPOINT_URL,
    as a local cloud would be reached."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    # Python workers get the environment of the JVM plus these (spark.executorEnv.*).
    environment = spark.sparkContext.environment
    for name in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setitem(environment, name, os.environ[name])
    monkeypatch.setitem(environment, "AWS_DEFAULT_REGION", "us-east-1")
    yield endpoint
    server.stop()


def test_s3_client__aws_endpoint_url__is_the_endpoint(moto_server: str) -> None:
    s3_client().create_bucket(Bucket="endpoint-check")
    S3Store("endpoint-check").put("a", b"1")
    direct = boto3.client("s3", endpoint_url=moto_server)
    assert direct.get_object(Bucket="endpoint-check", Key="a")["Body"].read() == b"1"


def test_glue_scripts__end_to_end_on_s3(
    moto_server: str,
    graph_load: tuple[Path, dict[str, Any]],
    extracted: tuple[Path, dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN a pipeline bucket with three uploads (a page, a text, a truncated PDF), and in
    # another bucket the reference and the facts the local graph load read
    s3_client().create_bucket(Bucket="pipeline")
    s3_client().create_bucket(Bucket="facts")
    pipeline, facts = S3Store("pipeline"), S3Store("facts")
    for name in ("amex-transfer-partners.html", "routes-jfk.txt", "bad/corrupt.pdf"):
        pipeline.put(f"raw/{name}", (DOCUMENTS / name).read_bytes())
    facts.put("reference/reference.jsonl", REFERENCE.read_bytes())
    local = extracted[0]
    for path in sorted((local / "extracted-facts").glob("*.jsonl")):
        facts.put(f"extracted-facts/{path.name}", path.read_bytes())
    reference = "s3://facts/reference/reference.jsonl"
    capsys.readouterr()

    # WHEN both Glue scripts run against s3:// locations, their executors reaching S3
    # through AWS_ENDPOINT_URL
    extract = _glue_script("extract_facts").main(
        [
            "--source",
            "s3://pipeline/raw/",
            "--output",
            "s3://pipeline/",
            "--reference-facts",
            reference,
        ]
    )
    extract_summary = _summary(capsys)
    build = _glue_script("build_graph_load").main(
        ["--source", "s3://facts/", "--output", "s3://pipeline/", "--reference-facts", reference]
    )
    build_summary = _summary(capsys)

    # THEN the documents were read and their outcomes written in the bucket
    assert (extract, build) == (0, 0)
    assert (extract_summary["ingested"], extract_summary["quarantined"]) == (2, 1)
    keys = pipeline.list()
    assert {
        "extracted-facts/amex-transfer-partners.jsonl",
        "extracted-facts/routes-jfk.jsonl",
        "quarantine/bad/corrupt.json",
    } <= set(keys)
    # (the PDF's bytes came through intact: it is rejected for being cut short, as locally)
    assert "corrupt PDF" in json.loads(pipeline.get("quarantine/bad/corrupt.json"))["reason"]
    # AND the same facts gave byte-identical load files, in a folder named by their digest
    run = build_summary["runId"]
    assert run.startswith("graph-")
    assert build_summary["loadPrefix"] == f"s3://pipeline/neptune-load/{run}/"
    in_bucket = {
        k.removeprefix(f"neptune-load/{run}/"): pipeline.get(k)
        for k in keys
        if k.startswith(f"neptune-load/{run}/")
    }
    assert in_bucket == _files(graph_load[0])
    assert f"graph-reports/{run}.json" in keys


def test_ingest_on_spark__documents_reach_the_knowledge_base_through_the_glue_jobs(
    spark: SparkSession, tmp_path: Path
) -> None:
    # GIVEN a knowledge base with the reference data, two good pages and an empty one
    from loyalty_maximizer.facts.loader import load_facts as load
    from loyalty_maximizer.graph.build import graph_rows as rows_of
    from loyalty_maximizer.graph.embedded import write_knowledge_base as write
    from loyalty_maximizer.spark.local_ingest import ingest_on_spark

    kb = tmp_path / "kb"
    write(kb, rows_of(load([ROOT / "samples" / "knowledge" / "reference.jsonl"]).facts))
    docs = tmp_path / "docs"
    docs.mkdir()
    for name in ("amex-transfer-partners.html", "routes-jfk.txt"):
        (docs / name).write_bytes((ROOT / "samples" / "documents" / name).read_bytes())
    (docs / "empty.html").write_bytes(b"")
    # WHEN ingested on Spark (extract job, graph job, CSV load)
    report = ingest_on_spark([docs], kb, facts_out=tmp_path / "facts.jsonl")
    # THEN the good pages land in the graph, the empty one is quarantined with its reason
    assert report["engine"] == "spark"
    assert report["documentsIngested"] == 2
    assert report["quarantined"] == [{"documentId": "empty", "reason": "empty file"}]
    assert report["factsByType"]["route"] == 34
    assert report["edgesByType"]["FLIES"] >= 34
    assert report["edgesByType"]["TRANSFERS_TO"] >= 12
    assert (tmp_path / "facts.jsonl").read_text(encoding="utf-8").count('"type": "route"') >= 34
