"""The one place moto is patched, so its Step Functions interpreter can run the real
workflows without Docker and without AWS.

moto 5.2.5 runs ASL in-process when ``mock_aws(config={"stepfunctions":
{"execute_state_machine": True}})`` is set, but three things stand between it and our
state machines:

- **Lambda invocations** start a Docker container (``LambdaFunction.invoke`` →
  ``_invoke_lambda``). ``route_lambda_invocations`` sends them to a Python callable
  instead. Every moto path that runs a function goes through ``LambdaFunction.invoke``: the
  ``Invoke`` API (which Step Functions' ``lambda:invoke`` calls), S3 notifications, SNS and
  SQS subscriptions, EventBridge targets.
- **Glue job runs** jump straight to ``SUCCEEDED`` and run nothing.
  ``route_glue_job_runs`` runs each ``StartJobRun`` through a Python callable on a worker
  thread; the run is ``RUNNING`` until the callable returns (``SUCCEEDED``) or raises
  (``FAILED``, with the exception as ``ErrorMessage``), which is what
  ``glue:startJobRun.sync`` polls for.
- **The interpreter** fails every ``glue:startJobRun.sync`` task, and loses a task token
  callback that arrives before a task with ``HeartbeatSeconds`` starts waiting.
  ``fix_step_functions_interpreter`` fixes both.

Then the patches that keep what Terraform wrote readable as AWS would answer, so a second
``terraform apply`` plans nothing and the local policies behave as AWS's do:

- ``evaluate_bucket_policy_conditions``: moto evaluates a bucket policy ignoring every
  condition operator but ``StringEquals``, so the usual ``DenyInsecureTransport``
  statement (``Deny s3:*`` when ``aws:SecureTransport`` is ``false``) denies every object
  request. With the patch a statement applies only when its conditions hold in the
  request context, where ``aws:SecureTransport`` is ``true``: the local cloud stands in for
  AWS's HTTPS endpoints over loopback.
- ``tolerate_log_delivery_policies``: ``PutBucketLogging`` reads the target bucket's
  policy for the log delivery grant and fails with a 500 on any statement whose
  ``Principal`` is ``"*"`` (such as ``DenyInsecureTransport``), and on an ``Action`` or
  ``Resource`` list. The patch reads the policy as IAM does.
- ``keep_lambda_dead_letter_config``: moto drops a function's ``DeadLetterConfig``, so
  every plan wanted to set it again (and published a new version to do so).
- ``describe_group_rule_descriptions``: a security group rule that references another
  group keeps its ``Description`` in the group pair, which moto's
  ``DescribeSecurityGroupRules`` leaves out.

Each patch is a context manager that restores moto on exit. moto is imported inside
them, so importing this module does not need moto. They check the attributes they
replace and raise ``MotoPatchError`` naming the expected moto version when moto changed.
"""

from __future__ import annotations

import inspect
import json
import re
import threading
import traceback
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Final, cast

EXPECTED_MOTO_VERSION: Final = "5.2.5"

# What an invocation callable may return: the response payload, already serialised
# (bytes) or as a JSON value.
LambdaResult = bytes | dict[str, Any] | list[Any] | str | int | float | bool | None


class MotoPatchError(RuntimeError):
    """The installed moto lacks what a patch replaces: it is not the version it was written for."""


@dataclass(frozen=True)
class LambdaInvocation:
    """One invocation of a function, as the Lambda service would hand it to a runtime."""

    function_name: str
    function_arn: str
    version: str
    """The version that runs: ``$LATEST`` or a number (moto resolves an alias to it)."""
    payload: bytes = field(repr=False)
    invocation_type: str
    """``RequestResponse`` (synchronous), ``Event`` (asynchronous) or ``DryRun``."""
    handler: str
    runtime: str
    environment: Mapping[str, str]
    timeout_seconds: int
    memory_mb: int
    layer_arns: tuple[str, ...]
    code_zip: bytes = field(repr=False)

    def event(self) -> Any:
        """The payload as the handler receives it (``{}`` when empty)."""
        return json.loads(self.payload) if self.payload else {}


class LambdaFunctionError(Exception):
    """Raise from an invocation callable to report a function error with a given
    ``errorType`` (e.g. ``Runtime.ImportModuleError`` from a worker process); any other
    exception reports its class name, as the Python runtime does."""

    def __init__(self, error_type: str, message: str, stack_trace: list[str] | None = None):
        super().__init__(message)
        self.error_type = error_type
        self.message = message
        self.stack_trace = stack_trace or []


