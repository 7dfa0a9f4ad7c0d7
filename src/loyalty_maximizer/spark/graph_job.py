"""The graph-load job: all current facts -> checks in Spark SQL -> Neptune bulk-load CSV.

Every facts file under ``extracted-facts/`` and the curated reference facts become one
DataFrame of lines (file, line, JSON text). Checks over it set lines aside, each with the
reason:

- date order: a validity window (``effectiveDate``/``expirationDate``) or a bonus
  (``startDate``/``endDate``) that ends before it starts;
- ratio bounds: a transfer ratio beyond ``MAX_RATIO`` either way, which no program offers
  and a misread (or lying) page produces;
- duplicates and conflicts: an entity, or a non-entity record identical in every field,
  stated more than once keeps the version from the most recently retrieved source document
  (ties: the later file, then the later line; curated files come before extracted ones), and
  every differing version dropped is reported as a conflict;
- dangling references: a program, airline, alliance, award region or document that no
  remaining record defines, repeated until nothing dangles (dropping a record can strand
  the records that point at it).

The lines that pass are collected and validated strictly on the driver (``facts.loader``,
which also knows the airport database), become graph rows with deterministic ids, and are
written as Neptune's openCypher bulk-load CSV under ``neptune-load/<run>/``. The run's
report (counts, rejected lines with reasons, conflicts) goes to ``graph-reports/<run>.json``,
outside the loader's prefix.

One graph build runs at a time and every ingestion execution asks for one, so a batch of
uploads queues builds that would read the same facts. A build therefore starts by
fingerprinting its input files; when a finished build read exactly those inputs
(``graph-builds/<fingerprint>.json``), its load files and report are copied to this run
instead of checking everything again.
"""

from __future__ import annotations

import hashlib
import json
import re
import tempfile
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyspark.sql import Column, DataFrame, Row, SparkSession, Window
from pyspark.sql import functions as F  # noqa: N812 (the PySpark convention)
from pyspark.sql.types import IntegerType, StringType, StructField, StructType

from loyalty_maximizer.errors import FactIssue, InvalidRequest
from loyalty_maximizer.facts.loader import LoadResult, SourcedFact, parse_line, validate_records
from loyalty_maximizer.facts.models import entity_key, fact_type
from loyalty_maximizer.graph.build import graph_rows
from loyalty_maximizer.graph.neptune_csv import write_neptune_csv
from loyalty_maximizer.spark import locations
from loyalty_maximizer.spark.storage import (
    EXTRACTED_PREFIX,
    LOAD_PREFIX,
    REPORT_PREFIX,
    ObjectStore,
    StorageError,
    jsonl_lines,
    jsonl_objects,
    store_for,
)

MAX_RATIO = 10
_RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
_ISO_DATE = r"^\d{4}-\d{2}-\d{2}$"

LINES = StructType(
    [
        StructField("file", StringType(), False),
        StructField("ordinal", IntegerType(), False),  # the file's place in the load order
        StructField("line", IntegerType(), False),
        StructField("text", StringType(), True),  # None: the line is not UTF-8
        # Identity and content (sourceDocumentId aside) of a line that is a valid record on
        # its own: the entity key, or the type and content of a non-entity record.
        StructField("key", StringType(), True),
        StructField("content", StringType(), True),
    ]
)
# A line set aside by a check: file, line, check, field, message.
REJECTED_FIELDS = ("file", "line", "check", "field", "message")


@dataclass(frozen=True)
class GraphOptions:
    output: str  # s3://bucket/ or a directory: neptune-load/ and graph-reports/ go below
    reference_facts: tuple[str, ...]  # curated JSONL files or prefixes
    source: str | None = None  # where extracted-facts/ is; the output by default
    run_id: str | None = None  # the load's folder name; by default a digest of its files

    REQUIRED = ("output", "reference-facts")
    OPTIONAL = ("source", "run-id")

    @classmethod
    def from_arguments(cls, args: Mapping[str, str | None]) -> GraphOptions:
        run_id = args.get("run_id") or None
        if run_id is not None and not _RUN_ID.fullmatch(run_id):
            raise InvalidRequest(
                f"--run-id {run_id!r}: use letters, digits, '.', '_' and '-' (at most 100)",
                "run-id",
            )
        return cls(
            output=str(args["output"]),
            reference_facts=locations(args.get("reference_facts"), "reference-facts"),
            source=args.get("source") or None,
            run_id=run_id,
        )


