"""What the local cloud answers in front of moto: the JSON-protocol operations moto lacks or
must not answer itself.

``ShimMiddleware`` wraps moto's WSGI app. A request with an ``X-Amz-Target`` header (the
JSON protocols) is offered to each shim in turn; the first that answers wins, anything else
goes to moto untouched (bodies of other requests, S3 uploads included, are not read).

The shims:

- :func:`textract_shim` — ``Textract.*`` goes to the Textract emulation
  (``textract_emulation.TextractEmulation``): moto has a Textract backend of its own that
  reads nothing and would answer first.
- :func:`validate_state_machine_definition` — ``AWSStepFunctions.ValidateStateMachineDefinition``,
  which the Terraform provider calls before creating a state machine and retries for ever
  when moto does not know it. A definition that is not a JSON object with ``StartAt`` and
  ``States`` is ``FAIL`` with a diagnostic, as Step Functions reports it.
- :func:`start_sync_execution_shim` — ``AWSStepFunctions.StartSyncExecution`` (Express
  machines, synchronous), absent from moto: an execution is started through moto's Step
  Functions backend (which interprets the ASL) and polled until it stops or the machine's
  ``TimeoutSeconds`` passed; the answer has StartSyncExecution's shape.

boto3 sends ``StartSyncExecution`` to the ``sync-`` host prefix (``sync-states.<region>...``
on AWS); with an ``endpoint_url`` it would call ``http://sync-127.0.0.1:4566``, which does not
resolve. A client of the local cloud must not inject host prefixes:
``Config(inject_host_prefix=False)`` or ``AWS_DISABLE_HOST_PREFIX_INJECTION=true`` (the local
Lambda runtime sets the variable for every function).
"""

from __future__ import annotations

import io
import json
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

    from loyalty_maximizer.localcloud.textract_emulation import TextractEmulation

SFN_CONTENT_TYPE: Final = "application/x-amz-json-1.0"
TEXTRACT_CONTENT_TYPE: Final = "application/x-amz-json-1.1"
VALIDATE_TARGET: Final = "AWSStepFunctions.ValidateStateMachineDefinition"
START_SYNC_TARGET: Final = "AWSStepFunctions.StartSyncExecution"
#: How long an Express execution may run at most (Step Functions' limit).
EXPRESS_MAX_SECONDS: Final = 300


@dataclass(frozen=True)
class ShimRequest:
    """A JSON-protocol request: method, path, headers (lower-case names) and body."""

    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes = b""

    @property
    def target(self) -> str:
        return self.headers.get("x-amz-target", "")

    def json(self) -> Any:
        """The body as JSON (``{}`` when empty); ``ValueError`` when it is not JSON."""
        return json.loads(self.body) if self.body.strip() else {}


@dataclass(frozen=True)
class ShimResponse:
    status: int
    body: bytes
    content_type: str = SFN_CONTENT_TYPE
    headers: tuple[tuple[str, str], ...] = field(default=())

    @classmethod
    def of_json(
        cls, status: int, payload: Mapping[str, Any], content_type: str = SFN_CONTENT_TYPE
    ) -> ShimResponse:
        return cls(status, json.dumps(payload, default=_json_default).encode(), content_type)

    @classmethod
    def error(
        cls, status: int, code: str, message: str, content_type: str = SFN_CONTENT_TYPE
    ) -> ShimResponse:
        return cls.of_json(status, {"__type": code, "message": message}, content_type)

    def json(self) -> Any:
        return json.loads(self.body)


#: A shim answers a request it serves and returns None for any other.
Shim = Callable[[ShimRequest], ShimResponse | None]


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()  # JSON protocols carry timestamps as epoch seconds
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _body_object(request: ShimRequest, content_type: str) -> dict[str, Any] | ShimResponse:
    try:
        body = request.json()
    except ValueError as error:
        return ShimResponse.error(400, "SerializationException", str(error), content_type)
    if not isinstance(body, dict):
        return ShimResponse.error(
            400, "SerializationException", "the request body must be an object", content_type
        )
    return body


# --- Textract ------------------------------------------------------------------------------


def textract_shim(emulation: Callable[[], TextractEmulation | None]) -> Shim:
    """``Textract.*`` → the emulation ``emulation()`` returns (None: 503, not started)."""

    def shim(request: ShimRequest) -> ShimResponse | None:
        if not request.target.startswith("Textract."):
            return None
        textract = emulation()
        if textract is None:
            return ShimResponse.error(
                503, "ServiceUnavailableException", "Textract is starting", TEXTRACT_CONTENT_TYPE
            )
        body = _body_object(request, TEXTRACT_CONTENT_TYPE)
        if isinstance(body, ShimResponse):
            return body
        status, answer = textract.handle(request.target, body)
        return ShimResponse.of_json(status, answer, TEXTRACT_CONTENT_TYPE)

    return shim


