"""``loyalty local``: run the local cloud (every AWS service of the topology on this machine).

- ``up`` starts it in the background (or ``--foreground``), waits until every endpoint
  answers and prints the endpoints as JSON: ``aws`` (the endpoint URL of every AWS service,
  Terraform's ``endpoint``), ``neptune``, ``api`` (the HTTP API), ``region``, ``pid``,
  ``stateDir``.
- ``down`` stops it (SIGTERM, then SIGKILL after ``--timeout``).
- ``status`` prints whether it runs, with its endpoints; exit status 0 running, 3 not.

Problems (a port taken, Java missing, already running) are exit status 1 with
``{"error": {"code", "message", "fix"}}`` on stderr. Progress goes to stderr.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from loyalty_maximizer.localcloud.process import (
    STATE_ENV,
    LocalCloudError,
    StatePaths,
    check_java,
    check_ports,
    process_command,
    read_endpoints,
    run,
    running_pid,
    spawn,
    stop,
    wait_for_start,
)
from loyalty_maximizer.localcloud.server import (
    DEFAULT_API_PORT,
    DEFAULT_NEPTUNE_PORT,
    DEFAULT_PORT,
    DEFAULT_REGION,
)

app = typer.Typer(
    help="Run the local cloud: the AWS topology on this machine, no AWS account needed.",
    no_args_is_help=True,
)

StateDirOption = Annotated[
    Path | None,
    typer.Option(
        "--state-dir",
        envvar=STATE_ENV,
        help=f"Folder of the pid file, logs and graph (default .localcloud, or ${STATE_ENV}).",
        show_default=False,
    ),
]
NOT_RUNNING_STATUS = 3


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")
    sys.stdout.flush()


def _progress(message: str) -> None:
    sys.stderr.write(f"{message}\n")
    sys.stderr.flush()


def _fail(error: LocalCloudError) -> NoReturn:
    sys.stderr.write(json.dumps(error.to_json(), ensure_ascii=False) + "\n")
    raise typer.Exit(1)


@app.command("up")
def up(
    state_dir: StateDirOption = None,
    port: Annotated[int, typer.Option(help="AWS endpoint port (every service).")] = DEFAULT_PORT,
    neptune_port: Annotated[int, typer.Option(help="Neptune endpoint port.")] = (
        DEFAULT_NEPTUNE_PORT
    ),
    api_port: Annotated[int, typer.Option(help="HTTP API (API Gateway) port.")] = (
        DEFAULT_API_PORT
    ),
    region: Annotated[str, typer.Option(help="Region the local cloud pretends to be.")] = (
        DEFAULT_REGION
    ),
    foreground: Annotated[
        bool, typer.Option("--foreground", help="Run in this process until Ctrl-C.")
    ] = False,
    timeout: Annotated[float, typer.Option(help="Seconds to wait for the endpoints.")] = 120.0,
) -> None:
    """Start the local cloud and print its endpoints as JSON."""
    paths = StatePaths.of(state_dir)
    try:
        pid = running_pid(paths)
        if pid is not None:
            raise LocalCloudError(
                "already_running",
                f"the local cloud of {paths.root} is already running (pid {pid})",
                f"use it (`loyalty local status --state-dir {paths.root}`) or stop it first "
                f"(`loyalty local down --state-dir {paths.root}`)",
            )
        check_ports(
            {
                "AWS endpoint": (port, "--port"),
                "Neptune endpoint": (neptune_port, "--neptune-port"),
                "HTTP API": (api_port, "--api-port"),
            }
        )
        _progress(f"Java: {check_java()}")
        paths.root.mkdir(parents=True, exist_ok=True)
        if foreground:
            paths.pid_file.write_text(f"{os.getpid()}\n", encoding="utf-8")
            _progress("starting the local cloud in the foreground (Ctrl-C stops it)...")
            try:
                run(
                    paths,
                    port=port,
                    neptune_port=neptune_port,
                    api_port=api_port,
                    region=region,
                    on_ready=_print_json,
                )
            except OSError as error:
                raise LocalCloudError(
                    "start_failed", f"the local cloud could not start: {error}", "see above"
                ) from None
            return
        _progress(f"starting the local cloud (state in {paths.root}, log {paths.log_file})...")
        child = spawn(paths, process_command(paths, port, neptune_port, api_port, region))
        endpoints = wait_for_start(paths, child, timeout, _progress)
    except LocalCloudError as error:
        _fail(error)
    _progress("the local cloud is up")
    _print_json(endpoints)


@app.command("down")
def down(
    state_dir: StateDirOption = None,
    timeout: Annotated[
        float, typer.Option(help="Seconds to wait after SIGTERM before SIGKILL.")
    ] = 30.0,
) -> None:
    """Stop the local cloud (its Lambda workers, Spark driver and servers)."""
    paths = StatePaths.of(state_dir)
    pid = running_pid(paths)
    if pid is None:
        _progress(f"the local cloud of {paths.root} is not running")
        _print_json({"status": "not running", "stateDir": str(paths.root)})
        return
    _progress(f"stopping the local cloud (pid {pid})...")
    clean = stop(paths, pid, timeout=timeout)
    if not clean:
        _progress(f"it did not stop within {timeout:g} s and was killed")
    _print_json({"status": "stopped", "pid": pid, "clean": clean, "stateDir": str(paths.root)})


@app.command("status")
def status(state_dir: StateDirOption = None) -> None:
    """Print whether the local cloud runs, with its endpoints (exit status 3 when not)."""
    paths = StatePaths.of(state_dir)
    pid = running_pid(paths)
    if pid is None:
        _print_json({"status": "not running", "stateDir": str(paths.root)})
        raise typer.Exit(NOT_RUNNING_STATUS)
    endpoints = read_endpoints(paths)
    _print_json(
        {
            "status": "running" if endpoints is not None else "starting",
            "pid": pid,
            "stateDir": str(paths.root),
            "endpoints": {
                key: value
                for key, value in (endpoints or {}).items()
                if key in ("aws", "neptune", "api", "region")
            },
        }
    )


if __name__ == "__main__":  # python -m loyalty_maximizer.localcloud.cli: the same, quicker to load
    app()
