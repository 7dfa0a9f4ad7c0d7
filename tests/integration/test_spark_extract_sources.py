"""The extract job's ``--source`` as the ingestion machine uses it: one object (an upload,
or a document dispatch already prepared under ``processed-text/``), locally and on S3."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto.server import ThreadedMotoServer
from pyspark.sql import SparkSession

from loyalty_maximizer.documents.prepare import DEFAULT_MAX_BYTES, prepare_document
from loyalty_maximizer.extraction.catalogue import Catalogue
from loyalty_maximizer.extraction.offline import OfflineExtractor
from loyalty_maximizer.ingestion.pipeline import SourceFile, process_document
from loyalty_maximizer.spark.extract_job import (
    ExtractOptions,
    documents_at,
    is_prepared,
    read_facts,
    run_extract,
)
from loyalty_maximizer.spark.storage import LocalStore, S3Store

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = ROOT / "samples" / "documents"
REFERENCE = ROOT / "samples" / "knowledge" / "reference.jsonl"
RETRIEVED = dt.date(2026, 11, 20)


def _prepared_json(name: str, document_id: str) -> bytes:
    """What dispatch writes to processed-text/ for a sample upload."""
    raw = (DOCUMENTS / name).read_bytes()
    document = prepare_document(
        raw,
        document_id,
        "html" if name.endswith(".html") else "text",
        retrieved_date=RETRIEVED.isoformat(),
    )
    return json.dumps(document.model_dump(mode="json", by_alias=True)).encode()


def _library_facts(name: str, document_id: str) -> list[str]:
    """The facts the library's own per-document step finds in a sample upload."""
    extractor = OfflineExtractor(Catalogue.from_facts(read_facts([str(REFERENCE)])))
    facts, outcome = process_document(
        (DOCUMENTS / name).read_bytes(),
        SourceFile(document_id, Path(name)),
        extractor.extract,
        max_bytes=DEFAULT_MAX_BYTES,
        retrieved=RETRIEVED,
    )
    assert outcome.status == "ingested"
    return [json.dumps(f.to_json_dict(), ensure_ascii=False) for f in facts]


@pytest.mark.parametrize(
    ("location", "prepared"),
    [
        ("s3://docs/processed-text/aa-earning.json", True),
        ("/tmp/bucket/processed-text/nested/aa-earning.json", True),
        ("s3://docs/raw/aa-earning.html", False),
        ("s3://docs/raw/processed-text.json", False),
        ("s3://docs/processed-text/aa-earning.html", False),
    ],
)
def test_is_prepared__json_in_a_processed_text_folder(location: str, prepared: bool) -> None:
    assert is_prepared(location) is prepared


def test_documents_at__a_file_or_a_directory(tmp_path: Path) -> None:
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "a.html").write_text("<p>a</p>")
    (tmp_path / "raw" / "b.txt").write_text("b")
    store, keys = documents_at(str(tmp_path / "raw" / "a.html"))
    assert isinstance(store, LocalStore)
    assert (store.root, keys) == (tmp_path / "raw", ["a.html"])
    assert documents_at(str(tmp_path / "raw"))[1] == ["a.html", "b.txt"]


def test_extract__one_upload__only_that_document(spark: SparkSession, tmp_path: Path) -> None:
    # GIVEN a raw folder of several uploads
    raw = tmp_path / "raw"
    raw.mkdir()
    for name in ("routes-jfk.txt", "amex-transfer-partners.html"):
        (raw / name).write_bytes((DOCUMENTS / name).read_bytes())
    output = tmp_path / "bucket"
    # WHEN the job's source names one of them
    summary = run_extract(
        spark, ExtractOptions(str(raw / "routes-jfk.txt"), str(output), (str(REFERENCE),))
    )
    # THEN only that one is extracted, named after its file
    assert [(o["documentId"], o["status"]) for o in summary["outcomes"]] == [
        ("routes-jfk", "ingested")
    ]
    assert [p.name for p in (output / "extracted-facts").iterdir()] == ["routes-jfk.jsonl"]


def test_extract__processed_text__prepared_documents_give_the_librarys_facts(
    spark: SparkSession, tmp_path: Path
) -> None:
    # GIVEN processed-text/ with two prepared documents (one under another file name) and
    # an object that is not a prepared document
    folder = tmp_path / "bucket" / "processed-text"
    folder.mkdir(parents=True)
    (folder / "routes-jfk.json").write_bytes(_prepared_json("routes-jfk.txt", "routes-jfk"))
    (folder / "renamed.json").write_bytes(
        _prepared_json("amex-transfer-partners.html", "amex-transfer-partners")
    )
    (folder / "stray.json").write_bytes(b'{"documentId": "stray"}')
    output = tmp_path / "bucket"

    # WHEN the job runs over the folder
    summary = run_extract(spark, ExtractOptions(str(folder), str(output), (str(REFERENCE),)))

    # THEN each prepared document names itself and yields what the library finds in its upload
    outcomes = {o["documentId"]: o for o in summary["outcomes"]}
    assert {k: o["status"] for k, o in outcomes.items()} == {
        "amex-transfer-partners": "ingested",
        "routes-jfk": "ingested",
        "stray": "quarantined",
    }
    for name, document_id in (
        ("routes-jfk.txt", "routes-jfk"),
        ("amex-transfer-partners.html", "amex-transfer-partners"),
    ):
        written = (output / "extracted-facts" / f"{document_id}.jsonl").read_text(encoding="utf-8")
        assert written.splitlines() == _library_facts(name, document_id)
    # AND the stray object is set aside with a reason that says what it is not
    record = json.loads((output / "quarantine" / "stray.json").read_text())
    assert record["reason"].startswith("not a prepared document (")


@pytest.fixture
def moto_server(spark: SparkSession, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto S3 server the driver and the executors reach through AWS_ENDPOINT_URL."""
    for name in ("AWS_ENDPOINT_URL_S3", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    settings = {
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    environment = spark.sparkContext.environment
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
        monkeypatch.setitem(environment, name, value)
    yield settings["AWS_ENDPOINT_URL"]
    server.stop()


def test_extract__one_prepared_object_on_s3__its_facts_in_the_bucket(
    spark: SparkSession, moto_server: str
) -> None:
    # GIVEN the documents bucket as the ingestion machine leaves it before ExtractFacts
    boto3.client("s3", endpoint_url=moto_server).create_bucket(Bucket="documents")
    bucket = S3Store("documents")
    bucket.put("processed-text/routes-jfk.json", _prepared_json("routes-jfk.txt", "routes-jfk"))
    bucket.put("processed-text/other.json", _prepared_json("routes-jfk.txt", "other"))
    # WHEN the job runs with the machine's arguments
    summary = run_extract(
        spark,
        ExtractOptions(
            "s3://documents/processed-text/routes-jfk.json",
            "s3://documents/",
            (str(REFERENCE),),
        ),
    )
    # THEN that document's facts are in extracted-facts/, and nothing else was read
    assert [o["documentId"] for o in summary["outcomes"]] == ["routes-jfk"]
    assert bucket.list("extracted-facts/") == ["extracted-facts/routes-jfk.jsonl"]
    written = bucket.get("extracted-facts/routes-jfk.jsonl").decode("utf-8")
    assert written.splitlines() == _library_facts("routes-jfk.txt", "routes-jfk")
