"""The local cloud's Lambda service: runs a function's deployed zip and layers in warm worker
subprocesses, one pool per function version, as Lambda runs sandboxes.

A worker is the base Python interpreter started with ``-S`` and a path of the function's
code then its layers' ``python/`` folders (``/var/task`` then ``/opt/python`` on AWS), so a
handler imports only what was packaged. The environment is the function's variables plus
what the Lambda service sets (``AWS_LAMBDA_FUNCTION_NAME``, ``_HANDLER``, region,
credentials) and ``AWS_ENDPOINT_URL`` at the local cloud (with host prefixes off, which an
endpoint URL cannot take). Answers and errors take Lambda's
shapes: a handler exception is ``{"errorMessage", "errorType", "stackTrace"}`` with function
error ``Unhandled``; a timeout kills the worker and says ``Task timed out after N seconds``.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from loyalty_maximizer.localcloud.network_guard import ENV as GUARD_ENV

_WORKER = Path(__file__).with_name("lambda_worker.py")
MAX_WORKERS_PER_FUNCTION = 4
_READY_TIMEOUT_S = 120


@dataclass(frozen=True)
class FunctionSpec:
    """What an invocation needs of a function version's configuration."""

    name: str
    arn: str
    version: str
    handler: str
    code: bytes  # the deployment package (zip)
    layers: tuple[bytes, ...] = ()
    environment: dict[str, str] = field(default_factory=dict)
    timeout_s: int = 3
    memory_mb: int = 128

    @property
    def key(self) -> str:
        digest = hashlib.sha256(self.code)
        for layer in self.layers:
            digest.update(hashlib.sha256(layer).digest())
        digest.update(json.dumps([self.handler, sorted(self.environment.items())]).encode())
        digest.update(f"{self.timeout_s}/{self.memory_mb}".encode())
        return f"{self.name}-{self.version}-{digest.hexdigest()[:16]}"


@dataclass(frozen=True)
class Invocation:
    """An answer in the shape the Invoke API returns: the payload, and ``Unhandled`` as the
    function error when the payload is an error object."""

    payload: bytes
    function_error: str | None = None
    request_id: str = ""

    def json(self) -> Any:
        return json.loads(self.payload) if self.payload else None


def _unpack(archive: bytes, target: Path) -> Path:
    """Unpack a zip once per content (the folder is named by its hash)."""
    if not (target / ".complete").exists():
        partial = target.with_name(target.name + f".{uuid.uuid4().hex}.partial")
        with zipfile.ZipFile(io.BytesIO(archive)) as zipped:
            zipped.extractall(partial)
        (partial / ".complete").touch()
        try:
            partial.rename(target)
        except OSError:  # another invocation unpacked it first
            shutil.rmtree(partial, ignore_errors=True)
    return target


def base_interpreter() -> str:
    """The interpreter below any virtual environment: a worker must not see the venv."""
    return getattr(sys, "_base_executable", None) or sys.executable


class _Worker:
    def __init__(self, spec: FunctionSpec, path: Sequence[Path], env: dict[str, str], log: IO[str]):
        read_fd, write_fd = os.pipe()
        self.process = subprocess.Popen(
            [base_interpreter(), "-S", str(_WORKER), str(write_fd)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**env, "LOCAL_LAMBDA_PATH": os.pathsep.join(str(p) for p in path)},
            pass_fds=(write_fd,),
            text=True,
            cwd=str(path[0]),
        )
        os.close(write_fd)
        self.answers = os.fdopen(read_fd, "r", encoding="utf-8")
        self.spec = spec
        self.ready = self._read(_READY_TIMEOUT_S)

    def _read(self, timeout_s: float) -> dict[str, Any] | None:
        """The next answer line, or None when the worker died or ran out of time."""
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self.answers.readline()), daemon=True)
        reader.start()
        reader.join(timeout_s)
        if not box or not box[0]:
            return None
        return json.loads(box[0])  # type: ignore[no-any-return]

    def invoke(self, payload: bytes, request_id: str) -> tuple[dict[str, Any] | None, bool]:
        """(the worker's reply, whether it timed out)."""
        deadline_ms = int(time.time() * 1000) + self.spec.timeout_s * 1000
        request = {"requestId": request_id, "deadlineMs": deadline_ms, "payload": payload.decode()}
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            return None, False
        started = time.monotonic()
        reply = self._read(self.spec.timeout_s + 0.5)
        timed_out = reply is None and time.monotonic() - started >= self.spec.timeout_s
        return reply, timed_out

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive():
            self.process.kill()
        self.process.wait()
        self.answers.close()
        if self.process.stdin:
            with contextlib.suppress(OSError):
                self.process.stdin.close()