class LambdaServiceError(Exception):
    """Raise from an invocation callable to make the ``Invoke`` call itself fail, as the
    Lambda service does when throttling (``TooManyRequestsException``, 429) or failing
    (``ServiceException``, 500). Step Functions reports it as ``Lambda.<code>``."""

    def __init__(self, code: str, message: str, status_code: int = 500):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status_code = status_code


@dataclass(frozen=True)
class GlueJobRun:
    """One ``StartJobRun``: the job, the run id and the run's arguments (the job's default
    arguments overlaid with the run's, as Glue merges them)."""

    job_name: str
    run_id: str
    arguments: Mapping[str, str]


_MISSING: Final = object()


def _moto_changed(owner: type, name: str, expected: str) -> MotoPatchError:
    import moto

    return MotoPatchError(
        f"moto {moto.__version__} has no {owner.__module__}.{owner.__qualname__}.{name}"
        f"{expected}, which loyalty_maximizer.localcloud.moto_patches replaces; it is "
        f"written for moto {EXPECTED_MOTO_VERSION}. Install that version (`uv sync` "
        "follows uv.lock) or update moto_patches.py for the new moto."
    )


def _require(owner: type, name: str, parameters: tuple[str, ...] | None = None) -> Any:
    """``owner.name`` as moto defines it, or ``MotoPatchError`` if moto changed it."""
    attribute = inspect.getattr_static(owner, name, _MISSING)
    changed = attribute is _MISSING
    if not changed and parameters is not None:
        changed = tuple(inspect.signature(attribute).parameters) != parameters
    if changed:
        expected = f"({', '.join(parameters)})" if parameters is not None else ""
        raise _moto_changed(owner, name, expected)
    return attribute


