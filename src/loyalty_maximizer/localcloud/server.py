"""The local cloud in one process: moto's server as the AWS endpoint, with Lambda, Glue,
Step Functions, Textract, API Gateway and Neptune doing real work behind it.

``LocalCloud(state_dir).start()`` brings up, all on loopback:

- **the AWS endpoint** (``port``, default 4566): moto's WSGI app served as moto's
  ``ThreadedMotoServer`` serves it (werkzeug's threaded server with moto's request handler),
  with ``shims.ShimMiddleware`` in front for what moto lacks or gets wrong (see ``shims``:
  Textract; Step Functions' ``ValidateStateMachineDefinition``,
  ``ListStateMachineVersions``, ``StartSyncExecution`` and unnamed executions; Glue's
  ``UpdateJob``; Cognito's ``UpdateUserPool``; S3 bucket policy conditions and log
  delivery grants; 501 for anything else moto does not implement). Step Functions
  executes the ASL (moto's ``execute_state_machine``), with ``moto_patches`` routing every
  Lambda invocation (Invoke API, Step Functions tasks, S3 notifications, SNS subscriptions)
  to the Lambda runtime and every Glue job run to the Glue runtime;
- **Lambda** (``lambda_runtime.LambdaRuntime``): the function version's deployed zip and
  its layers' zips (read from moto's Lambda backend) in warm worker processes, with
  ``AWS_ENDPOINT_URL`` at the AWS endpoint; a handler's exception is a function error whose
  ``errorType`` Step Functions sees;
- **Glue** (``glue_runtime.GlueRuntime``): the job's script and ``--extra-py-files`` from
  S3 on local PySpark, arguments merged as Glue merges them; ``GetJobRun`` says RUNNING
  until the script ends, then SUCCEEDED or FAILED with the error;
- **Textract** (``textract_emulation.TextractEmulation``) answering on the AWS endpoint;
- **Neptune** (``neptune_server.NeptuneServer``, ``neptune_port``, default 8182) over the
  knowledge base in ``<state_dir>/graph``, loading from the moto S3;
- **API Gateway** (``api_gateway.ApiGatewayServer``, ``api_port``, default 4567): the HTTP
  API Terraform created in moto, JWTs checked against moto's Cognito, integrations invoked
  through the Lambda runtime.

Ports 0 pick free ports (see ``endpoints``). moto keeps everything in memory: a stopped
local cloud forgets its resources (the graph in ``state_dir`` stays).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import ExitStack
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, cast
from urllib.parse import urlsplit

from loyalty_maximizer.localcloud.moto_patches import (
    GlueJobRun,
    LambdaFunctionError,
    LambdaInvocation,
    LambdaServiceError,
    describe_group_rule_descriptions,
    evaluate_bucket_policy_conditions,
    fix_step_functions_interpreter,
    keep_lambda_dead_letter_config,
    route_glue_job_runs,
    route_lambda_invocations,
    tolerate_log_delivery_policies,
)
from loyalty_maximizer.localcloud.shims import (
    ShimMiddleware,
    default_user_pool_tier,
    glue_update_job_shim,
    keep_immutable_user_pool_settings,
    list_state_machine_versions_shim,
    name_unnamed_executions,
    start_sync_execution_shim,
    textract_shim,
    validate_state_machine_definition,
)

if TYPE_CHECKING:
    from _typeshed.wsgi import WSGIApplication
    from werkzeug.serving import BaseWSGIServer

    from loyalty_maximizer.localcloud.api_gateway import ApiGatewayServer
    from loyalty_maximizer.localcloud.glue_runtime import GlueRuntime
    from loyalty_maximizer.localcloud.lambda_runtime import FunctionSpec, LambdaRuntime
    from loyalty_maximizer.localcloud.neptune_server import NeptuneServer
    from loyalty_maximizer.localcloud.textract_emulation import TextractEmulation

log = logging.getLogger(__name__)

LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "localhost", "::1"})
DEFAULT_PORT: Final = 4566
DEFAULT_NEPTUNE_PORT: Final = 8182
DEFAULT_API_PORT: Final = 4567
DEFAULT_REGION: Final = "us-east-1"
#: Glue's default job timeout (minutes) when neither the job nor the run sets one.
GLUE_DEFAULT_TIMEOUT_MINUTES: Final = 2880
_GLUE_POLL_SECONDS: Final = 0.2
_FINISHED: Final = frozenset({"SUCCEEDED", "FAILED", "TIMEOUT", "STOPPED", "ERROR"})


class JobRunFailed(Exception):
    """A Glue job run that did not succeed; its message is the run's error."""