# --- Step Functions: ValidateStateMachineDefinition ----------------------------------------


def _diagnostic(code: str, message: str) -> dict[str, str]:
    return {"severity": "ERROR", "code": code, "message": message, "location": "/"}


def validate_state_machine_definition(request: ShimRequest) -> ShimResponse | None:
    """``{"result": "OK", "diagnostics": []}`` for a definition that is a JSON object with
    ``StartAt`` and ``States``; ``FAIL`` with the reason otherwise."""
    if request.target != VALIDATE_TARGET:
        return None
    body = _body_object(request, SFN_CONTENT_TYPE)
    if isinstance(body, ShimResponse):
        return body
    definition = body.get("definition")
    if not isinstance(definition, str):
        return ShimResponse.error(
            400, "ValidationException", "1 validation error detected: definition is required"
        )
    diagnostics: list[dict[str, str]] = []
    try:
        parsed = json.loads(definition)
    except ValueError as error:
        diagnostics.append(_diagnostic("INVALID_JSON_DESCRIPTION", f"Invalid JSON: {error}"))
    else:
        if not isinstance(parsed, dict):
            diagnostics.append(_diagnostic("SCHEMA_VALIDATION_FAILED", "must be an object"))
        else:
            for required in ("StartAt", "States"):
                if required not in parsed:
                    diagnostics.append(
                        _diagnostic("SCHEMA_VALIDATION_FAILED", f"missing field '{required}'")
                    )
    return ShimResponse.of_json(
        200,
        {"result": "FAIL" if diagnostics else "OK", "diagnostics": diagnostics, "truncated": False},
    )


# --- Step Functions: StartSyncExecution ----------------------------------------------------

#: ``backend(account_id, region) -> moto's Step Functions backend`` (the interpreting one).
SfnBackendFor = Callable[[str, str], Any]


def moto_sfn_backend(account_id: str, region: str) -> Any:
    """moto's Step Functions backend as moto's own responses pick it (the ASL-executing
    backend when ``execute_state_machine`` is on)."""
    from moto.stepfunctions.responses import get_backend

    return get_backend(account_id, region)


def _aws_error(error: Exception) -> tuple[int, str, str] | None:
    """(status, __type, message) of a moto service error; None for anything else."""
    error_type = getattr(error, "error_type", None)  # moto.core JsonRESTError
    if isinstance(error_type, str):
        status = getattr(error, "code", 400)
        return (status if isinstance(status, int) else 400, error_type, str(error.message))  # type: ignore[attr-defined]
    code = getattr(error, "code", None)  # the interpreter's ServiceException
    if isinstance(code, str):
        status = getattr(error, "status_code", 400)
        return (status if isinstance(status, int) else 400, code, str(error))
    return None


def _timeout_seconds(definition: str) -> float:
    try:
        value = json.loads(definition).get("TimeoutSeconds")
    except (ValueError, AttributeError):
        value = None
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return min(float(value), EXPRESS_MAX_SECONDS)
    return EXPRESS_MAX_SECONDS


def _split_state_machine_arn(arn: str) -> tuple[str, str] | None:
    """(account, region) of ``arn:<partition>:states:<region>:<account>:stateMachine:<name>``."""
    parts = arn.split(":")
    if len(parts) < 7 or parts[0] != "arn" or parts[2] != "states" or parts[5] != "stateMachine":
        return None
    return parts[4], parts[3]


def _status(value: Any) -> str:
    return str(getattr(value, "value", value))