@contextmanager
def _patched(owner: type, name: str, value: object) -> Iterator[None]:
    """Set ``owner.name`` for the duration; restore what ``owner`` itself held, or remove
    the override so the inherited attribute shows again."""
    had_own = name in owner.__dict__
    previous = owner.__dict__.get(name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        if had_own:
            setattr(owner, name, previous)
        else:
            delattr(owner, name)


def _function_error_payload(error: Exception) -> dict[str, Any]:
    if isinstance(error, LambdaFunctionError):
        return {
            "errorMessage": error.message,
            "errorType": error.error_type,
            "stackTrace": error.stack_trace,
        }
    # Skip the frame of the routing wrapper: the trace starts in the callable, as the
    # runtime's starts in the handler.
    tb = error.__traceback__.tb_next if error.__traceback__ else None
    return {
        "errorMessage": str(error),
        "errorType": type(error).__name__,
        "stackTrace": traceback.format_tb(tb),
    }


@contextmanager
def route_lambda_invocations(invoke: Callable[[LambdaInvocation], LambdaResult]) -> Iterator[None]:
    """Run every Lambda invocation in moto through ``invoke`` instead of Docker.

    ``invoke`` returns the response payload, or raises: ``LambdaServiceError`` fails the
    ``Invoke`` call; any other exception is a function error (``X-Amz-Function-Error:
    Unhandled`` with ``{"errorMessage", "errorType", "stackTrace"}``), which Step Functions
    reports under the ``errorType`` — the exception's class name, as on AWS — so a
    ``Catch`` on ``DocumentRejected`` matches a handler raising ``DocumentRejected``.
    ``Event`` invocations run synchronously (moto calls them inline) and answer nothing.
    ``invoke`` may be called from several threads at once (Map states, parallel clients).
    """
    from moto.awslambda.models import LambdaFunction
    from moto.core.exceptions import JsonRESTError

    _require(LambdaFunction, "invoke", ("self", "body", "request_headers", "response_headers"))

    def routed_invoke(
        function: LambdaFunction, body: str, request_headers: Any, response_headers: Any
    ) -> bytes:
        invocation_type = request_headers.get("x-amz-invocation-type", "RequestResponse")
        if invocation_type == "DryRun":
            return b""
        invocation = LambdaInvocation(
            function_name=function.function_name,
            function_arn=function.function_arn,
            version=str(function.version),
            payload=body.encode("utf-8") if isinstance(body, str) else bytes(body or b""),
            invocation_type=invocation_type,
            handler=function.handler or "",
            runtime=function.run_time or "",
            environment=dict(function.environment_vars),
            timeout_seconds=int(function.timeout),
            memory_mb=int(function.memory_size),
            layer_arns=tuple(layer["Arn"] for layer in function.layers),
            code_zip=getattr(function, "code_bytes", b""),
        )
        try:
            result = invoke(invocation)
        except LambdaServiceError as error:
            service_error = JsonRESTError(error.code, error.message)
            service_error.code = error.status_code
            raise service_error from error
        except Exception as error:
            if invocation_type == "Event":
                return b""
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(_function_error_payload(error)).encode("utf-8")
        if invocation_type == "Event":
            return b""
        return result if isinstance(result, bytes) else json.dumps(result).encode("utf-8")

    with _patched(LambdaFunction, "invoke", routed_invoke):
        yield


class _GlueRuns:
    """The state of the job runs started while routing is on, by run id."""

    def __init__(self, run: Callable[[GlueJobRun], None]) -> None:
        self._run = run
        self._lock = threading.Lock()
        self._states: dict[str, tuple[str, str | None]] = {}
        self._started: list[tuple[Any, threading.Thread]] = []

    def start(self, moto_run: Any, job_run: GlueJobRun) -> None:
        thread = threading.Thread(
            target=self._execute, args=(job_run,), name=f"glue-{job_run.run_id}", daemon=True
        )
        with self._lock:
            self._states[job_run.run_id] = ("RUNNING", None)
            self._started.append((moto_run, thread))
        thread.start()

    def _execute(self, job_run: GlueJobRun) -> None:
        outcome: tuple[str, str | None]
        try:
            self._run(job_run)
        except Exception as error:
            outcome = ("FAILED", f"{type(error).__name__}: {error}")
        else:
            outcome = ("SUCCEEDED", None)
        with self._lock:
            self._states[job_run.run_id] = outcome

    def state(self, run_id: str) -> tuple[str, str | None] | None:
        with self._lock:
            return self._states.get(run_id)

    def finish(self) -> None:
        """Wait for the runs still going and leave their final state in moto's run objects
        (moto keeps a terminal state; the error message goes with the patch)."""
        with self._lock:
            started = list(self._started)
        for moto_run, thread in started:
            thread.join()
            moto_run.status = self._states[moto_run.job_run_id][0]


@contextmanager
def route_glue_job_runs(run: Callable[[GlueJobRun], None]) -> Iterator[None]:
    """Run every Glue ``StartJobRun`` in moto through ``run`` on a worker thread.

    ``GetJobRun`` reports ``RUNNING`` until ``run`` returns (``SUCCEEDED``) or raises
    (``FAILED`` with ``ErrorMessage`` "<exception class>: <message>"); a running run counts
    against the job's ``MaxConcurrentRuns``, so ``ConcurrentRunsExceededException`` happens
    as on AWS. On exit, waits for the runs still going; afterwards moto reports each routed
    run's final state (without its error message).
    """
    from moto.glue.models import FakeJob, FakeJobRun

    start_job_run = _require(FakeJob, "start_job_run")
    status = _require(FakeJobRun, "status")
    as_dict = _require(FakeJobRun, "as_dict", ("self",))
    if not isinstance(status, property) or status.fget is None:
        raise _moto_changed(FakeJobRun, "status", " as a property")
    read_status = status.fget
    runs = _GlueRuns(run)

    def routed_start_job_run(job: FakeJob, *args: Any, **kwargs: Any) -> str:
        run_id: str = start_job_run(job, *args, **kwargs)
        job_run = next(r for r in job.job_runs if r.job_run_id == run_id)
        runs.start(job_run, GlueJobRun(job.name, run_id, dict(job_run.arguments or {})))
        return run_id

    def routed_status(job_run: FakeJobRun) -> str | None:
        routed = runs.state(job_run.job_run_id)
        return routed[0] if routed else cast("str | None", read_status(job_run))

    def routed_as_dict(job_run: FakeJobRun) -> dict[str, Any]:
        described: dict[str, Any] = as_dict(job_run)
        routed = runs.state(job_run.job_run_id)
        if routed and routed[1] is not None:
            described["ErrorMessage"] = routed[1]
        return described

    with (
        _patched(FakeJob, "start_job_run", routed_start_job_run),
        _patched(FakeJobRun, "status", property(routed_status, status.fset)),
        _patched(FakeJobRun, "as_dict", routed_as_dict),
    ):
        try:
            yield
        finally:
            runs.finish()


@contextmanager
def fix_step_functions_interpreter() -> Iterator[None]:
    """Three fixes to moto's Step Functions (with ``execute_state_machine``) that the
    workflows need.

    - ``glue:startJobRun.sync`` always fails with ``States.Runtime`` ("'NoneType' object has
      no attribute 'interrupt_all'"): the shared integration-pattern code interrupts a task
      token endpoint that a service without ``.waitForTaskToken`` support (Glue) never has.
      Glue gets its own ``.sync`` evaluation: start the run, poll ``GetJobRun`` until it
      ends, as the shared code does minus the token endpoint.
    - A callback that arrives early is lost on a task with ``HeartbeatSeconds``: moto
      registers the task token before invoking the Lambda, but creates the heartbeat
      endpoint its waiting loop blocks on only after the Lambda returned, so a
      ``SendTaskSuccess`` in between (a callback faster than the Lambda that started the
      job) leaves the task asleep for the whole heartbeat interval. The new heartbeat
      endpoint is now woken when the outcome is already there.
    - ``SendTaskFailure`` drops its ``cause``: the task fails with ``Cause: null`` instead of
      the reason the callback gave. The cause is now passed on.
    """
    from moto.core.responses import EmptyResult
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_callback import (  # noqa: E501
        StateTaskServiceCallback,
    )
    from moto.stepfunctions.parser.asl.component.state.exec.state_task.service.state_task_service_glue import (  # noqa: E501
        StateTaskServiceGlue,
    )
    from moto.stepfunctions.parser.asl.eval.callback.callback import CallbackEndpoint
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend
    from moto.stepfunctions.responses import StepFunctionResponse

    pattern_parameters = (
        "self",
        "env",
        "resource_runtime_part",
        "normalised_parameters",
        "state_credentials",
    )
    _require(StateTaskServiceCallback, "_eval_integration_pattern", pattern_parameters)
    _require(StateTaskServiceGlue, "_build_sync_resolver", pattern_parameters)
    _require(
        StateTaskServiceCallback,
        "_eval_sync",
        (
            "self",
            "env",
            "sync_resolver",
            "timeout_seconds",
            "callback_endpoint",
            "heartbeat_endpoint",
        ),
    )
    setup = _require(CallbackEndpoint, "setup_heartbeat_endpoint", ("self", "heartbeat_seconds"))
    _require(CallbackEndpoint, "get_outcome", ("self",))
    _require(StepFunctionResponse, "send_task_failure", ("self",))
    _require(
        StepFunctionsParserBackend, "send_task_failure", ("self", "task_token", "error", "cause")
    )

    def glue_sync(
        task: StateTaskServiceGlue,
        env: Any,
        resource_runtime_part: Any,
        normalised_parameters: dict[str, Any],
        state_credentials: Any,
    ) -> None:
        started_run = env.stack.pop()
        task.timeout.eval(env=env)
        timeout_seconds = env.stack.pop()
        env.stack.append(started_run)  # the resolver reads JobName and JobRunId from it
        resolver = task._build_sync_resolver(
            env, resource_runtime_part, normalised_parameters, state_credentials
        )
        outcome = task._eval_sync(
            env=env,
            sync_resolver=resolver,
            timeout_seconds=timeout_seconds,
            callback_endpoint=None,
            heartbeat_endpoint=None,
        )
        env.stack.append(outcome)

    def setup_heartbeat_endpoint(endpoint: CallbackEndpoint, heartbeat_seconds: int) -> Any:
        heartbeat = setup(endpoint, heartbeat_seconds)
        if endpoint.get_outcome() is not None:
            heartbeat.notify()
        return heartbeat

    def send_task_failure(response: StepFunctionResponse) -> Any:
        backend = response.stepfunction_backend
        task_token = response._get_param("taskToken")
        error = response._get_param("error")
        if isinstance(backend, StepFunctionsParserBackend):
            backend.send_task_failure(task_token, error=error, cause=response._get_param("cause"))
        else:  # the backend that does not execute machines ignores callbacks anyway
            backend.send_task_failure(task_token, error=error)
        return EmptyResult()

    with (
        _patched(StateTaskServiceGlue, "_eval_integration_pattern", glue_sync),
        _patched(CallbackEndpoint, "setup_heartbeat_endpoint", setup_heartbeat_endpoint),
        _patched(StepFunctionResponse, "send_task_failure", send_task_failure),
    ):
        yield


# --- S3 bucket policies: conditions --------------------------------------------------------

#: The request context the local cloud evaluates bucket policy conditions in.
LOCAL_CONDITION_CONTEXT: Final[Mapping[str, str]] = {"aws:SecureTransport": "true"}


def _like(pattern: str, value: str) -> bool:
    """IAM's ``*``/``?`` wildcards, case-sensitive."""
    regex = "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )
    return re.fullmatch(regex, value, flags=re.DOTALL) is not None


_POSITIVE: Final[dict[str, Callable[[str, str], bool]]] = {
    "StringEquals": lambda expected, actual: actual == expected,
    "StringEqualsIgnoreCase": lambda expected, actual: actual.lower() == expected.lower(),
    "StringLike": _like,
    "ArnEquals": lambda expected, actual: actual == expected,
    "ArnLike": _like,
    "Bool": lambda expected, actual: actual.lower() == expected.lower(),
}
_NEGATED: Final = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
}


