"""<prefix>-neptune-load-start: the ingestion machine's ``StartNeptuneLoad`` state.

``{"runId", "source"}`` -> ``{"loadId", "polls": 0}``: a Neptune bulk load of the run's
openCypher CSV (``s3://<bucket>/neptune-load/<runId>/`` when no source is given), with the
loader role.
"""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty_maximizer.graph.neptune import NeptuneClient
from loyalty_maximizer.ingestion.bucket import load_prefix
from loyalty_maximizer.ingestion.neptune_load import start_graph_load

logger = Logger()
metrics = Metrics()
tracer = Tracer()


@cache
def neptune() -> NeptuneClient:
    return NeptuneClient.from_environment()


@logger.inject_lambda_context(correlation_id_path="runId")
@metrics.log_metrics
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    source = event.get("source") or (
        f"s3://{os.environ['DOCUMENTS_BUCKET']}/{load_prefix(event['runId'])}"
    )
    result = start_graph_load(neptune(), source, os.environ["NEPTUNE_LOADER_ROLE_ARN"])
    logger.info("Neptune load started", extra={"source": source, "result": result})
    metrics.add_metric(name="NeptuneLoadsStarted", unit=MetricUnit.Count, value=1)
    return result
