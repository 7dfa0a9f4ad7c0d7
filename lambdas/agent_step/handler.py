"""<prefix>-agent-step: the conversation machine's ``ModelStep`` state.

``{"userId", "conversationId", "iteration", "deadline"}`` -> ``{"done", "answer"?,
"toolCalls", "citations", "iteration", "usage"}``: one model call over the stored history,
its turn stored (``conversation.agent.model_step``). A model that gives no usable answer
raises ``ModelUnavailable``, which fails the execution.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from loyalty_maximizer.conversation.agent import model_step
from loyalty_maximizer.conversation.runtime import Runtime

logger = Logger()
metrics = Metrics()
tracer = Tracer()
runtime = Runtime()  # the store and the model provider appear on first use


@logger.inject_lambda_context(correlation_id_path="conversationId")
@metrics.log_metrics(capture_cold_start_metric=True)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    result = model_step(
        event,
        provider=runtime.provider,
        profiles=runtime.profiles,
        conversations=runtime.conversations,
        max_iterations=runtime.max_iterations,
        now=runtime.clock,
    )
    usage = result["usage"]
    metrics.add_metric(name="ModelSteps", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="InputTokens", unit=MetricUnit.Count, value=usage["inputTokens"])
    metrics.add_metric(name="OutputTokens", unit=MetricUnit.Count, value=usage["outputTokens"])
    logger.info(
        "model step",
        extra={
            "done": result["done"],
            "iteration": result["iteration"],
            "tools": [call["name"] for call in result["toolCalls"]],
            "usage": usage,
        },
    )
    return result