def _values(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(item).lower() if isinstance(item, bool) else str(item) for item in items]


def condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool:
    """One ``operator: {key: expected}`` of an IAM ``Condition`` against ``context`` (keys
    compare case-insensitively): the ``String*``, ``Arn*``, ``Bool`` and ``Null``
    operators, with ``...IfExists``. An operator it does not know does not hold."""
    actual = next((v for k, v in context.items() if k.lower() == key.lower()), None)
    if operator == "Null":
        return (actual is None) == (_values(expected)[0].lower() == "true")
    if_exists = operator.endswith("IfExists")
    base = operator.removesuffix("IfExists")
    if actual is None:
        return if_exists or base in _NEGATED
    if base in _NEGATED:
        test = _POSITIVE[_NEGATED[base]]
        return not any(test(candidate, actual) for candidate in _values(expected))
    positive = _POSITIVE.get(base)
    return positive is not None and any(
        positive(candidate, actual) for candidate in _values(expected)
    )


def conditions_hold(condition: Mapping[str, Any] | None, context: Mapping[str, str]) -> bool:
    """Whether a statement's whole ``Condition`` block holds (every operator, every key)."""
    for operator, keys in (condition or {}).items():
        if not isinstance(keys, Mapping):
            return False
        for key, expected in keys.items():
            if not condition_holds(str(operator), str(key), expected, context):
                return False
    return True


