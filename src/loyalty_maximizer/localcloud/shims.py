"""What the local cloud answers in front of moto: the JSON-protocol operations moto lacks or
must not answer itself.

``ShimMiddleware`` wraps moto's WSGI app. A request with an ``X-Amz-Target`` header (the
JSON protocols) is offered to each shim in turn; the first that answers wins, anything else
goes to moto untouched (bodies of other requests, S3 uploads included, are not read).

Whatever moto does not implement is answered ``501`` with the operation's name
(``NotImplemented``) instead of moto's ``500``, which SDKs and the Terraform provider retry
for minutes before giving up.

The rewrites (a new body for moto, which then answers):

- :func:`name_unnamed_executions` — ``AWSStepFunctions.StartExecution`` without a ``name``
  gets a UUID, as Step Functions gives it; moto names the execution ``None``, so a second
  unnamed execution of a machine fails with ``ExecutionAlreadyExists``.

- :func:`keep_immutable_user_pool_settings` — ``UpdateUserPool`` cannot change a pool's
  ``UsernameAttributes``, ``AliasAttributes`` or ``UsernameConfiguration``, so nobody
  sends them; moto resets whatever the update leaves out, so after the first update
  users could no longer sign in by email and Terraform replaced the pool on every plan.
  Likewise the pool's ``UserPoolTier`` (the provider's update leaves it out; AWS keeps it,
  moto dropped it and the next plan wanted to set it again). The rewrite adds the pool's
  current values; :func:`default_user_pool_tier` gives a new pool AWS's default tier.

The shims:

- :func:`textract_shim` — ``Textract.*`` goes to the Textract emulation
  (``textract_emulation.TextractEmulation``): moto has a Textract backend of its own that
  reads nothing and would answer first.
- :func:`validate_state_machine_definition` — ``AWSStepFunctions.ValidateStateMachineDefinition``,
  which the Terraform provider calls before creating a state machine and retries for ever
  when moto does not know it. A definition that is not a JSON object with ``StartAt`` and
  ``States`` is ``FAIL`` with a diagnostic, as Step Functions reports it.
- :func:`list_state_machine_versions_shim` — ``AWSStepFunctions.ListStateMachineVersions``,
  which the Terraform provider reads after creating a state machine and which moto does
  not implement (a 500 the provider retries for ever): the versions moto keeps, newest
  first.
- :func:`glue_update_job_shim` — ``AWSGlue.UpdateJob``, absent from moto, which a second
  ``terraform apply`` calls: the job's definition replaced by ``JobUpdate`` as Glue does.
- :func:`start_sync_execution_shim` — ``AWSStepFunctions.StartSyncExecution`` (Express
  machines, synchronous), absent from moto: an execution is started through moto's Step
  Functions backend (which interprets the ASL) and polled until it stops or the machine's
  ``TimeoutSeconds`` passed; the answer has StartSyncExecution's shape.

The moto model patches the local cloud needs (bucket policy conditions, log delivery
policies, and others) are in ``moto_patches``.

boto3 sends ``StartSyncExecution`` to the ``sync-`` host prefix (``sync-states.<region>...``
on AWS); with an ``endpoint_url`` it would call ``http://sync-127.0.0.1:4566``, which does not
resolve. A client of the local cloud must not inject host prefixes:
``Config(inject_host_prefix=False)`` or ``AWS_DISABLE_HOST_PREFIX_INJECTION=true`` (the local
Lambda runtime sets the variable for every function).
"""

from __future__ import annotations

import io
import json
import re
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from html import escape
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
#: A rewrite returns the body moto gets instead of the request's, or None to leave it.
Rewrite = Callable[[ShimRequest], bytes | None]


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


# --- Step Functions: StartExecution without a name -----------------------------------------

START_TARGET: Final = "AWSStepFunctions.StartExecution"


def name_unnamed_executions(request: ShimRequest) -> bytes | None:
    """A ``StartExecution`` body without ``name`` → the same with a UUID name."""
    if request.target != START_TARGET:
        return None
    try:
        body = request.json()
    except ValueError:
        return None  # moto refuses it
    if not isinstance(body, dict) or body.get("name"):
        return None
    return json.dumps({**body, "name": str(uuid.uuid4())}).encode()


# --- Cognito: UpdateUserPool ----------------------------------------------------------------

UPDATE_USER_POOL_TARGET: Final = "AWSCognitoIdentityProviderService.UpdateUserPool"
#: What an ``UpdateUserPool`` that leaves them out does not change on AWS: the settings a
#: pool keeps for life (UpdateUserPool does not take them) and its feature plan, which
#: changes only when an update names one. moto resets every setting an update omits.
KEPT_USER_POOL_SETTINGS: Final = (
    "UsernameAttributes",
    "AliasAttributes",
    "UsernameConfiguration",
    "UserPoolTier",
)
#: ``pool_settings(account, region, pool id) -> the pool's settings`` (None: no such pool).
PoolSettings = Callable[[str, str, str], Mapping[str, Any] | None]