# Reading.


def _identity(file: str, line: int, text: str | None) -> tuple[str | None, str | None]:
    sourced, _ = parse_line(file, line, text)
    if sourced is None:
        return None, None  # the strict validation on the driver says what is wrong
    data = sourced.fact.to_json_dict()
    data.pop("sourceDocumentId", None)
    content = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    key = entity_key(sourced.fact)
    return ("/".join(key) if key else f"{fact_type(sourced.fact)}:{content}"), content


def _lines_of(item: tuple[int, ObjectStore, str]) -> Iterator[tuple[Any, ...]]:
    ordinal, store, key = item
    file = store.url(key)
    for line, text in jsonl_lines(store.get(key)):
        yield (file, ordinal, line, text, *_identity(file, line, text))


def read_fact_lines(spark: SparkSession, files: Sequence[tuple[ObjectStore, str]]) -> DataFrame:
    """Every non-blank line of the JSONL ``files`` (``LINES``), read inside the partitions."""
    items = [(ordinal, store, key) for ordinal, (store, key) in enumerate(files)]
    slices = max(1, min(len(items), spark.sparkContext.defaultParallelism))
    rdd = spark.sparkContext.parallelize(items, slices).flatMap(_lines_of)
    return spark.createDataFrame(rdd, LINES).select(*LINES.fieldNames())


def _field(name: str) -> Column:
    return F.get_json_object(F.col("text"), f"$.{name}")


def with_types(lines: DataFrame) -> DataFrame:
    return lines.select(*LINES.fieldNames(), _field("type").alias("type"))


def without(facts: DataFrame, rejected: DataFrame) -> DataFrame:
    """``facts`` minus the lines of ``rejected``."""
    return facts.join(
        rejected.select("file", "line").distinct(), on=["file", "line"], how="left_anti"
    )


# Checks on single records.


def _violation(check: str, condition: Column, field: Column, message: Column) -> Column:
    return F.when(
        condition,
        F.struct(F.lit(check).alias("check"), field.alias("field"), message.alias("message")),
    )


def _date_order() -> Column:
    """A validity window or a bonus that ends before it starts."""
    found = []
    for start, end in (("effectiveDate", "expirationDate"), ("startDate", "endDate")):
        # ISO dates order as strings; anything else is the strict validation's to report.
        dated = _field(start).rlike(_ISO_DATE) & _field(end).rlike(_ISO_DATE)
        message = F.format_string(
            f"{end} %s is before {start} %s: the record would never be valid",
            _field(end),
            _field(start),
        )
        found.append(
            _violation("dateOrder", dated & (_field(end) < _field(start)), F.lit(end), message)
        )
    return F.coalesce(*found)


def _ratio_bound() -> Column:
    """A transfer ratio beyond ``MAX_RATIO`` either way."""
    ratio_from = F.expr("try_cast(get_json_object(text, '$.ratioFrom') AS BIGINT)")
    ratio_to = F.expr("try_cast(get_json_object(text, '$.ratioTo') AS BIGINT)")
    too_generous = ratio_to > ratio_from * MAX_RATIO
    too_stingy = ratio_from > ratio_to * MAX_RATIO
    return _violation(
        "ratioBound",
        (F.col("type") == "transferPartnership") & (too_generous | too_stingy),
        F.when(too_generous, F.lit("ratioTo")).otherwise(F.lit("ratioFrom")),
        F.format_string(
            f"transfer ratio %s:%s is beyond {MAX_RATIO}x either way; check the source page",
            ratio_from,
            ratio_to,
        ),
    )


