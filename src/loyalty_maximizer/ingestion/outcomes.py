"""How an ingestion run ends, in the bucket: what the extract job decided for the document
(``check_extraction``), and where the source file goes afterwards: ``archive/`` with a run
report when it was ingested, ``quarantine/raw/`` with the reason when it was set aside, at
any stage (``quarantine_run``), or rejected on arrival (``quarantine_upload``).

Every ending returns a ``RunSummary``: what the run report and the curator's notification
say about the run.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections import Counter
from collections.abc import Callable, Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.errors import LoyaltyError
from loyalty_maximizer.ingestion.bucket import (
    DocumentsBucket,
    archive_key,
    extracted_key,
    graph_report_key,
    processed_key,
    quarantine_key,
    quarantine_raw_key,
    run_report_key,
)
from loyalty_maximizer.ingestion.run import RunDocument
from loyalty_maximizer.ingestion.uploads import Upload
from loyalty_maximizer.spark.storage import jsonl_lines

MAX_REASON_CHARS = 2_000
# Errors a step raises on purpose, by the stage that raises them.
_STAGE_OF_ERROR = {
    "DocumentRejected": "prepare",
    "TextractFailed": "textract",
    "ExtractionMissing": "extraction",
    # the machine's own error for a document the extract job set aside (its Cause is the
    # CheckExtraction answer, with the reason)
    "ExtractionQuarantined": "extraction",
    "NeptuneLoadError": "neptune-load",
    "NeptuneLoadTimeout": "neptune-load",
}
# A state's result path, and the stage that failed when a run stops before it. The failure
# path keeps the results of the states that finished, so the first missing one says where.
_STAGE_RESULTS = (("dispatch", "dispatch"), ("extraction", "extraction"), ("load", "graph-build"))

Clock = Callable[[], dt.datetime]


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ExtractionMissing(LoyaltyError):
    """The extract job finished without deciding on the document."""

    code = "extraction_missing"


class RunSummary(BaseModel):
    """A run's outcome: ``$.report`` in the machine, the head of ``reports/<runId>.json``."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")

    run_id: str | None = None
    document_id: str
    source: str  # where the curator uploaded it
    status: Literal["ingested", "quarantined"]
    stage: str | None = None  # quarantined: where it stopped
    reason: str | None = None
    error: str | None = None
    facts: int = 0
    facts_by_type: dict[str, int] = {}
    nodes: int | None = None
    edges: int | None = None
    moved_to: str | None = None  # where the source file is now
    report: str | None = None  # the run report

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


def check_extraction(bucket: DocumentsBucket, document: RunDocument) -> dict[str, Any]:
    """What the extract job wrote for this run's document: ``{"status": "ingested",
    "factsKey", "facts", "factsByType"}`` or ``{"status": "quarantined", "reason", "facts":
    0}``.

    Files older than the run's prepared document are an earlier version's and do not
    count. Raises ExtractionMissing when the job wrote neither."""
    since = bucket.modified(processed_key(document.document_id))
    facts_key, set_aside_key = (
        extracted_key(document.document_id),
        quarantine_key(document.document_id),
    )
    written = {
        key: modified
        for key in (facts_key, set_aside_key)
        if (modified := bucket.modified(key)) is not None and (since is None or modified >= since)
    }
    if not written:
        raise ExtractionMissing(
            f"the extract job wrote neither {bucket.url(facts_key)} nor "
            f"{bucket.url(set_aside_key)} for run {document.run_id}; check the Glue job's log"
        )
    if max(written, key=lambda k: (written[k], k == set_aside_key)) == set_aside_key:
        record = bucket.get_json(set_aside_key)
        reason = record.get("reason") if isinstance(record, dict) else None
        return {
            "status": "quarantined",
            "reason": str(reason or "the extract job set the document aside without a reason"),
            "facts": 0,
        }
    counts = facts_by_type(bucket.get(facts_key).data)
    return {
        "status": "ingested",
        "factsKey": facts_key,
        "facts": sum(counts.values()),
        "factsByType": counts,
    }


def facts_by_type(jsonl: bytes) -> dict[str, int]:
    """The number of facts of each ``type`` in a facts JSONL file."""
    counts: Counter[str] = Counter()
    for _, text in jsonl_lines(jsonl):
        try:
            record = json.loads(text) if text else None
        except ValueError:
            record = None
        counts[str(record.get("type")) if isinstance(record, dict) else "(unreadable)"] += 1
    return dict(sorted(counts.items()))


def archive(
    bucket: DocumentsBucket,
    document: RunDocument,
    *,
    stages: Mapping[str, Any] | None = None,
    now: Clock = _utc_now,
) -> RunSummary:
    """Move an ingested upload to ``archive/`` and write ``reports/<runId>.json``: the
    document, the stages' results, its facts by type and the graph build's size."""
    counts = facts_by_type(bucket.get(extracted_key(document.document_id)).data)
    graph = _graph_report(bucket, document.run_id)
    target = archive_key(document.key)
    bucket.move(document.key, target, document.version_id)
    summary = RunSummary(
        run_id=document.run_id,
        document_id=document.document_id,
        source=document.source_url,
        status="ingested",
        facts=sum(counts.values()),
        facts_by_type=counts,
        nodes=graph.get("nodes"),
        edges=graph.get("edges"),
        moved_to=bucket.url(target),
        report=bucket.url(run_report_key(document.run_id)),
    )
    _write_report(bucket, summary, document, stages or {}, now)
    return summary