def moto_user_pool_settings(account_id: str, region: str, pool_id: str) -> Mapping[str, Any] | None:
    from moto.cognitoidp.models import cognitoidp_backends

    pool = cognitoidp_backends[account_id][region].user_pools.get(pool_id)
    return None if pool is None else dict(pool.extended_config)


def keep_immutable_user_pool_settings(
    pool_settings: PoolSettings = moto_user_pool_settings,
) -> Rewrite:
    """An ``UpdateUserPool`` body with the pool's kept settings (``KEPT_USER_POOL_SETTINGS``)
    added where the update leaves them out."""

    def rewrite(request: ShimRequest) -> bytes | None:
        if request.target != UPDATE_USER_POOL_TARGET:
            return None
        try:
            body = request.json()
        except ValueError:
            return None
        pool_id = body.get("UserPoolId") if isinstance(body, dict) else None
        if not isinstance(pool_id, str) or "_" not in pool_id:
            return None
        account, _ = _caller(request)
        current = pool_settings(account, pool_id.partition("_")[0], pool_id)
        if current is None:
            return None  # moto answers ResourceNotFoundException
        kept = {
            name: current[name]
            for name in KEPT_USER_POOL_SETTINGS
            if name not in body and current.get(name) is not None
        }
        return json.dumps({**body, **kept}).encode() if kept else None

    return rewrite


CREATE_USER_POOL_TARGET: Final = "AWSCognitoIdentityProviderService.CreateUserPool"
#: The feature plan AWS gives a pool created without one.
DEFAULT_USER_POOL_TIER: Final = "ESSENTIALS"


def default_user_pool_tier(request: ShimRequest) -> bytes | None:
    """A ``CreateUserPool`` body with AWS's default ``UserPoolTier`` when it names none (the
    provider creates the pool without one; moto then describes it without a tier and every
    plan wanted to set it)."""
    if request.target != CREATE_USER_POOL_TARGET:
        return None
    try:
        body = request.json()
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("UserPoolTier"):
        return None
    return json.dumps({**body, "UserPoolTier": DEFAULT_USER_POOL_TIER}).encode()


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


# --- Step Functions: ListStateMachineVersions ----------------------------------------------

LIST_VERSIONS_TARGET: Final = "AWSStepFunctions.ListStateMachineVersions"


def list_state_machine_versions_shim(backend_for: SfnBackendFor | None = None) -> Shim:
    """``AWSStepFunctions.ListStateMachineVersions`` from the versions moto's backend keeps
    (``maxResults``/``nextToken`` paging), newest first."""

    def shim(request: ShimRequest) -> ShimResponse | None:
        if request.target != LIST_VERSIONS_TARGET:
            return None
        body = _body_object(request, SFN_CONTENT_TYPE)
        if isinstance(body, ShimResponse):
            return body
        arn = body.get("stateMachineArn")
        where = _split_state_machine_arn(arn) if isinstance(arn, str) else None
        if not isinstance(arn, str) or where is None:
            return ShimResponse.error(400, "InvalidArn", f"Invalid Arn: '{arn}'")
        try:
            machine = (backend_for or moto_sfn_backend)(*where).describe_state_machine(arn)
        except Exception as error:
            described = _aws_error(error)
            if described is None:
                raise
            return ShimResponse.error(*described)
        versions = sorted(
            (getattr(machine, "versions", None) or {}).values(),
            key=lambda version: int(version.version),
            reverse=True,
        )
        items = [
            {"stateMachineVersionArn": version.arn, "creationDate": version.creation_date}
            for version in versions
        ]
        try:
            start = int(body.get("nextToken") or 0)
        except ValueError:
            return ShimResponse.error(400, "InvalidToken", "Invalid Token: nextToken")
        size = body.get("maxResults") or 1000
        size = size if isinstance(size, int) and size > 0 else 1000
        answer: dict[str, Any] = {"stateMachineVersions": items[start : start + size]}
        if start + size < len(items):
            answer["nextToken"] = str(start + size)
        return ShimResponse.of_json(200, answer)

    return shim


# --- Glue: UpdateJob -----------------------------------------------------------------------

GLUE_CONTENT_TYPE: Final = "application/x-amz-json-1.1"
UPDATE_JOB_TARGET: Final = "AWSGlue.UpdateJob"
#: JobUpdate field → (moto's FakeJob attribute, the value when the update leaves it out).
_JOB_FIELDS: Final[dict[str, tuple[str, Any]]] = {
    "Description": ("description", None),
    "LogUri": ("log_uri", None),
    "Role": ("role", None),
    "ExecutionProperty": ("execution_property", {}),
    "Command": ("command", None),
    "DefaultArguments": ("default_arguments", {}),
    "NonOverridableArguments": ("non_overridable_arguments", None),
    "Connections": ("connections", None),
    "MaxRetries": ("max_retries", None),
    "AllocatedCapacity": ("allocated_capacity", None),
    "Timeout": ("timeout", None),
    "MaxCapacity": ("max_capacity", None),
    "SecurityConfiguration": ("security_configuration", None),
    "NotificationProperty": ("notification_property", None),
    "GlueVersion": ("glue_version", None),
    "NumberOfWorkers": ("number_of_workers", None),
    "WorkerType": ("worker_type", None),
    "CodeGenConfigurationNodes": ("code_gen_configuration_nodes", None),
    "ExecutionClass": ("execution_class", "STANDARD"),
    "SourceControlDetails": ("source_control_details", None),
}