def with_record_checks(facts: DataFrame) -> DataFrame:
    """Adds ``violation`` (check, field, message) of the checks on single records (date
    order, ratio bounds); null for a record that passes them."""
    return facts.select(
        *facts.columns, F.coalesce(_date_order(), _ratio_bound()).alias("violation")
    )


def record_violations(checked: DataFrame) -> DataFrame:
    """(``REJECTED_FIELDS``) The lines that ``with_record_checks`` found wanting."""
    return checked.where(F.col("violation").isNotNull()).select(
        "file", "line", "violation.check", "violation.field", "violation.message"
    )


# Duplicates and conflicts between sources.


def rank_versions(facts: DataFrame) -> DataFrame:
    """Adds, per line, the source document (``source``), the line's ``rank`` among the
    versions of its key (1 = kept) and where the kept version is (``kept*``).

    A version's recency is its source document's ``retrievedDate`` (a document record's
    own); undated versions rank last, ties go to the later file and line."""
    documents = (
        facts.where(F.col("type") == "webSourceDocument")
        .select(_field("documentId").alias("documentId"), _field("retrievedDate").alias("date"))
        .groupBy("documentId")
        .agg(F.max("date").alias("sourceRetrieved"))
    )
    own_document = F.when(F.col("type").isin("webSourceDocument", "passage"), _field("documentId"))
    recency = F.when(F.col("type") == "webSourceDocument", _field("retrievedDate")).otherwise(
        F.col("sourceRetrieved")
    )
    newest_first = Window.partitionBy("key").orderBy(
        F.col("recency").desc_nulls_last(), F.col("ordinal").desc(), F.col("line").desc()
    )
    return (
        facts.withColumn("source", F.coalesce(_field("sourceDocumentId"), own_document))
        .join(documents, F.col("source") == F.col("documentId"), how="left")
        .withColumn("recency", recency)
        .select(
            *facts.columns,
            "source",
            # Lines that are not valid records have no key: each stands alone.
            F.when(F.col("key").isNull(), F.lit(1))
            .otherwise(F.row_number().over(newest_first))
            .alias("rank"),
            F.first("file").over(newest_first).alias("keptFile"),
            F.first("line").over(newest_first).alias("keptLine"),
            F.first("source").over(newest_first).alias("keptSource"),
            F.first("content").over(newest_first).alias("keptContent"),
        )
    )


def versions(ranked: DataFrame) -> DataFrame:
    """Per line: whether it is the version kept; if not, where the kept one is and whether
    they differ (a conflict) or the line only repeats it (a duplicate)."""
    return ranked.select(
        "file",
        "ordinal",
        "line",
        "text",
        (F.col("rank") == 1).alias("kept"),
        F.col("key").alias("entity"),
        "keptFile",
        "keptLine",
        "keptSource",
        "source",
        (F.col("content") != F.col("keptContent")).alias("conflict"),
    )


def latest_versions(ranked: DataFrame) -> DataFrame:
    return ranked.where(F.col("rank") == 1).select(*LINES.fieldNames(), "type")


# Dangling references.

