"""The fact-extraction job: documents under a prefix, or one document -> one facts JSONL
per document.

Each Spark partition reads its documents from the object store, runs the same per-document
step as ``loyalty ingest`` (``ingestion.pipeline.process_document``) with an offline
extractor whose name catalogue is broadcast from the reference facts, and writes either
``extracted-facts/<documentId>.jsonl`` or ``quarantine/<documentId>.json`` (the reason).

A document is an upload (HTML, PDF, text), whose id is its key below the source prefix
without the extension (keys that differ only by extension keep it), or a ``.json`` object in
a ``processed-text/`` folder: a ``PreparedDocument`` the ingestion machine already prepared
(from HTML, or from Textract's reading of a PDF), which names its own id. The same documents
always give byte-identical files.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from pydantic import ValidationError
from pyspark import Broadcast
from pyspark.sql import DataFrame, Row, SparkSession, Window
from pyspark.sql import functions as F  # noqa: N812 (the PySpark convention)
from pyspark.sql.types import IntegerType, StringType, StructField, StructType

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.model import PreparedDocument
from loyalty_maximizer.documents.prepare import DEFAULT_MAX_BYTES
from loyalty_maximizer.errors import FactIssue, InvalidRequest
from loyalty_maximizer.extraction.catalogue import Catalogue
from loyalty_maximizer.extraction.offline import OfflineExtractor
from loyalty_maximizer.facts.loader import SourcedFact, parse_line, validate_records
from loyalty_maximizer.facts.models import FactModel
from loyalty_maximizer.ingestion.bucket import PROCESSED_PREFIX
from loyalty_maximizer.ingestion.pipeline import (
    DocumentOutcome,
    SourceFile,
    process_document,
    process_prepared,
)
from loyalty_maximizer.spark import locations
from loyalty_maximizer.spark.catalog import register_extracted_facts
from loyalty_maximizer.spark.storage import (
    EXTRACTED_PREFIX,
    QUARANTINE_PREFIX,
    ObjectStore,
    StorageError,
    jsonl_lines,
    jsonl_objects,
    object_at,
    store_for,
)

OUTCOMES = StructType(
    [
        StructField("documentId", StringType(), False),
        StructField("key", StringType(), False),
        StructField("status", StringType(), False),  # ingested | quarantined
        StructField("reason", StringType(), True),
        StructField("facts", IntegerType(), False),
        StructField("output", StringType(), False),  # the key written under the output
    ]
)


@dataclass(frozen=True)
class ExtractOptions:
    # s3://bucket/raw/ or a directory of documents, or one document: an upload, or a
    # prepared one (s3://bucket/processed-text/<documentId>.json or a local file)
    source: str
    output: str  # s3://bucket/ or a directory; extracted-facts/ and quarantine/ go below
    reference_facts: tuple[str, ...]  # JSONL files or prefixes naming programs and airlines
    max_bytes: int = DEFAULT_MAX_BYTES
    # Register extracted-facts/ in the Glue Data Catalog (S3 outputs only) for Athena.
    catalog_database: str | None = None
    catalog_table: str = "extracted_facts"

    REQUIRED = ("source", "output", "reference-facts")
    OPTIONAL = ("max-bytes", "catalog-database", "catalog-table")

    @classmethod
    def from_arguments(cls, args: Mapping[str, str | None]) -> ExtractOptions:
        """Typed options from ``spark.job_arguments``; ``--reference-facts`` takes a
        comma-separated list."""
        max_bytes = args.get("max_bytes") or str(DEFAULT_MAX_BYTES)
        if not max_bytes.isdigit() or int(max_bytes) <= 0:
            raise InvalidRequest(f"--max-bytes {max_bytes!r}: want a positive integer", "max-bytes")
        return cls(
            source=str(args["source"]),
            output=str(args["output"]),
            reference_facts=locations(args.get("reference_facts"), "reference-facts"),
            max_bytes=int(max_bytes),
            catalog_database=args.get("catalog_database") or None,
            catalog_table=args.get("catalog_table") or "extracted_facts",
        )


def read_facts(urls: Iterable[str]) -> list[FactModel]:
    """The validated facts of JSONL objects loaded together (all-or-nothing)."""
    parsed: list[SourcedFact] = []
    issues: list[FactIssue] = []
    for url in urls:
        for store, key in jsonl_objects(url):
            for line, text in jsonl_lines(store.get(key)):
                sourced, line_issues = parse_line(store.url(key), line, text)
                issues += line_issues
                if sourced is not None:
                    parsed.append(sourced)
    return validate_records(parsed, issues, quarantine=False).facts


def documents_at(url: str) -> tuple[ObjectStore, list[str]]:
    """The store and the document keys of ``--source``: the one object it names, or every
    object under it when it is a prefix or a directory.

    An S3 location names one object when it does not end in ``/`` and an object has that
    key; a local one when it is a file."""
    single = _single_object(url)
    if single is not None:
        store, key = single
        return store, [key]
    store = store_for(url)
    return store, store.list()


def _single_object(url: str) -> tuple[ObjectStore, str] | None:
    if url.startswith("s3://"):
        if url.endswith("/") or not urlsplit(url).path.strip("/"):
            return None
        store, key = object_at(url)
        try:
            store.modified(key)
        except StorageError:
            return None  # no such object: a prefix without its trailing slash
        return store, key
    path = Path(urlsplit(url).path if url.startswith("file:") else url)
    return object_at(url) if path.is_file() else None


def is_prepared(location: str) -> bool:
    """Whether the object at ``location`` is a ``PreparedDocument``: a ``.json`` object in a
    ``processed-text/`` folder (raw uploads are never ``.json``)."""
    folders = PurePosixPath(urlsplit(location).path).parts[:-1]
    return location.endswith(".json") and PROCESSED_PREFIX.strip("/") in folders


def document_keys(spark: SparkSession, keys: Sequence[str]) -> DataFrame:
    return spark.createDataFrame([(k,) for k in keys], "key string")


def with_document_ids(documents: DataFrame) -> DataFrame:
    """(key) -> (key, documentId): the key without its extension, or the whole key when
    another key differs from it only by extension."""
    stem = F.regexp_replace(F.col("key"), r"\.[^./]*$", "")
    return (
        documents.select("key")
        .withColumn("stem", stem)
        .withColumn("sharing", F.count(F.lit(1)).over(Window.partitionBy("stem")))
        .select(
            "key",
            F.when(F.col("sharing") == 1, F.col("stem"))
            .otherwise(F.col("key"))
            .alias("documentId"),
        )
    )


def extract_documents(
    documents: DataFrame,
    source: ObjectStore,
    output: ObjectStore,
    catalogue: Broadcast[Catalogue],
    *,
    max_bytes: int,
) -> DataFrame:
    """(key, documentId) -> one outcome row per document (``OUTCOMES``), after writing its
    facts or its quarantine record to ``output``.

    The writes happen when an action evaluates the result: collect it once (another action
    extracts again, harmlessly, since the same document gives the same files)."""

    def run(rows: Iterable[Row]) -> Iterator[tuple[Any, ...]]:
        extractor = OfflineExtractor(catalogue.value)
        for row in rows:
            yield _extract_one(row["key"], row["documentId"], source, output, extractor, max_bytes)

    # A document is a tiny row but heavy work: spread them over every core of the cluster
    # rather than over however many partitions the previous step happened to leave.
    spread = documents.repartition(documents.sparkSession.sparkContext.defaultParallelism * 2)
    outcomes = spread.select("key", "documentId").rdd.mapPartitions(run)
    return documents.sparkSession.createDataFrame(outcomes, OUTCOMES).select(*OUTCOMES.fieldNames())


def _extract_one(
    key: str,
    document_id: str,
    source: ObjectStore,
    output: ObjectStore,
    extractor: OfflineExtractor,
    max_bytes: int,
) -> tuple[Any, ...]:
    raw = source.get(key)
    try:
        if is_prepared(source.url(key)):
            document = prepared_document(raw)
            document_id = document.document_id
            facts, outcome = process_prepared(document, key, extractor.extract)
        else:
            retrieved = source.modified(key).date()
            facts, outcome = process_document(
                raw,
                SourceFile(document_id, Path(key)),
                extractor.extract,
                max_bytes=max_bytes,
                retrieved=retrieved,
            )
    except DocumentRejected as exc:
        facts, outcome = [], DocumentOutcome(document_id, key, "quarantined", exc.reason)
    except Exception as exc:  # one document that breaks the extractor must not stop the batch
        facts = []
        outcome = DocumentOutcome(
            document_id,
            key,
            "quarantined",
            f"the extractor failed on this document ({type(exc).__name__}: {exc}); "
            "report it with the file attached",
        )
    if outcome.status == "ingested":
        target = f"{EXTRACTED_PREFIX}{document_id}.jsonl"
        lines = (json.dumps(f.to_json_dict(), ensure_ascii=False) + "\n" for f in facts)
        output.put(target, "".join(lines).encode("utf-8"))
    else:
        target = f"{QUARANTINE_PREFIX}{document_id}.json"
        record = {**outcome.to_json(), "path": source.url(key)}
        output.put(target, (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode())
    return (document_id, key, outcome.status, outcome.reason, len(facts), target)


def prepared_document(raw: bytes) -> PreparedDocument:
    """A ``processed-text/`` object's document. Raises DocumentRejected when it is not one."""
    try:
        return PreparedDocument.model_validate_json(raw)
    except ValidationError as exc:
        issue = exc.errors()[0]
        where = ".".join(str(part) for part in issue["loc"]) or "the document"
        raise DocumentRejected(
            f"not a prepared document ({where}: {issue['msg']}); processed-text/ holds what "
            "the ingestion pipeline prepared: upload the original file under raw/ instead"
        ) from exc


