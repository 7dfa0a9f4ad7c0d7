"""The ingestion machine's Neptune bulk load: start it, then report where it stands on each
poll (the machine waits between polls and gives up after its cap).

Both take the loader as a port (``start_load``/``load_status``, which ``NeptuneClient``
implements), so they run against a fake in tests.
"""

from __future__ import annotations

from typing import Any, Protocol

from loyalty_maximizer.errors import InvalidRequest
from loyalty_maximizer.graph.neptune import (
    LOAD_COMPLETED,
    LoadStatus,
    NeptuneLoadError,
    NeptuneLoadTimeout,
    _describe_errors,
)

SHOWN_ERRORS = 5  # error records returned to the state machine (its payloads are small)


class Loader(Protocol):
    def start_load(self, source: str, iam_role_arn: str) -> str: ...

    def load_status(self, load_id: str) -> LoadStatus: ...


def start_graph_load(loader: Loader, source: str, role_arn: str) -> dict[str, Any]:
    """Start loading the openCypher CSV under ``source`` (``s3://bucket/neptune-load/<run>/``)
    with the loader role; ``{"loadId", "polls": 0}``."""
    if not source.startswith("s3://") or not source.endswith("/"):
        raise InvalidRequest(
            f"load source {source!r}: want an s3://bucket/prefix/ folder", "source"
        )
    if not role_arn.startswith("arn:"):
        raise InvalidRequest(f"loader role {role_arn!r}: want an IAM role ARN", "roleArn")
    return {"loadId": loader.start_load(source, role_arn), "polls": 0}


def graph_load_status(
    loader: Loader, load_id: str, *, polls: int = 1, max_polls: int | None = None
) -> dict[str, Any]:
    """One poll of a load: ``{"loadId", "status", "done", "failed", "polls", "errors"?}``.
    ``polls`` is this poll's number: the state machine counts (States.MathAdd), so the
    answer carries it back unchanged.

    Raises NeptuneLoadError when the load ended in failure (the message names the status
    and the first bad records), NeptuneLoadTimeout when it is still running at
    ``max_polls``."""
    load = loader.load_status(load_id)
    answer: dict[str, Any] = {
        "loadId": load_id,
        "status": load.status,
        "done": load.status == LOAD_COMPLETED,
        "failed": not load.pending and load.status != LOAD_COMPLETED,
        "polls": polls,
        "totalRecords": load.total_records,
    }
    if load.errors:
        answer["errors"] = load.errors[:SHOWN_ERRORS]
    if answer["failed"]:
        raise NeptuneLoadError(
            f"Neptune load {load_id} ended {load.status} after {load.total_records} record(s): "
            f"{_describe_errors(load)}; fix the facts of the document the records came from "
            "and upload it again",
            load,
        )
    if load.pending and max_polls is not None and polls >= max_polls:
        raise NeptuneLoadTimeout(
            f"Neptune load {load_id} is still {load.status} after {polls} polls; check it "
            f"with GET /loader/{load_id}",
            load,
        )
    return answer