class LambdaRuntime:
    """Invoke functions in warm workers; ``close`` stops every worker."""

    def __init__(self, work_dir: Path, *, endpoint_url: str, region: str) -> None:
        self.work_dir = work_dir
        self.endpoint_url = endpoint_url
        self.region = region
        self._idle: dict[str, list[_Worker]] = {}
        self._busy: dict[str, int] = {}
        self._lock = threading.Condition()
        (work_dir / "logs").mkdir(parents=True, exist_ok=True)

    def _environment(self, spec: FunctionSpec) -> dict[str, str]:
        stream = f"{dt.date.today():%Y/%m/%d}/[{spec.version}]{uuid.uuid4().hex}"
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "TZ": ":UTC",
            "HOME": str(self.work_dir),
            # what the Lambda service sets; the function's own variables cannot override it
            **spec.environment,
            "AWS_LAMBDA_FUNCTION_NAME": spec.name,
            # a worker of a guarded local cloud is guarded too (network_guard)
            **({GUARD_ENV: "1"} if os.environ.get(GUARD_ENV) == "1" else {}),
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
            "LOCAL_LAMBDA_FUNCTION_ARN": spec.arn,
            "LAMBDA_TASK_ROOT": "",
            "_HANDLER": spec.handler,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_SESSION_TOKEN": "test",
            "AWS_ENDPOINT_URL": self.endpoint_url,
            # boto3 would send StartSyncExecution to "sync-" + the endpoint's host
            "AWS_DISABLE_HOST_PREFIX_INJECTION": "true",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
        }

    def _start(self, spec: FunctionSpec) -> _Worker:
        code = _unpack(spec.code, self.work_dir / "code" / hashlib.sha256(spec.code).hexdigest())
        layers = [
            _unpack(layer, self.work_dir / "layers" / hashlib.sha256(layer).hexdigest()) / "python"
            for layer in spec.layers
        ]
        env = self._environment(spec)
        env["LAMBDA_TASK_ROOT"] = str(code)
        log = (self.work_dir / "logs" / f"{spec.name}.log").open("a", encoding="utf-8")
        try:
            return _Worker(spec, [code, *layers], env, log)
        finally:
            log.close()  # the child holds its own descriptor

    @contextlib.contextmanager
    def _worker(self, spec: FunctionSpec) -> Iterator[_Worker]:
        key = spec.key
        with self._lock:
            while not self._idle.get(key) and self._busy.get(key, 0) >= MAX_WORKERS_PER_FUNCTION:
                self._lock.wait()
            idle = self._idle.setdefault(key, [])
            worker = idle.pop() if idle else None
            self._busy[key] = self._busy.get(key, 0) + 1
        try:
            if worker is None or not worker.alive():
                worker = self._start(spec)
            yield worker
        finally:
            with self._lock:
                self._busy[key] -= 1
                if worker is not None and worker.alive():
                    self._idle[key].append(worker)
                self._lock.notify()

    def invoke(self, spec: FunctionSpec, payload: bytes) -> Invocation:
        request_id = str(uuid.uuid4())
        with self._worker(spec) as worker:
            if worker.ready is None:
                worker.stop()
                return _failure(request_id, "Runtime.ExitError", "the runtime failed to start")
            reply, timed_out = worker.invoke(payload, request_id)
            if reply is None:
                worker.stop()
                if timed_out:
                    now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
                    message = (
                        f"{now} {request_id} Task timed out after {spec.timeout_s:.2f} seconds"
                    )
                    return _failure(request_id, "Sandbox.Timedout", message)
                code = worker.process.returncode
                return _failure(
                    request_id,
                    "Runtime.ExitError",
                    f"RequestId: {request_id} Error: Runtime exited with error: exit status {code}"
                    + (" (out of memory?)" if code is not None and code < 0 else ""),
                )
        if "error" in reply:
            return Invocation(json.dumps(reply["error"]).encode(), "Unhandled", request_id)
        return Invocation(json.dumps(reply["result"]).encode(), None, request_id)

    def close(self) -> None:
        with self._lock:
            workers = [w for pool in self._idle.values() for w in pool]
            self._idle.clear()
        for worker in workers:
            worker.stop()


def _failure(request_id: str, error_type: str, message: str) -> Invocation:
    body = {"errorMessage": message, "errorType": error_type}
    return Invocation(json.dumps(body).encode(), "Unhandled", request_id)