def run_extract(spark: SparkSession, options: ExtractOptions) -> dict[str, Any]:
    """Extract every document at ``options.source``; return the run's summary."""
    source, keys = documents_at(options.source)
    output = store_for(options.output)
    catalogue = spark.sparkContext.broadcast(
        Catalogue.from_facts(read_facts(options.reference_facts))
    )
    documents = with_document_ids(document_keys(spark, keys))
    # Sorted here, not by Spark: a sort would sample its input, running the extraction twice.
    rows = sorted(
        extract_documents(
            documents, source, output, catalogue, max_bytes=options.max_bytes
        ).collect(),
        key=lambda r: str(r["documentId"]),
    )
    statuses = Counter(r["status"] for r in rows)
    summary: dict[str, Any] = {
        "source": options.source,
        "output": options.output,
        "documents": len(rows),
        "ingested": statuses.get("ingested", 0),
        "quarantined": statuses.get("quarantined", 0),
        "facts": sum(r["facts"] for r in rows),
        "outcomes": [{k: v for k, v in r.asDict().items() if v is not None} for r in rows],
    }
    if options.catalog_database:
        if not options.output.startswith("s3://"):
            raise InvalidRequest("--catalog-database needs an s3:// --output", "catalog-database")
        import boto3

        summary["catalog"] = register_extracted_facts(
            database=options.catalog_database,
            table=options.catalog_table,
            location=f"{options.output.rstrip('/')}/{EXTRACTED_PREFIX}",
            boto3_session=boto3.Session(),
        )
    return summary