_MESSAGES = {
    "alliance": 'allianceId "%s" is not defined by any alliance record',
    "airline": 'airlineId "%s" is not defined by any airline record',
    "program": 'programId "%s" is not defined by any loyaltyProgram record',
    "region": 'region "%s" is not defined for program "%s"',
    "document": 'document "%s" is not defined by a webSourceDocument',
}
# (record type, field, kind of entity it names); None: any record type.
_SCALAR_REFERENCES: tuple[tuple[str | None, str, str], ...] = (
    (None, "sourceDocumentId", "document"),
    ("airline", "allianceId", "alliance"),
    ("loyaltyProgram", "operatorAirlineId", "airline"),
    ("transferPartnership", "fromProgramId", "program"),
    ("transferPartnership", "toProgramId", "program"),
    ("transferBonus", "fromProgramId", "program"),
    ("transferBonus", "toProgramId", "program"),
    ("bookablePartner", "programId", "program"),
    ("bookablePartner", "airlineId", "airline"),
    ("route", "airlineId", "airline"),
    ("awardRegion", "programId", "program"),
    ("awardPrice", "programId", "program"),
    ("awardPrice", "originRegionId", "region"),
    ("awardPrice", "destinationRegionId", "region"),
    ("earningRule", "creditingProgramId", "program"),
    ("eliteTier", "programId", "program"),
    ("passage", "documentId", "document"),
)
_LIST_REFERENCES: tuple[tuple[str, str, str], ...] = (
    ("awardPrice", "operatingAirlineIds", "airline"),
    ("awardPrice", "excludedOperatingAirlineIds", "airline"),
    ("earningRule", "operatingAirlineIds", "airline"),
    ("earningRule", "marketingAirlineIds", "airline"),
)
# (record type, kind of entity it defines, its id field); regions are scoped by program.
_DEFINITIONS: tuple[tuple[str, str, str], ...] = (
    ("alliance", "alliance", "allianceId"),
    ("airline", "airline", "airlineId"),
    ("loyaltyProgram", "program", "programId"),
    ("awardRegion", "region", "regionId"),
    ("webSourceDocument", "document", "documentId"),
)
_REFERENCE = "struct<field:string,kind:string,scope:string,value:string,message:string>"


def _reference(field: Column, kind: str, value: Column) -> Column:
    scope = _field("programId") if kind == "region" else F.lit("")
    return F.struct(
        field.alias("field"),
        F.lit(kind).alias("kind"),
        scope.alias("scope"),
        value.alias("value"),
        F.format_string(_MESSAGES[kind], value, scope).alias("message"),
    )


def _list_references(record: str, name: str, kind: str) -> Column:
    """The references of a list field, ``name[i]`` each; null for other record types."""
    items = F.transform(
        F.from_json(_field(name), "array<string>"),
        lambda value, i: _reference(F.format_string(f"{name}[%d]", i), kind, value),
    )
    return F.when(F.col("type") == record, F.filter(items, lambda ref: ref["value"] != "*"))


def references(facts: DataFrame) -> DataFrame:
    """(file, line, type, field, kind, scope, value, message): one row per reference a
    record makes (``"*"`` wildcards aside)."""
    scalars = [
        F.when(
            (F.lit(True) if record is None else F.col("type") == record)
            & _field(name).isNotNull()
            & (_field(name) != "*" if kind == "region" else F.lit(True)),
            _reference(F.lit(name), kind, _field(name)),
        )
        for record, name, kind in _SCALAR_REFERENCES
    ]
    lists = [_list_references(record, name, kind) for record, name, kind in _LIST_REFERENCES]
    every = F.concat(
        F.filter(F.array(*scalars), lambda ref: ref.isNotNull()),
        *(F.coalesce(items, F.array().cast(f"array<{_REFERENCE}>")) for items in lists),
    )
    return facts.select("file", "line", "type", F.explode(every).alias("ref")).select(
        "file", "line", "type", "ref.field", "ref.kind", "ref.scope", "ref.value", "ref.message"
    )


def definitions(facts: DataFrame) -> DataFrame:
    """(kind, scope, value): every entity the records define."""
    kind = F.lit(None).cast("string")
    value = F.lit(None).cast("string")
    for record, defined, name in reversed(_DEFINITIONS):
        kind = F.when(F.col("type") == record, F.lit(defined)).otherwise(kind)
        value = F.when(F.col("type") == record, _field(name)).otherwise(value)
    scope = F.when(F.col("type") == "awardRegion", _field("programId")).otherwise(F.lit(""))
    return (
        facts.select(kind.alias("kind"), scope.alias("scope"), value.alias("value"))
        .where(F.col("kind").isNotNull() & F.col("value").isNotNull())
        .distinct()
    )


def dangling_references(facts: DataFrame) -> DataFrame:
    """(``REJECTED_FIELDS`` and ``type``) References to entities that no record of ``facts``
    defines."""
    return (
        references(facts)
        .join(definitions(facts), on=["kind", "scope", "value"], how="left_anti")
        .select(
            "file", "line", F.lit("danglingReference").alias("check"), "field", "message", "type"
        )
    )


