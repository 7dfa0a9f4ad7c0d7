"""The local cloud's Glue service: a job run executes the job's script from S3 on local
PySpark, with the job's default arguments merged with the run's and its ``--extra-py-files``
on the path, and reports RUNNING, SUCCEEDED or FAILED with the error as Glue does.

Runs go one at a time through a warm driver process (``glue_worker.py``) that keeps its
Spark session between runs; a different set of extra files starts a fresh driver, since a
Python process cannot unload the library it imported. Glue's own modules (``awsglue``) are
absent here, which the jobs already handle: they fall back to argparse and a plain session.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

_WORKER = Path(__file__).with_name("glue_worker.py")
_READY_TIMEOUT_S = 60
# Arguments Glue reads itself; a script never sees them as its options.
_SERVICE_ARGUMENTS = {
    "--extra-py-files",
    "--additional-python-modules",
    "--python-modules-installer-option",
    "--enable-continuous-cloudwatch-log",
    "--enable-metrics",
    "--enable-observability-metrics",
    "--enable-spark-ui",
    "--job-language",
    "--job-bookmark-option",
    "--TempDir",
    "--enable-glue-datacatalog",
    "--enable-job-insights",
    "--conf",
}

Fetch = Callable[[str], bytes]  # s3://bucket/key -> bytes


@dataclass
class JobRun:
    job_name: str
    run_id: str
    script_location: str
    arguments: dict[str, str]
    timeout_minutes: int = 60
    state: str = "STARTING"  # STARTING | RUNNING | SUCCEEDED | FAILED | TIMEOUT
    error: str | None = None
    output: str = ""
    started: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    completed: dt.datetime | None = None

    def finish(self, state: str, error: str | None = None) -> None:
        self.state, self.error = state, error
        self.completed = dt.datetime.now(dt.UTC)

    @property
    def execution_seconds(self) -> int:
        end = self.completed or dt.datetime.now(dt.UTC)
        return int((end - self.started).total_seconds())


def merged_arguments(defaults: Mapping[str, str], run: Mapping[str, str]) -> dict[str, str]:
    """Glue's rule: the run's arguments replace the job's defaults of the same name."""
    return {**defaults, **run}


def script_argv(arguments: Mapping[str, str], job_name: str, run_id: str) -> list[str]:
    """The script's command line: Glue's ``--JOB_NAME``/``--JOB_RUN_ID`` and every argument
    that is the job's, not the service's."""
    argv = ["--JOB_NAME", job_name, "--JOB_RUN_ID", run_id]
    for name, value in sorted(arguments.items()):
        if name not in _SERVICE_ARGUMENTS:
            argv += [name, value]
    return argv


class _Driver:
    def __init__(self, python_path: list[Path], env: dict[str, str], log: IO[str]) -> None:
        read_fd, write_fd = os.pipe()
        # a wheel or zip is importable as it is; a single module through its folder
        entries = [str(p.parent if p.suffix == ".py" else p) for p in python_path]
        path = os.pathsep.join([*entries, env.get("PYTHONPATH", "")])
        self.process = subprocess.Popen(
            [sys.executable, str(_WORKER), str(write_fd)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=log,
            env={**env, "PYTHONPATH": path.rstrip(os.pathsep)},
            pass_fds=(write_fd,),
            text=True,
        )
        os.close(write_fd)
        self.answers = os.fdopen(read_fd, "r", encoding="utf-8")
        self.ready = self._read(_READY_TIMEOUT_S) is not None

    def run(self, request: dict[str, Any], timeout_s: float) -> dict[str, Any] | None:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(request) + "\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError):
            return None
        return self._read(timeout_s)

    def _read(self, timeout_s: float) -> dict[str, Any] | None:
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self.answers.readline()), daemon=True)
        reader.start()
        reader.join(timeout_s)
        return json.loads(box[0]) if box and box[0] else None

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.alive() and self.process.stdin:
            self.process.stdin.close()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        if self.alive():
            self.process.kill()
        self.process.wait()
        self.answers.close()