def start_sync_execution_shim(
    backend_for: SfnBackendFor = moto_sfn_backend,
    *,
    poll_interval: float = 0.02,
    grace_seconds: float = 5.0,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> Shim:
    """``AWSStepFunctions.StartSyncExecution`` through ``backend_for``'s ``start_execution``:
    waits for the execution to stop (the interpreter enforces the machine's
    ``TimeoutSeconds``; after it and ``grace_seconds`` the execution is stopped and reported
    ``TIMED_OUT``) and answers ``status`` SUCCEEDED/FAILED/TIMED_OUT with ``output`` or
    ``error``/``cause``."""

    def shim(request: ShimRequest) -> ShimResponse | None:
        if request.target != START_SYNC_TARGET:
            return None
        body = _body_object(request, SFN_CONTENT_TYPE)
        if isinstance(body, ShimResponse):
            return body
        arn = body.get("stateMachineArn")
        where = _split_state_machine_arn(arn) if isinstance(arn, str) else None
        if not isinstance(arn, str) or where is None:
            return ShimResponse.error(400, "InvalidArn", f"Invalid Arn: '{arn}'")
        name = body.get("name") or uuid.uuid4().hex
        execution_input = body.get("input")
        if execution_input is None:
            execution_input = "{}"
        try:
            backend = backend_for(*where)
            machine = backend.describe_state_machine(arn)
            if _status(getattr(machine, "type", "STANDARD")) != "EXPRESS":
                return ShimResponse.error(
                    400,
                    "StateMachineTypeNotSupported",
                    "This operation is not supported by this type of state machine",
                )
            execution = backend.start_execution(arn, name, execution_input)
        except Exception as error:
            described = _aws_error(error)
            if described is None:
                raise
            return ShimResponse.error(*described)
        deadline = clock() + _timeout_seconds(machine.definition) + grace_seconds
        timed_out = False
        while _status(execution.status) == "RUNNING":
            if clock() > deadline:
                timed_out = True
                break
            sleep(poll_interval)
        if timed_out:
            stop = getattr(execution, "stop", None)
            if callable(stop):
                stop(stop_date=datetime.now().astimezone(), error="States.Timeout", cause=None)
        return ShimResponse.of_json(200, _sync_output(execution, arn, timed_out))

    return shim


def _sync_output(execution: Any, state_machine_arn: str, timed_out: bool) -> dict[str, Any]:
    status = _status(execution.status)
    sync_status = (
        "TIMED_OUT"
        if timed_out or status == "TIMED_OUT"
        else ("SUCCEEDED" if status == "SUCCEEDED" else "FAILED")
    )
    stop_date = getattr(execution, "stop_date", None) or datetime.now().astimezone()
    answer: dict[str, Any] = {
        "executionArn": execution.execution_arn,
        "stateMachineArn": state_machine_arn,
        "name": execution.name,
        "startDate": execution.start_date,
        "stopDate": stop_date,
        "status": sync_status,
        "input": execution.execution_input,
        "inputDetails": {"included": True},
    }
    if sync_status == "SUCCEEDED":
        output = execution.output
        answer["output"] = output if isinstance(output, str) else json.dumps(output)
        answer["outputDetails"] = {"included": True}
    error = getattr(execution, "error", None)
    cause = getattr(execution, "cause", None)
    if sync_status == "TIMED_OUT" and error is None:
        error = "States.Timeout"
    if error is not None:
        answer["error"] = error
    if cause is not None:
        answer["cause"] = cause
    return answer


# --- the middleware ------------------------------------------------------------------------


def _headers(environ: WSGIEnvironment) -> dict[str, str]:
    headers = {
        key[5:].replace("_", "-").lower(): str(value)
        for key, value in environ.items()
        if key.startswith("HTTP_")
    }
    if environ.get("CONTENT_TYPE"):
        headers["content-type"] = str(environ["CONTENT_TYPE"])
    return headers


def _read_body(environ: WSGIEnvironment) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    stream = environ["wsgi.input"]
    body: bytes = stream.read(length) if length > 0 else b""
    environ["wsgi.input"] = io.BytesIO(body)  # moto reads it again when no shim answers
    environ["CONTENT_LENGTH"] = str(len(body))
    return body


class ShimMiddleware:
    """A WSGI app: offers each JSON-protocol request to ``shims`` in order, else passes it to
    ``app`` (moto)."""

    def __init__(self, app: WSGIApplication, shims: Iterable[Shim]) -> None:
        self.app = app
        self.shims = list(shims)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET"):
            request = ShimRequest(
                method=str(environ.get("REQUEST_METHOD", "POST")),
                path=str(environ.get("PATH_INFO", "/")),
                headers=_headers(environ),
                body=_read_body(environ),
            )
            for shim in self.shims:
                response = shim(request)
                if response is not None:
                    return _respond(response, start_response)
        return self.app(environ, start_response)


def _respond(response: ShimResponse, start_response: StartResponse) -> Iterator[bytes]:
    reason = {200: "OK", 400: "Bad Request", 500: "Internal Server Error"}.get(
        response.status, "Service Unavailable" if response.status == 503 else "Error"
    )
    start_response(
        f"{response.status} {reason}",
        [
            ("Content-Type", response.content_type),
            ("Content-Length", str(len(response.body))),
            ("x-amzn-RequestId", str(uuid.uuid4())),
            *response.headers,
        ],
    )
    yield response.body