def quarantine_run(
    bucket: DocumentsBucket,
    document: RunDocument,
    *,
    error: Mapping[str, Any] | None = None,
    stages: Mapping[str, Any] | None = None,
    now: Clock = _utc_now,
) -> RunSummary:
    """Set a run's upload aside: move it to ``quarantine/raw/``, write why to
    ``quarantine/<documentId>.json`` and the run report.

    ``error`` is the failure path's ``$.error`` (``{"Error", "Cause"}``); without one the
    run got there because the extract job quarantined the document (``stages["extraction"]``).
    """
    stages = dict(stages or {})
    if not error and "extraction" not in stages:
        # Reached without an error: the extract job set the document aside, and the state
        # machine did not pass on what CheckExtraction found; find it again.
        with contextlib.suppress(ExtractionMissing):
            stages["extraction"] = check_extraction(bucket, document)
    stage, reason = failure_of(error, stages)
    summary = _set_aside(
        bucket,
        source_key=document.key,
        version_id=document.version_id,
        summary=RunSummary(
            run_id=document.run_id,
            document_id=document.document_id,
            source=document.source_url,
            status="quarantined",
            stage=stage,
            reason=reason,
            error=str(error.get("Error")) if error and error.get("Error") else None,
            report=bucket.url(run_report_key(document.run_id)),
        ),
        now=now,
    )
    _write_report(bucket, summary, document, stages, now)
    return summary


def quarantine_upload(
    bucket: DocumentsBucket, upload: Upload, rejected: DocumentRejected, *, now: Clock = _utc_now
) -> RunSummary:
    """Set aside an upload the trigger rejected (no run was started for it)."""
    return _set_aside(
        bucket,
        source_key=upload.key,
        version_id=upload.version_id,
        summary=RunSummary(
            document_id=upload.document_id,
            source=upload.url,
            status="quarantined",
            stage="upload",
            reason=rejected.reason,
            error=type(rejected).__name__,
        ),
        now=now,
    )


def failure_of(error: Mapping[str, Any] | None, stages: Mapping[str, Any]) -> tuple[str, str]:
    """The stage a run stopped at and the reason, from ``$.error`` and the results so far."""
    extraction = stages.get("extraction")
    if not error and isinstance(extraction, Mapping) and extraction.get("status") == "quarantined":
        return "extraction", str(extraction.get("reason") or "set aside by the extract job")
    name = str((error or {}).get("Error") or "")
    stage = _STAGE_OF_ERROR.get(name) or next(
        (stage for result, stage in _STAGE_RESULTS if result not in stages), "neptune-load"
    )
    dispatch = stages.get("dispatch")
    if stage == "prepare" and isinstance(dispatch, Mapping) and dispatch.get("route") == "textract":
        stage = "textract"  # the callback rejected what Textract read
    return stage, reason_from_error(error)


def reason_from_error(error: Mapping[str, Any] | None) -> str:
    """A Step Functions error's cause in words: a Lambda's ``errorMessage``, a Glue job
    run's ``ErrorMessage``, an extraction outcome's ``reason``, or the cause as sent
    (``SendTaskFailure``)."""
    if not error:
        return "the run failed without saying why; see the execution's history"
    name, cause = str(error.get("Error") or "error"), str(error.get("Cause") or "")
    try:
        parsed = json.loads(cause)
    except ValueError:
        parsed = None
    if isinstance(parsed, dict):
        message = parsed.get("errorMessage") or parsed.get("ErrorMessage") or parsed.get("reason")
        if message:
            cause = str(message)
    if not cause:
        return f"{name} (no details); see the execution's history"
    return cause[:MAX_REASON_CHARS]


def _set_aside(
    bucket: DocumentsBucket,
    *,
    source_key: str,
    version_id: str | None,
    summary: RunSummary,
    now: Clock,
) -> RunSummary:
    target = quarantine_raw_key(source_key)
    bucket.move(source_key, target, version_id)
    summary = summary.model_copy(update={"moved_to": bucket.url(target)})
    record = {
        "documentId": summary.document_id,
        "source": summary.source,
        "stage": summary.stage,
        "reason": summary.reason,
        "error": summary.error,
        "runId": summary.run_id,
        "movedTo": summary.moved_to,
        "quarantinedAt": now().isoformat(),
    }
    bucket.put_json(
        quarantine_key(summary.document_id), {k: v for k, v in record.items() if v is not None}
    )
    return summary


def _graph_report(bucket: DocumentsBucket, run_id: str) -> dict[str, Any]:
    key = graph_report_key(run_id)
    if bucket.modified(key) is None:
        return {}
    report = bucket.get_json(key)
    return report if isinstance(report, dict) else {}


def _write_report(
    bucket: DocumentsBucket,
    summary: RunSummary,
    document: RunDocument,
    stages: Mapping[str, Any],
    now: Clock,
) -> None:
    report = {
        **summary.to_json(),
        "document": document.to_json(),
        "stages": dict(stages),
        "finishedAt": now().isoformat(),
    }
    bucket.put_json(run_report_key(document.run_id), report)