class _MotoHttpServer:
    """moto's server app behind ``wrap`` on ``host:port``, built as moto's
    ``ThreadedMotoServer`` builds it (which cannot take middleware). Binding happens in the
    constructor, so a taken port fails there."""

    def __init__(
        self, host: str, port: int, wrap: Callable[[WSGIApplication], WSGIApplication]
    ) -> None:
        from moto.moto_server.werkzeug_app import (
            DomainDispatcherApplication,
            MotoRequestHandler,
            create_backend_app,
        )
        from werkzeug.serving import make_server

        app = wrap(cast("WSGIApplication", DomainDispatcherApplication(create_backend_app)))
        self._server: BaseWSGIServer = make_server(
            host, port, app, threaded=True, request_handler=MotoRequestHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="moto-server", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._server.shutdown()
            self._thread.join(timeout=10)
        self._server.server_close()


@contextlib.contextmanager
def _executing_state_machines() -> Iterator[None]:
    """moto's ``{"stepfunctions": {"execute_state_machine": True}}`` for the server's
    lifetime (what ``mock_aws(config=...)`` sets, without mocking botocore in this
    process: the local cloud's own clients talk to it over HTTP)."""
    from moto.core.config import default_user_config

    previous = default_user_config.get("stepfunctions")
    default_user_config["stepfunctions"] = {"execute_state_machine": True}
    try:
        yield
    finally:
        if previous is None:
            default_user_config.pop("stepfunctions", None)
        else:
            default_user_config["stepfunctions"] = previous


@contextlib.contextmanager
def _interpreter_endpoint(port: int) -> Iterator[None]:
    """Where moto's Step Functions interpreter sends its service calls (a task's
    ``lambda:invoke``, ``glue:startJobRun``, ...) when botocore is not mocked:
    ``http://localhost:$MOTO_PORT``, read at every call."""
    previous = os.environ.get("MOTO_PORT")
    os.environ["MOTO_PORT"] = str(port)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("MOTO_PORT", None)
        else:
            os.environ["MOTO_PORT"] = previous


def _arn_parts(arn: str) -> tuple[str, str]:
    """(region, account) of an ARN."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[0] != "arn":
        raise ValueError(f"not an ARN: {arn!r}")
    return parts[3], parts[4]


def _s3_location(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc or not parts.path.strip("/"):
        raise ValueError(f"not an s3://bucket/key URL: {url!r}")
    return parts.netloc, parts.path.lstrip("/")


def _check_loopback(host: str) -> None:
    if host not in LOOPBACK_HOSTS and not host.startswith("127."):
        raise ValueError(
            f"the local cloud serves on loopback only (127.0.0.1, localhost, ::1), not {host!r}"
        )


def _bypass_proxies_for_loopback() -> None:
    """Keep this process's and its children's HTTP clients (requests, botocore, the Glue
    driver) off any configured proxy for loopback addresses."""
    loopback = ["127.0.0.1", "localhost", "::1"]
    for name in ("NO_PROXY", "no_proxy"):
        present = [entry.strip() for entry in os.environ.get(name, "").split(",") if entry.strip()]
        missing = [host for host in loopback if host not in present]
        if missing:
            os.environ[name] = ",".join([*present, *missing])


class LocalCloud:
    """The local cloud: ``start()``, ``endpoints``, ``stop()``; ``serve_forever()`` runs it
    until ``shutdown()`` or SIGTERM/SIGINT. Keeps its state (Lambda and Glue work folders,
    logs, the graph) under ``state_dir``."""

    def __init__(
        self,
        state_dir: Path | str,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        neptune_port: int = DEFAULT_NEPTUNE_PORT,
        api_port: int = DEFAULT_API_PORT,
        region: str = DEFAULT_REGION,
    ) -> None:
        _check_loopback(host)
        self.state_dir = Path(state_dir)
        self.host = host
        self.region = region
        self._ports = (port, neptune_port, api_port)
        self._stack: ExitStack | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._moto: _MotoHttpServer | None = None
        self._lambda: LambdaRuntime | None = None
        self._glue: GlueRuntime | None = None
        self._textract: TextractEmulation | None = None
        self._neptune: NeptuneServer | None = None
        self._api: ApiGatewayServer | None = None
        self._endpoints: dict[str, str] = {}

    # --- lifecycle ---------------------------------------------------------------------

    @property
    def endpoints(self) -> dict[str, str]:
        """``aws`` (the endpoint URL of every AWS service), ``neptune``, ``api`` (the HTTP
        API's base URL) and ``region``; empty before ``start()``."""
        return dict(self._endpoints)

    @property
    def running(self) -> bool:
        return self._stack is not None

    def start(self) -> LocalCloud:
        with self._lock:
            if self._stack is not None:
                return self
            self._stopping.clear()
            self.state_dir.mkdir(parents=True, exist_ok=True)
            _bypass_proxies_for_loopback()
            logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request
            stack = ExitStack()
            try:
                self._start(stack)
            except BaseException:
                self._stopping.set()
                stack.close()
                self._reset()
                raise
            self._stack = stack
        log.info("local cloud up: %s", self._endpoints)
        return self

    def _start(self, stack: ExitStack) -> None:
        # imported here: the CLI imports this module and must stay quick
        from loyalty_maximizer.localcloud.api_gateway import ApiGatewayServer
        from loyalty_maximizer.localcloud.glue_runtime import GlueRuntime
        from loyalty_maximizer.localcloud.jwt_authorizer import moto_jwks_fetcher
        from loyalty_maximizer.localcloud.lambda_runtime import LambdaRuntime
        from loyalty_maximizer.localcloud.neptune_server import NeptuneServer
        from loyalty_maximizer.localcloud.textract_emulation import TextractEmulation

        port, neptune_port, api_port = self._ports
        stack.enter_context(_executing_state_machines())
        stack.enter_context(route_lambda_invocations(self._invoke_lambda))
        stack.enter_context(route_glue_job_runs(self._run_glue))
        stack.enter_context(fix_step_functions_interpreter())
        stack.enter_context(evaluate_bucket_policy_conditions())
        stack.enter_context(tolerate_log_delivery_policies())
        stack.enter_context(keep_lambda_dead_letter_config())
        stack.enter_context(describe_group_rule_descriptions())
        shims = [
            textract_shim(lambda: self._textract),
            validate_state_machine_definition,
            list_state_machine_versions_shim(),
            start_sync_execution_shim(),
            glue_update_job_shim(),
        ]
        rewrites = [
            name_unnamed_executions,
            default_user_pool_tier,
            keep_immutable_user_pool_settings(),
        ]
        moto = _MotoHttpServer(self.host, port, lambda app: ShimMiddleware(app, shims, rewrites))
        stack.callback(moto.stop)
        stack.enter_context(_interpreter_endpoint(moto.port))
        self._moto = moto
        aws = f"http://{self._url_host}:{moto.port}"

        self._lambda = LambdaRuntime(
            self.state_dir / "lambda", endpoint_url=aws, region=self.region
        )
        stack.callback(self._lambda.close)
        s3 = self._client("s3", aws)
        self._glue = GlueRuntime(
            self.state_dir / "glue",
            lambda url: self._fetch(s3, url),
            endpoint_url=aws,
            region=self.region,
        )
        stack.callback(self._glue.close)
        self._textract = TextractEmulation(s3, self._client("sns", aws))
        moto.start()

        neptune = NeptuneServer(self.state_dir / "graph", s3, self.host, neptune_port)
        neptune.start()
        stack.callback(neptune.stop)
        self._neptune = neptune

        api = ApiGatewayServer(
            self._client("apigatewayv2", aws),
            moto_jwks_fetcher(aws),
            self._invoke_integration,
            host=self.host,
            port=api_port,
        )
        api.start()
        stack.callback(api.stop)
        self._api = api
        self._endpoints = {
            "aws": aws,
            "neptune": f"http://{self._url_host}:{neptune.port}",
            "api": f"http://{self._url_host}:{api.port}",
            "region": self.region,
        }

    @property
    def _url_host(self) -> str:
        return f"[{self.host}]" if ":" in self.host else self.host

    def stop(self) -> None:
        """Stop serving, stop the Lambda workers and the Spark driver, restore moto."""
        with self._lock:
            stack, self._stack = self._stack, None
            self._stopping.set()
            if stack is not None:
                try:
                    stack.close()
                finally:
                    self._reset()

    def _reset(self) -> None:
        self._moto = self._lambda = self._glue = None
        self._textract = self._neptune = self._api = None
        self._endpoints = {}

    def shutdown(self) -> None:
        """Ask ``serve_forever`` to stop (from any thread or a signal handler)."""
        self._stopping.set()

    def serve_forever(self) -> None:
        """Start (if needed) and serve until ``shutdown()``; from the main thread also until
        SIGTERM or SIGINT. Stops everything before returning."""
        self.start()
        restore: dict[signal.Signals, Any] = {}
        if threading.current_thread() is threading.main_thread():
            for number in (signal.SIGTERM, signal.SIGINT):
                restore[number] = signal.signal(number, lambda *_: self.shutdown())
        try:
            while not self._stopping.wait(0.5):
                pass
        finally:
            for number, handler in restore.items():
                signal.signal(number, handler)
            self.stop()

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # --- clients -----------------------------------------------------------------------

    def _client(self, service: str, endpoint_url: str) -> Any:
        """A boto3 client of the local cloud itself, with fixed fake credentials (never the
        user's) and no host prefixes."""
        import boto3
        from botocore.config import Config

        session = boto3.session.Session(
            aws_access_key_id="test",
            aws_secret_access_key="test",
            region_name=self.region,
        )
        config = Config(
            inject_host_prefix=False,
            retries={"max_attempts": 2, "mode": "standard"},
            connect_timeout=5,
            read_timeout=60,
            proxies={},  # loopback only, whatever HTTP_PROXY says
        )
        return session.client(service, endpoint_url=endpoint_url, config=config)  # type: ignore[call-overload]

    @staticmethod
    def _fetch(s3: Any, url: str) -> bytes:
        bucket, key = _s3_location(url)
        data: bytes = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        return data

    # --- Lambda ------------------------------------------------------------------------

    def _layer_zip(self, layer_arn: str) -> bytes:
        from moto.awslambda.utils import get_backend

        region, account = _arn_parts(layer_arn)
        layer = get_backend(account, region).layers_versions_by_arn(layer_arn)
        if layer is None:
            raise LambdaServiceError(
                "ResourceNotFoundException", f"Layer version {layer_arn} does not exist", 404
            )
        return bytes(layer.code_bytes)

    def _spec(self, invocation: LambdaInvocation) -> FunctionSpec:
        from loyalty_maximizer.localcloud.lambda_runtime import FunctionSpec

        return FunctionSpec(
            name=invocation.function_name,
            arn=invocation.function_arn,
            version=invocation.version,
            handler=invocation.handler,
            code=invocation.code_zip,
            layers=tuple(self._layer_zip(arn) for arn in invocation.layer_arns),
            environment={str(k): str(v) for k, v in invocation.environment.items()},
            timeout_s=invocation.timeout_seconds,
            memory_mb=invocation.memory_mb,
        )

    def _runtime(self) -> LambdaRuntime:
        runtime = self._lambda
        if runtime is None or self._stopping.is_set():
            raise LambdaServiceError("ServiceException", "the local cloud is stopping", 503)
        return runtime

    def _invoke_lambda(self, invocation: LambdaInvocation) -> bytes:
        """What moto's patched ``LambdaFunction.invoke`` calls: run the version in a worker;
        a function error is raised so moto answers ``X-Amz-Function-Error: Unhandled`` with
        the worker's ``errorType``."""
        runtime = self._runtime()
        answer = runtime.invoke(self._spec(invocation), invocation.payload)
        if answer.function_error:
            error = answer.json()
            if not isinstance(error, Mapping):
                error = {"errorMessage": str(error)}
            stack_trace = error.get("stackTrace")
            raise LambdaFunctionError(
                str(error.get("errorType") or "Unhandled"),
                str(error.get("errorMessage") or ""),
                [str(line) for line in stack_trace] if isinstance(stack_trace, list) else None,
            )
        return answer.payload

    def _invocation_of(self, function_arn: str, payload: bytes) -> LambdaInvocation:
        """The invocation of the version a function, version or alias ARN names, from
        moto's Lambda backend (an alias resolves to its version)."""
        from moto.awslambda.utils import get_backend

        region, account = _arn_parts(function_arn)
        function = get_backend(account, region).get_function(function_arn)
        return LambdaInvocation(
            function_name=function.function_name,
            function_arn=function_arn,
            version=str(function.version),
            payload=payload,
            invocation_type="RequestResponse",
            handler=function.handler or "",
            runtime=function.run_time or "",
            environment=dict(function.environment_vars),
            timeout_seconds=int(function.timeout),
            memory_mb=int(function.memory_size),
            layer_arns=tuple(layer["Arn"] for layer in function.layers),
            code_zip=getattr(function, "code_bytes", b""),
        )

    def _invoke_integration(
        self, function_arn: str, payload: bytes
    ) -> tuple[int, bytes, str | None]:
        """API Gateway's ``invoke``: (status, payload, function error) as Lambda's Invoke
        API answers."""
        try:
            invocation = self._invocation_of(function_arn, payload)
        except Exception as error:
            log.warning("API integration %s: %s", function_arn, error)
            return 404, f'{{"message": "{type(error).__name__}"}}'.encode(), None
        answer = self._runtime().invoke(self._spec(invocation), payload)
        return 200, answer.payload, answer.function_error

    # --- Glue --------------------------------------------------------------------------

    @staticmethod
    def _glue_job(job_name: str, run_id: str) -> tuple[Any, Any]:
        """moto's job and run objects for a run id (whatever account and region)."""
        from moto.glue.models import glue_backends

        for regions in list(glue_backends.values()):
            for backend in list(regions.values()):
                job = backend.jobs.get(job_name)
                if job is None:
                    continue
                for run in list(job.job_runs):
                    if run.job_run_id == run_id:
                        return job, run
        raise JobRunFailed(f"Glue job {job_name} has no run {run_id}")

    def _run_glue(self, started: GlueJobRun) -> None:
        """What moto's patched ``StartJobRun`` runs on its own thread: the job's script on
        the Glue runtime; returns when it succeeded, raises with the run's error otherwise."""
        from loyalty_maximizer.localcloud.glue_runtime import JobRun, merged_arguments

        glue = self._glue
        if glue is None or self._stopping.is_set():
            raise JobRunFailed("the local cloud is stopping")
        job, moto_run = self._glue_job(started.job_name, started.run_id)
        command = cast("Mapping[str, Any]", job.command or {})
        script = command.get("ScriptLocation")
        if not script:
            raise JobRunFailed(f"Glue job {job.name} has no Command.ScriptLocation")
        timeout = moto_run.timeout or job.timeout or GLUE_DEFAULT_TIMEOUT_MINUTES
        run = glue.submit(
            JobRun(
                job_name=started.job_name,
                run_id=started.run_id,
                script_location=str(script),
                arguments=merged_arguments(
                    {str(k): str(v) for k, v in (job.default_arguments or {}).items()},
                    {str(k): str(v) for k, v in started.arguments.items()},
                ),
                timeout_minutes=int(timeout),
            )
        )
        while run.state not in _FINISHED:
            if self._stopping.wait(_GLUE_POLL_SECONDS):
                raise JobRunFailed("the local cloud stopped during the run")
        if run.state != "SUCCEEDED":
            raise JobRunFailed(run.error or f"job run ended {run.state}")


def wait_until_ready(endpoints: Mapping[str, str], timeout: float = 60.0) -> None:
    """Block until every HTTP endpoint answers (any status); ``TimeoutError`` otherwise."""
    import urllib.error
    import urllib.request

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    checks = {
        "aws": "/moto-api/data.json",
        "neptune": "/status",
        "api": "/",
    }
    deadline = time.monotonic() + timeout
    for name, path in checks.items():
        url = endpoints[name].rstrip("/") + path
        while True:
            try:
                with opener.open(url, timeout=5):
                    break
            except urllib.error.HTTPError:
                break  # it answered
            except OSError as error:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"{name} endpoint {url} does not answer: {error}") from None
                time.sleep(0.2)
