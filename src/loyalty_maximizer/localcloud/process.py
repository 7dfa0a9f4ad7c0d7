"""The local cloud as a background process, and what ``loyalty local`` needs to manage it.

``python -m loyalty_maximizer.localcloud.process --state-dir DIR [--port ...]`` runs
``server.LocalCloud`` until SIGTERM/SIGINT. Its files live in the state folder:

- ``localcloud.pid`` — the process id (written by whoever started it; removed on exit);
- ``endpoints.json`` — ``{"aws", "neptune", "api", "region", "pid", "stateDir"}``, written
  once every server is up, removed on exit;
- ``logs/localcloud.log`` — the process's output; ``lambda/logs/<function>.log`` and
  ``glue/logs/glue-driver.log`` — what the functions and the Spark driver print;
- ``graph/`` — the Neptune endpoint's knowledge base (kept across restarts).

The helpers below (paths, pid checks, port and Java checks, start, stop) are what the CLI
calls; they raise ``LocalCloudError`` with what went wrong and how to fix it.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from loyalty_maximizer.localcloud import network_guard
from loyalty_maximizer.localcloud.server import (
    DEFAULT_API_PORT,
    DEFAULT_NEPTUNE_PORT,
    DEFAULT_PORT,
    DEFAULT_REGION,
    LocalCloud,
    wait_until_ready,
)

log = logging.getLogger("loyalty_maximizer.localcloud")

STATE_ENV: Final = "LOYALTY_LOCAL_STATE"
DEFAULT_STATE_DIR: Final = ".localcloud"
HOST: Final = "127.0.0.1"
MODULE: Final = "loyalty_maximizer.localcloud.process"


class LocalCloudError(Exception):
    """A problem ``loyalty local`` reports: ``code``, what happened and how to fix it."""

    def __init__(self, code: str, message: str, fix: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fix = fix

    def to_json(self) -> dict[str, Any]:
        return {"error": {"code": self.code, "message": self.message, "fix": self.fix}}


@dataclass(frozen=True)
class StatePaths:
    root: Path

    @classmethod
    def of(cls, state_dir: Path | str | None = None) -> StatePaths:
        """The state folder: ``state_dir``, else $LOYALTY_LOCAL_STATE, else ``.localcloud``
        in the current directory (always absolute)."""
        chosen = state_dir or os.environ.get(STATE_ENV) or DEFAULT_STATE_DIR
        return cls(Path(chosen).expanduser().resolve())

    @property
    def pid_file(self) -> Path:
        return self.root / "localcloud.pid"

    @property
    def endpoints_file(self) -> Path:
        return self.root / "endpoints.json"

    @property
    def log_file(self) -> Path:
        return self.root / "logs" / "localcloud.log"


# --- process checks ------------------------------------------------------------------------


def read_pid(paths: StatePaths) -> int | None:
    try:
        return int(paths.pid_file.read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def _proc_file(pid: int, name: str) -> str | None:
    try:
        return Path(f"/proc/{pid}/{name}").read_bytes().decode("utf-8", "replace")
    except OSError:
        return None


def is_running(pid: int) -> bool:
    """Whether ``pid`` is a live local cloud process (not a zombie, and where /proc tells,
    a ``loyalty`` command: a reused pid is not taken for ours)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return False  # someone else's process: not ours
    stat = _proc_file(pid, "stat")
    if stat is not None and stat.rpartition(")")[2].split()[:1] == ["Z"]:
        return False
    cmdline = _proc_file(pid, "cmdline")
    return cmdline is None or "loyalty" in cmdline


def running_pid(paths: StatePaths) -> int | None:
    """The pid of the local cloud of this state folder, or None (a stale pid file and
    endpoints file are removed)."""
    pid = read_pid(paths)
    if pid is not None and is_running(pid):
        return pid
    for stale in (paths.pid_file, paths.endpoints_file):
        stale.unlink(missing_ok=True)
    return None