class GlueRuntime:
    """Accepts job runs (``submit``), runs them in order on a background thread, and answers
    ``run(run_id)`` with their current state."""

    def __init__(self, work_dir: Path, fetch: Fetch, *, endpoint_url: str, region: str) -> None:
        self.work_dir = work_dir
        self.fetch = fetch
        self.endpoint_url = endpoint_url
        self.region = region
        self._runs: dict[str, JobRun] = {}
        self._queue: queue.Queue[JobRun | None] = queue.Queue()
        self._driver: _Driver | None = None
        self._driver_key: str | None = None
        self._closing = threading.Event()
        (work_dir / "logs").mkdir(parents=True, exist_ok=True)
        (work_dir / "files").mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._loop, name="glue-runtime", daemon=True)
        self._thread.start()

    def submit(self, run: JobRun) -> JobRun:
        self._runs[run.run_id] = run
        self._queue.put(run)
        return run

    def run(self, run_id: str) -> JobRun | None:
        return self._runs.get(run_id)

    def close(self) -> None:
        """Stop the service: runs still queued fail, a run in progress is ended with its
        driver (a job may run for hours; shutting down must not wait for it)."""
        self._closing.set()
        self._queue.put(None)
        self._thread.join(timeout=1)
        driver = self._driver
        if self._thread.is_alive() and driver is not None and driver.alive():
            driver.process.kill()  # the run in progress ends FAILED, the loop then stops
        self._thread.join(timeout=60)
        if self._driver is not None:
            self._driver.stop()

    def _file(self, url: str) -> Path:
        """A local copy of an s3:// object, named by its content's hash (a new upload under
        the same key is a new file)."""
        data = self.fetch(url)
        name = Path(urlsplit(url).path).name
        target = self.work_dir / "files" / hashlib.sha256(data).hexdigest()[:16] / name
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        return target

    def _driver_for(self, extra_files: list[Path]) -> _Driver:
        key = "|".join(str(p) for p in extra_files)
        if self._driver is not None and (self._driver_key != key or not self._driver.alive()):
            self._driver.stop()
            self._driver = None
        if self._driver is None:
            log = (self.work_dir / "logs" / "glue-driver.log").open("a", encoding="utf-8")
            try:
                env = {
                    **os.environ,
                    "AWS_ENDPOINT_URL": self.endpoint_url,
                    "AWS_REGION": self.region,
                    "AWS_DEFAULT_REGION": self.region,
                    "AWS_ACCESS_KEY_ID": "test",
                    "AWS_SECRET_ACCESS_KEY": "test",
                    "PYSPARK_PYTHON": sys.executable,
                }
                self._driver = _Driver(extra_files, env, log)
            finally:
                log.close()
            self._driver_key = key
        return self._driver

    def _loop(self) -> None:
        while (run := self._queue.get()) is not None:
            if self._closing.is_set():
                run.finish("FAILED", "the Glue service stopped before the run started")
                continue
            try:
                self._execute(run)
            except Exception as exc:  # the service survives a broken run
                run.finish("FAILED", f"{type(exc).__name__}: {exc}")

    def _execute(self, run: JobRun) -> None:
        script = self._file(run.script_location)
        extra = [
            self._file(url.strip())
            for url in run.arguments.get("--extra-py-files", "").split(",")
            if url.strip()
        ]
        driver = self._driver_for(extra)
        run.state = "RUNNING"
        request = {
            "script": str(script),
            "argv": script_argv(run.arguments, run.job_name, run.run_id),
        }
        reply = driver.run(request, run.timeout_minutes * 60)
        if reply is None:
            driver.stop()
            self._driver = None
            timed_out = run.execution_seconds >= run.timeout_minutes * 60
            run.finish(
                "TIMEOUT" if timed_out else "FAILED",
                f"Job run timed out after {run.timeout_minutes} minutes"
                if timed_out
                else "the Spark driver exited; see glue-driver.log",
            )
            return
        run.output = reply["stdout"]
        if reply["exitCode"] == 0:
            run.finish("SUCCEEDED")
        else:
            run.finish("FAILED", _error_message(reply))


def _error_message(reply: Mapping[str, Any]) -> str:
    """The job's own JSON error when it printed one last (``spark.run_job``), else the
    exception or exit status."""
    stdout = str(reply.get("stdout", ""))
    start = stdout.rfind("\n{") + 1 if not stdout.startswith("{") else 0
    try:
        printed = json.loads(stdout[start:])
    except json.JSONDecodeError:
        printed = None
    if isinstance(printed, dict) and isinstance(printed.get("error"), dict):
        return str(printed["error"].get("message", printed["error"]))
    return str(reply.get("error") or f"exit status {reply.get('exitCode')}")
