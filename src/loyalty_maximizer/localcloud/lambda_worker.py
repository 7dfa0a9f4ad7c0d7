"""One warm Lambda execution environment: the process the local cloud's Lambda runtime
starts per function version, as the Lambda service starts a sandbox.

Run as a script with ``python -S`` (no site-packages: the function sees only the standard
library, its code and its layers, as on AWS). It reads one JSON request per line from
stdin and answers on the file descriptor given as its only argument, so whatever the
handler prints goes to stderr (the function's log) instead of breaking the protocol.
Standard library only: this file is not imported from the project.
"""

from __future__ import annotations

import importlib
import json
import os
import runpy
import sys
import time
import traceback
from typing import Any


class _Context:
    """The attributes of Lambda's context object that handlers and Powertools read."""

    def __init__(self, request_id: str, deadline_ms: int) -> None:
        self.function_name = os.environ["AWS_LAMBDA_FUNCTION_NAME"]
        self.function_version = os.environ["AWS_LAMBDA_FUNCTION_VERSION"]
        self.memory_limit_in_mb = int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"])
        self.invoked_function_arn = os.environ["LOCAL_LAMBDA_FUNCTION_ARN"]
        self.log_group_name = os.environ["AWS_LAMBDA_LOG_GROUP_NAME"]
        self.log_stream_name = os.environ["AWS_LAMBDA_LOG_STREAM_NAME"]
        self.aws_request_id = request_id
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def _error(exc: BaseException, error_type: str | None = None) -> dict[str, Any]:
    return {
        "errorMessage": str(exc),
        "errorType": error_type or type(exc).__name__,
        "stackTrace": traceback.format_tb(exc.__traceback__),
    }


def _load_handler() -> tuple[Any, dict[str, Any] | None]:
    module_name, _, function_name = os.environ["_HANDLER"].rpartition(".")
    try:
        module = importlib.import_module(module_name)
        return getattr(module, function_name), None
    except Exception as exc:  # Lambda reports init failures on every invoke
        kind = "Runtime.ImportModuleError" if isinstance(exc, ImportError) else None
        message = f"Unable to import module '{module_name}': {exc}" if kind else None
        error = _error(exc, kind)
        if message:
            error["errorMessage"] = message
        return None, error


def _guard_network() -> None:
    """Refuse connections beyond loopback when the local cloud asks (network_guard.py, run
    by path: the project is not importable here)."""
    if os.environ.get("LOYALTY_LOCAL_NETWORK_GUARD") == "1":
        guard = os.path.join(os.path.dirname(os.path.abspath(__file__)), "network_guard.py")
        runpy.run_path(guard)["install"]()


def main() -> None:
    answer = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8", buffering=1)
    sys.stdout = sys.stderr  # the handler's prints are log lines
    _guard_network()
    # Python put this script's folder first; a handler must not import its neighbours.
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]
    sys.path[:0] = [p for p in os.environ.get("LOCAL_LAMBDA_PATH", "").split(os.pathsep) if p]
    handler, init_error = _load_handler()
    answer.write(json.dumps({"ready": init_error is None}) + "\n")
    for line in sys.stdin:
        request = json.loads(line)
        if init_error is not None:
            reply: dict[str, Any] = {"error": init_error}
        else:
            context = _Context(request["requestId"], request["deadlineMs"])
            try:
                event = json.loads(request["payload"]) if request["payload"] else {}
                reply = {"result": handler(event, context)}
            except Exception as exc:
                reply = {"error": _error(exc)}
            except SystemExit as exc:
                reply = {"error": _error(exc, "Runtime.ExitError")}
        try:
            text = json.dumps(reply)
        except (TypeError, ValueError) as exc:
            text = json.dumps({"error": _error(exc, "Runtime.MarshalError")})
        answer.write(text + "\n")
        sys.stderr.flush()


if __name__ == "__main__":
    main()