def read_endpoints(paths: StatePaths) -> dict[str, Any] | None:
    try:
        data = json.loads(paths.endpoints_file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _write_json(path: Path, data: Mapping[str, Any]) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)


# --- preflight checks ----------------------------------------------------------------------


def port_in_use(port: int, host: str = HOST) -> bool:
    if port == 0:
        return False
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the servers bind
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


def check_ports(ports: Mapping[str, tuple[int, str]]) -> None:
    """``ports``: {what: (port, option)}; LocalCloudError for the first one taken."""
    for what, (port, option) in ports.items():
        if port_in_use(port):
            raise LocalCloudError(
                "port_in_use",
                f"port {port} on {HOST} ({what}) is already in use",
                f"stop what listens there (`ss -ltnp 'sport = :{port}'` shows it; a local "
                f"cloud of another state folder: `loyalty local down --state-dir DIR`) or "
                f"choose another port with {option}",
            )


def java_command() -> str | None:
    """The ``java`` PySpark will start: $JAVA_HOME/bin/java, else the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home:
        candidate = Path(home) / "bin" / "java"
        return str(candidate) if candidate.exists() else None
    return shutil.which("java")


def check_java() -> str:
    """``java -version``'s first line; LocalCloudError when Java is missing or broken."""
    fix = (
        "install a Java 17 runtime (Debian/Ubuntu: `apt-get install openjdk-17-jre-headless`) "
        "and put `java` on PATH or set JAVA_HOME"
    )
    java = java_command()
    if java is None:
        where = "$JAVA_HOME/bin/java" if os.environ.get("JAVA_HOME") else "`java` on PATH"
        raise LocalCloudError(
            "java_missing",
            f"Java is missing ({where} not found): Glue job runs execute on local PySpark, "
            "which needs Java",
            fix,
        )
    try:
        answer = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        raise LocalCloudError("java_missing", f"`{java} -version` failed: {error}", fix) from None
    if answer.returncode != 0:
        raise LocalCloudError(
            "java_missing",
            f"`{java} -version` exited {answer.returncode}: {answer.stderr.strip()[:300]}",
            fix,
        )
    lines = (answer.stderr or answer.stdout).strip().splitlines()
    return lines[0] if lines else java


# --- starting and stopping -----------------------------------------------------------------


def process_command(
    paths: StatePaths, port: int, neptune_port: int, api_port: int, region: str
) -> list[str]:
    return [
        sys.executable,
        "-m",
        MODULE,
        "--state-dir",
        str(paths.root),
        "--port",
        str(port),
        "--neptune-port",
        str(neptune_port),
        "--api-port",
        str(api_port),
        "--region",
        region,
    ]


def spawn(paths: StatePaths, command: Sequence[str]) -> subprocess.Popen[bytes]:
    """Start the background process (its own session, output to the log) and write its pid."""
    paths.log_file.parent.mkdir(parents=True, exist_ok=True)
    paths.endpoints_file.unlink(missing_ok=True)
    with paths.log_file.open("ab") as log_stream:
        child = subprocess.Popen(
            list(command),
            stdin=subprocess.DEVNULL,
            stdout=log_stream,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            close_fds=True,
        )
    paths.pid_file.write_text(f"{child.pid}\n", encoding="utf-8")
    return child