# The job.


@dataclass
class CheckedFacts:
    """What the Spark checks let through and what they set aside."""

    passed: list[Row]  # ``versions`` rows kept, in load order
    dropped: list[Row]  # ``versions`` rows not kept
    rejected: list[dict[str, Any]]  # REJECTED_FIELDS

    @property
    def lines_read(self) -> int:
        rejected_lines = {(r["file"], r["line"]) for r in self.rejected}
        return len(self.passed) + len(self.dropped) + len(rejected_lines)


_DEFINING_TYPES = frozenset(record for record, _, _ in _DEFINITIONS)


def check_facts(spark: SparkSession, files: Sequence[tuple[ObjectStore, str]]) -> CheckedFacts:
    """Run the checks over every line of ``files``; collect the outcome of each line.

    Three small Spark jobs for a load that strands nothing: record checks, references,
    and the versions left; one more per round of records stranded by a rejected entity."""
    lines = with_record_checks(with_types(read_fact_lines(spark, files))).cache()
    rejected = [r.asDict() for r in record_violations(lines).collect()]
    ranked = rank_versions(lines.where(F.col("violation").isNull()).drop("violation")).cache()
    current = latest_versions(ranked)
    dangling: list[Row] = []
    while found := dangling_references(current).collect():
        dangling += found
        current = without(current, _lines_df(spark, found))
        if not any(r["type"] in _DEFINING_TYPES for r in found):
            break  # nothing that was set aside defined anything: nothing else dangles now
    rows = without(versions(ranked), _lines_df(spark, dangling)).collect()
    lines.unpersist()
    ranked.unpersist()
    passed = sorted((r for r in rows if r["kept"]), key=lambda r: (r["ordinal"], r["line"]))
    dropped = [r for r in rows if not r["kept"]]
    rejected += [{k: r[k] for k in REJECTED_FIELDS} for r in dangling]
    return CheckedFacts(passed, dropped, rejected)


def _lines_df(spark: SparkSession, rows: Sequence[Row]) -> DataFrame:
    return spark.createDataFrame([(r["file"], r["line"]) for r in rows], "file string, line int")


def validated_facts(passed: Sequence[Row]) -> LoadResult:
    """The strict validation of ``facts.loader`` over the lines that passed, quarantining
    what fails (airports unknown to the database, overlapping transfer versions, ...)."""
    parsed: list[SourcedFact] = []
    issues: list[FactIssue] = []
    for row in passed:
        sourced, line_issues = parse_line(row["file"], row["line"], row["text"])
        issues += line_issues
        if sourced is not None:
            parsed.append(sourced)
    return validate_records(parsed, issues, quarantine=True)


BUILDS_PREFIX = "graph-builds/"


def inputs_fingerprint(files: Sequence[tuple[ObjectStore, str]]) -> str:
    """A digest of the input files' names (within their stores) and contents: two builds
    with the same fingerprint read the same facts."""
    hasher = hashlib.sha256()
    for key, data in sorted((key, store.get(key)) for store, key in files):
        hasher.update(key.encode() + b"\0" + hashlib.sha256(data).digest())
    return hasher.hexdigest()[:32]


def _reused_build(
    output: ObjectStore, fingerprint: str, run_id: str | None
) -> dict[str, Any] | None:
    """The report of an earlier build of the same inputs, its load files copied under
    ``run_id``; None when there is none (or any of it is gone)."""
    try:
        earlier = json.loads(output.get(f"{BUILDS_PREFIX}{fingerprint}.json"))
        earlier_run = str(earlier["runId"])
        report = json.loads(output.get(f"{REPORT_PREFIX}{earlier_run}.json"))
        files = {name: output.get(f"{LOAD_PREFIX}{earlier_run}/{name}") for name in report["files"]}
    except (StorageError, ValueError, KeyError, TypeError):
        return None
    if run_id is None or run_id == earlier_run:
        return {**report, "report": output.url(f"{REPORT_PREFIX}{earlier_run}.json")}
    for name, data in sorted(files.items()):
        output.put(f"{LOAD_PREFIX}{run_id}/{name}", data)
    reused = {
        **report,
        "runId": run_id,
        "loadPrefix": output.url(f"{LOAD_PREFIX}{run_id}/"),
        "reusedFrom": earlier_run,
    }
    report_key = f"{REPORT_PREFIX}{run_id}.json"
    output.put(report_key, (json.dumps(reused, indent=2, ensure_ascii=False) + "\n").encode())
    return {**reused, "report": output.url(report_key)}