#: ``backend(account_id, region) -> moto's Glue backend``.
GlueBackendFor = Callable[[str, str], Any]


def moto_glue_backend(account_id: str, region: str) -> Any:
    from moto.glue.models import glue_backends

    return glue_backends[account_id][region]


def _caller(request: ShimRequest) -> tuple[str, str]:
    """(account, region) of a SigV4-signed request, as moto derives them: the region from
    the credential scope, the account from the access key (moto's default account)."""
    authorization = request.headers.get("authorization", "")
    scope = re.search(r"Credential=([^/,\s]+)/\d{8}/([^/]+)/", authorization)
    access_key, region = (scope[1], scope[2]) if scope else ("", "us-east-1")
    from moto.iam.models import get_account_id_from

    return get_account_id_from(access_key), region


def glue_update_job_shim(backend_for: GlueBackendFor = moto_glue_backend) -> Shim:
    """``AWSGlue.UpdateJob``: the named job's definition replaced by ``JobUpdate`` (a field
    left out goes back to its default, as Glue overwrites the whole definition)."""

    def shim(request: ShimRequest) -> ShimResponse | None:
        if request.target != UPDATE_JOB_TARGET:
            return None
        body = _body_object(request, GLUE_CONTENT_TYPE)
        if isinstance(body, ShimResponse):
            return body
        name, update = body.get("JobName"), body.get("JobUpdate")
        if not isinstance(name, str) or not isinstance(update, dict):
            return ShimResponse.error(
                400,
                "InvalidInputException",
                "JobName and JobUpdate are required",
                GLUE_CONTENT_TYPE,
            )
        job = backend_for(*_caller(request)).jobs.get(name)
        if job is None:
            return ShimResponse.error(
                400, "EntityNotFoundException", f"Job {name} not found", GLUE_CONTENT_TYPE
            )
        for field_name, (attribute, default) in _JOB_FIELDS.items():
            setattr(job, attribute, update.get(field_name, default))
        job.last_modified_on = datetime.now().astimezone()
        return ShimResponse.of_json(200, {"JobName": name}, GLUE_CONTENT_TYPE)

    return shim


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
    """A WSGI app: a JSON-protocol request goes through ``rewrites`` (each may replace the
    body), then to the first of ``shims`` that answers it, else to ``app`` (moto)."""

    def __init__(
        self, app: WSGIApplication, shims: Iterable[Shim], rewrites: Iterable[Rewrite] = ()
    ) -> None:
        self.app = app
        self.shims = list(shims)
        self.rewrites = list(rewrites)

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("HTTP_X_AMZ_TARGET"):
            request = ShimRequest(
                method=str(environ.get("REQUEST_METHOD", "POST")),
                path=str(environ.get("PATH_INFO", "/")),
                headers=_headers(environ),
                body=_read_body(environ),
            )
            for rewrite in self.rewrites:
                body = rewrite(request)
                if body is not None:
                    request = ShimRequest(request.method, request.path, request.headers, body)
                    environ["wsgi.input"] = io.BytesIO(body)
                    environ["CONTENT_LENGTH"] = str(len(body))
            for shim in self.shims:
                response = shim(request)
                if response is not None:
                    return _respond(response, start_response)
        try:
            return self.app(environ, start_response)
        except NotImplementedError as error:
            return _respond(not_implemented(environ, error), start_response)


def not_implemented(environ: WSGIEnvironment, error: NotImplementedError) -> ShimResponse:
    """501 for an operation moto lacks, in the request's protocol (JSON with an
    ``X-Amz-Target``, else XML), naming it: a clear error instead of retried 500s."""
    target = str(environ.get("HTTP_X_AMZ_TARGET") or "")
    message = f"the local cloud (moto) does not implement this operation: {error}"
    if target:
        content_type = str(environ.get("CONTENT_TYPE") or SFN_CONTENT_TYPE)
        return ShimResponse.error(501, "NotImplemented", f"{target}: {message}", content_type)
    body = (
        "<ErrorResponse><Error><Type>Sender</Type><Code>NotImplemented</Code>"
        f"<Message>{escape(message)}</Message></Error></ErrorResponse>"
    )
    return ShimResponse(501, body.encode(), "text/xml")


def _respond(response: ShimResponse, start_response: StartResponse) -> Iterator[bytes]:
    reason = {
        200: "OK",
        400: "Bad Request",
        500: "Internal Server Error",
        501: "Not Implemented",
    }.get(response.status, "Service Unavailable" if response.status == 503 else "Error")
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
