"""<prefix>-neptune-load-status: the ingestion machine's ``CheckNeptuneLoad`` state.

``{"loadId", "polls", "maxPolls"?}`` -> ``{"loadId", "status", "done", "failed", "polls",
"errors"?}``. A load that ended in failure raises ``NeptuneLoadError`` (with the bad records),
one still running at ``maxPolls`` raises ``NeptuneLoadTimeout``.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty_maximizer.graph.neptune import NeptuneClient, NeptuneLoadError
from loyalty_maximizer.ingestion.neptune_load import graph_load_status

logger = Logger()
metrics = Metrics()
tracer = Tracer()


@cache
def neptune() -> NeptuneClient:
    return NeptuneClient.from_environment()


@logger.inject_lambda_context(correlation_id_path="loadId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    max_polls = event.get("maxPolls")
    try:
        result = graph_load_status(
            neptune(),
            event["loadId"],
            polls=int(event.get("polls") or 1),
            max_polls=int(max_polls) if max_polls is not None else None,
        )
    except NeptuneLoadError as exc:
        logger.error("Neptune load failed", extra={"loadId": event["loadId"], "error": str(exc)})
        metrics.add_metric(name="NeptuneLoadsFailed", unit=MetricUnit.Count, value=1)
        raise
    logger.info("Neptune load status", extra={"result": result})
    if result["done"]:
        metrics.add_metric(name="NeptuneLoadsCompleted", unit=MetricUnit.Count, value=1)
    return result