def build_graph_load(spark: SparkSession, options: GraphOptions) -> dict[str, Any]:
    """Check the current facts, write the Neptune load files and the run report; return
    the report. A build of inputs an earlier build read reuses its files and report."""
    output = store_for(options.output)
    facts_store = store_for(options.source) if options.source else output
    files = [pair for url in options.reference_facts for pair in jsonl_objects(url)]
    files += [(facts_store, k) for k in facts_store.list(EXTRACTED_PREFIX) if k.endswith(".jsonl")]
    fingerprint = inputs_fingerprint(files)
    reused = _reused_build(output, fingerprint, options.run_id)
    if reused is not None:
        return reused

    checked = check_facts(spark, files)
    result = validated_facts(checked.passed)
    rows = graph_rows(result.facts)
    with tempfile.TemporaryDirectory() as directory:
        contents = {p.name: p.read_bytes() for p in write_neptune_csv(rows, Path(directory))}
    run_id = options.run_id or _digest(contents)
    for name, data in sorted(contents.items()):
        output.put(f"{LOAD_PREFIX}{run_id}/{name}", data)

    rejected = sorted(
        checked.rejected + [{**i.to_json(), "check": "validation"} for i in result.quarantined],
        key=lambda r: (r["file"], r["line"], r["check"], r["field"] or ""),
    )
    conflicts = sorted(
        (
            {
                "entity": d["entity"],
                "keptFile": d["keptFile"],
                "keptLine": d["keptLine"],
                "keptSource": d["keptSource"],
                "droppedFile": d["file"],
                "droppedLine": d["line"],
                "droppedSource": d["source"],
            }
            for d in checked.dropped
            if d["conflict"]
        ),
        key=lambda c: (c["entity"], c["droppedFile"], c["droppedLine"]),
    )
    report: dict[str, Any] = {
        "runId": run_id,
        "loadPrefix": output.url(f"{LOAD_PREFIX}{run_id}/"),
        "files": sorted(contents),
        "factFiles": len(files),
        "linesRead": checked.lines_read,
        "factsLoaded": len(result.facts),
        "duplicatesDropped": len(checked.dropped) - len(conflicts),
        "rejectedLines": len({(r["file"], r["line"]) for r in rejected}),
        "rejectedByCheck": dict(sorted(Counter(r["check"] for r in rejected).items())),
        "nodes": len(rows.nodes),
        "edges": len(rows.edges),
        "nodesByLabel": dict(sorted(Counter(n.label for n in rows.nodes).items())),
        "edgesByLabel": dict(sorted(Counter(e.label for e in rows.edges).items())),
        "rejected": rejected,
        "conflicts": conflicts,
    }
    report_key = f"{REPORT_PREFIX}{run_id}.json"
    output.put(report_key, (json.dumps(report, indent=2, ensure_ascii=False) + "\n").encode())
    build = {"runId": run_id, "fingerprint": fingerprint}
    output.put(f"{BUILDS_PREFIX}{fingerprint}.json", (json.dumps(build) + "\n").encode())
    return {**report, "report": output.url(report_key)}


def _digest(contents: dict[str, bytes]) -> str:
    """A run id that names the graph: the same facts give the same load folder."""
    hasher = hashlib.sha256()
    for name, data in sorted(contents.items()):
        hasher.update(name.encode() + b"\0" + data + b"\0")
    return f"graph-{hasher.hexdigest()[:16]}"
