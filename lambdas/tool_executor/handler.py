"""<prefix>-tool-executor: the conversation machine's ``RunTools`` Map, one tool call each.

``{"userId", "conversationId", "toolCall": {"toolUseId", "name", "input"}}`` ->
``{"toolUseId", "name", "ok", "error"?}``: the stored tool use validated and run as
``userId``, its result stored as a turn (``conversation.agent.run_tool_call``). The
tool's own errors are ``ok: false`` for the model; anything else raises and fails the task.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty_maximizer.conversation.agent import run_tool_call
from loyalty_maximizer.conversation.runtime import Runtime

logger = Logger()
metrics = Metrics()
tracer = Tracer()
runtime = Runtime()  # the store and the knowledge repository appear on first use


@logger.inject_lambda_context(correlation_id_path="conversationId")
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = run_tool_call(event, tools=runtime.tools, conversations=runtime.conversations)
    metrics.add_metric(
        name="ToolCallsSucceeded" if result["ok"] else "ToolCallsRefused",
        unit=MetricUnit.Count,
        value=1,
    )
    logger.info("tool call", extra={"result": result})
    return result