@contextmanager
def evaluate_bucket_policy_conditions(
    context: Mapping[str, str] = LOCAL_CONDITION_CONTEXT,
) -> Iterator[None]:
    """moto's ``FakeBucket.get_permission`` with conditions evaluated: a statement whose
    ``Condition`` does not hold in ``context`` does not apply; the rest (action, resource,
    principal ``*``) is moto's own ``IAMPolicyStatement``."""
    from moto.iam.access_control import IAMPolicyStatement, PermissionResult
    from moto.s3.models import FakeBucket

    _require(FakeBucket, "get_permission", ("self", "action", "resource"))

    def get_permission(bucket: FakeBucket, action: str, resource: str) -> PermissionResult:
        if bucket.policy is None:
            return PermissionResult.NEUTRAL
        document = json.loads(bucket.policy)
        statements = document.get("Statement", [])
        permitted = False
        for statement in statements if isinstance(statements, list) else [statements]:
            if not conditions_hold(statement.get("Condition"), context):
                continue
            unconditional = {k: v for k, v in statement.items() if k != "Condition"}
            result = IAMPolicyStatement(unconditional).is_action_permitted(action, resource)
            if result == PermissionResult.DENIED:
                return result
            permitted = permitted or result == PermissionResult.PERMITTED
        return PermissionResult.PERMITTED if permitted else PermissionResult.NEUTRAL

    with _patched(FakeBucket, "get_permission", get_permission):
        yield