def log_tail(paths: StatePaths, lines: int = 20) -> str:
    try:
        text = paths.log_file.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def wait_for_start(
    paths: StatePaths,
    child: subprocess.Popen[bytes],
    timeout: float,
    progress: Callable[[str], None] = lambda message: None,
) -> dict[str, Any]:
    """The endpoints once the process wrote them and every one answers; LocalCloudError
    when it exits first or takes longer than ``timeout``."""
    deadline = time.monotonic() + timeout
    announced = False
    while True:
        code = child.poll()
        if code is not None:
            paths.pid_file.unlink(missing_ok=True)
            raise LocalCloudError(
                "start_failed",
                f"the local cloud exited with status {code} while starting; last log lines:\n"
                + log_tail(paths),
                f"see {paths.log_file}",
            )
        endpoints = read_endpoints(paths)
        if endpoints is not None:
            if not announced:
                progress("waiting for the endpoints to answer...")
                announced = True
            try:
                wait_until_ready(endpoints, timeout=max(deadline - time.monotonic(), 1.0))
            except TimeoutError as error:
                stop(paths, child.pid, timeout=10)
                raise LocalCloudError("start_failed", str(error), f"see {paths.log_file}") from None
            return endpoints
        if time.monotonic() > deadline:
            stop(paths, child.pid, timeout=10)
            raise LocalCloudError(
                "start_timeout",
                f"the local cloud did not start within {timeout:g} s; last log lines:\n"
                + log_tail(paths),
                f"see {paths.log_file}; a slow machine may need --timeout",
            )
        time.sleep(0.2)


def _gone(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, os.WNOHANG)  # reap it when it is our own child
    return not is_running(pid)


def stop(paths: StatePaths, pid: int, timeout: float = 30.0) -> bool:
    """SIGTERM, wait up to ``timeout``, then SIGKILL (the whole process group when the
    process leads its own, as a background local cloud does, so workers and the Spark
    driver go too). Removes the pid and endpoints files. True when it stopped on SIGTERM."""
    clean = True
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while not _gone(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if not _gone(pid):
            clean = False
            leads_group = False
            with contextlib.suppress(OSError):
                leads_group = os.getpgid(pid) == pid
            if leads_group:
                os.killpg(pid, signal.SIGKILL)
            else:
                os.kill(pid, signal.SIGKILL)
            kill_deadline = time.monotonic() + 10
            while not _gone(pid) and time.monotonic() < kill_deadline:
                time.sleep(0.1)
    for path in (paths.pid_file, paths.endpoints_file):
        path.unlink(missing_ok=True)
    return clean


# --- the process itself --------------------------------------------------------------------


def run(
    paths: StatePaths,
    *,
    port: int = DEFAULT_PORT,
    neptune_port: int = DEFAULT_NEPTUNE_PORT,
    api_port: int = DEFAULT_API_PORT,
    region: str = DEFAULT_REGION,
    on_ready: Callable[[dict[str, Any]], None] = lambda endpoints: None,
) -> None:
    """Run the local cloud in this process until SIGTERM/SIGINT: endpoints.json while up;
    the pid and endpoints files removed on the way out (when they are this process's).
    The process, and the workers it starts, reach nothing beyond loopback (network_guard)."""
    os.environ[network_guard.ENV] = "1"
    network_guard.install()
    cloud = LocalCloud(
        paths.root, HOST, port=port, neptune_port=neptune_port, api_port=api_port, region=region
    )
    pid = os.getpid()
    try:
        cloud.start()
        described: dict[str, Any] = {**cloud.endpoints, "pid": pid, "stateDir": str(paths.root)}
        _write_json(paths.endpoints_file, described)
        on_ready(described)
        cloud.serve_forever()
    finally:
        cloud.stop()
        if read_pid(paths) == pid:
            paths.pid_file.unlink(missing_ok=True)
            paths.endpoints_file.unlink(missing_ok=True)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=f"python -m {MODULE}", description=__doc__)
    parser.add_argument("--state-dir", default=None)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--neptune-port", type=int, default=DEFAULT_NEPTUNE_PORT)
    parser.add_argument("--api-port", type=int, default=DEFAULT_API_PORT)
    parser.add_argument("--region", default=DEFAULT_REGION)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    paths = StatePaths.of(args.state_dir)
    paths.root.mkdir(parents=True, exist_ok=True)
    try:
        run(
            paths,
            port=args.port,
            neptune_port=args.neptune_port,
            api_port=args.api_port,
            region=args.region,
            on_ready=lambda endpoints: log.info("ready: %s", json.dumps(endpoints)),
        )
    except OSError as error:
        log.error("the local cloud could not start: %s", error)
        return 1
    log.info("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