LOG_DELIVERY_PRINCIPAL: Final = "logging.s3.amazonaws.com"


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def grants_log_delivery(policy: Mapping[str, Any], bucket_arn: str, prefix: str | None) -> bool:
    """Whether a bucket policy allows S3's log delivery service to put objects under
    ``prefix`` of the bucket (what ``PutBucketLogging`` checks of the target bucket)."""
    accepted = {f"{bucket_arn}/{prefix or ''}*", f"{bucket_arn}/*", bucket_arn}
    for statement in _as_list(policy.get("Statement")):
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Allow":
            continue
        principal = statement.get("Principal")
        services = _as_list(principal.get("Service")) if isinstance(principal, Mapping) else []
        if LOG_DELIVERY_PRINCIPAL not in services:
            continue
        actions = _as_list(statement.get("Action"))
        if not any(action in ("s3:PutObject", "s3:*", "*") for action in actions):
            continue
        if accepted & set(_as_list(statement.get("Resource"))):
            return True
    return False


@contextmanager
def tolerate_log_delivery_policies() -> Iterator[None]:
    """moto's ``FakeBucket._log_permissions_enabled_policy`` read through
    :func:`grants_log_delivery`."""
    from moto.s3.models import FakeBucket

    _require(FakeBucket, "_log_permissions_enabled_policy")

    def log_permissions_enabled_policy(
        target_bucket: FakeBucket, target_prefix: str | None
    ) -> bool:
        if not target_bucket.policy:
            return False
        try:
            policy = json.loads(target_bucket.policy)
        except ValueError:
            return False
        bucket_arn = f"arn:{target_bucket.partition}:s3:::{target_bucket.name}"
        return isinstance(policy, Mapping) and grants_log_delivery(
            policy, bucket_arn, target_prefix
        )

    with _patched(
        FakeBucket, "_log_permissions_enabled_policy", staticmethod(log_permissions_enabled_policy)
    ):
        yield


# --- the middleware ------------------------------------------------------------------------


# --- Lambda: DeadLetterConfig ----------------------------------------------------------------


def _dead_letter_config(value: Any) -> dict[str, str] | None:
    """A ``DeadLetterConfig`` as Lambda answers it: ``{"TargetArn"}``, or None when unset
    (an empty ``TargetArn`` removes it)."""
    if isinstance(value, Mapping) and value.get("TargetArn"):
        return {"TargetArn": str(value["TargetArn"])}
    return None


@contextmanager
def keep_lambda_dead_letter_config() -> Iterator[None]:
    """moto's ``LambdaFunction`` remembering the ``DeadLetterConfig`` it is created or
    updated with and answering it in ``GetFunction``/``GetFunctionConfiguration``."""
    from moto.awslambda.models import LambdaFunction

    init = _require(LambdaFunction, "__init__", ("self", "account_id", "spec", "region", "version"))
    update = _require(LambdaFunction, "update_configuration", ("self", "config_updates"))
    configuration = _require(LambdaFunction, "get_configuration", ("self", "on_create"))

    def patched_init(
        function: Any, account_id: str, spec: dict[str, Any], region: str, version: Any = 1
    ) -> None:
        init(function, account_id, spec, region, version)
        function.loyalty_dead_letter_config = _dead_letter_config(spec.get("DeadLetterConfig"))

    def patched_update(function: Any, config_updates: dict[str, Any]) -> dict[str, Any]:
        if "DeadLetterConfig" in config_updates:
            function.loyalty_dead_letter_config = _dead_letter_config(
                config_updates["DeadLetterConfig"]
            )
        return cast(dict[str, Any], update(function, config_updates))

    def patched_configuration(function: Any, on_create: bool = False) -> dict[str, Any]:
        config = cast(dict[str, Any], configuration(function, on_create))
        dead_letter = getattr(function, "loyalty_dead_letter_config", None)
        if dead_letter is not None:
            config["DeadLetterConfig"] = dict(dead_letter)
        return config

    with (
        _patched(LambdaFunction, "__init__", patched_init),
        _patched(LambdaFunction, "update_configuration", patched_update),
        _patched(LambdaFunction, "get_configuration", patched_configuration),
    ):
        yield


# --- EC2: descriptions of rules that reference a group ---------------------------------------


@contextmanager
def describe_group_rule_descriptions() -> Iterator[None]:
    """moto's ``SecurityGroupRule.description`` reading the referenced group pair's
    ``Description`` too (moto reads only the CIDR range's)."""
    from moto.ec2.models.security_groups import SecurityGroupRule

    _require(SecurityGroupRule, "description")

    def description(rule: Any) -> str | None:
        found = rule.ip_range.get("Description") or rule.source_group.get("Description")
        return None if found is None else str(found)

    with _patched(SecurityGroupRule, "description", property(description)):
        yield
