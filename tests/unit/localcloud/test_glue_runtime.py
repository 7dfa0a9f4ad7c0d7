"""The local Glue service runs a job's script with merged arguments and reports its state."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from loyalty_maximizer.localcloud.glue_runtime import (
    GlueRuntime,
    JobRun,
    merged_arguments,
    script_argv,
)

SCRIPT = b"""
import json, sys
import jobhelper  # from --extra-py-files
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
if args.get("--fail") == "yes":
    error = {"code": "invalid_request", "message": "--source names nothing"}
    print(json.dumps({"error": error}, indent=2))
    sys.exit(1)
if args.get("--crash") == "yes":
    raise RuntimeError("boom")
print(json.dumps({"source": args["--source"], "helper": jobhelper.VALUE}))
"""


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[GlueRuntime]:
    objects = {
        "s3://artifacts/glue/job.py": SCRIPT,
        "s3://artifacts/glue/jobhelper.py": b"VALUE = 42\n",
    }
    service = GlueRuntime(
        tmp_path, objects.__getitem__, endpoint_url="http://127.0.0.1:1", region="eu-west-1"
    )
    yield service
    service.close()


def _wait(runtime: GlueRuntime, run_id: str) -> JobRun:
    for _ in range(300):
        run = runtime.run(run_id)
        assert run is not None
        if run.state not in {"STARTING", "RUNNING"}:
            return run
        time.sleep(0.05)
    raise AssertionError("the run never finished")


def _run(runtime: GlueRuntime, run_id: str, **arguments: str) -> JobRun:
    defaults = {"--extra-py-files": "s3://artifacts/glue/jobhelper.py", "--source": "default"}
    runtime.submit(
        JobRun(
            "loyalty-test-extract",
            run_id,
            "s3://artifacts/glue/job.py",
            merged_arguments(defaults, {f"--{k}": v for k, v in arguments.items()}),
        )
    )
    return _wait(runtime, run_id)


def test_merged_arguments__run_arguments_replace_defaults() -> None:
    merged = merged_arguments({"--source": "a", "--output": "o"}, {"--source": "b"})

    assert merged == {"--source": "b", "--output": "o"}


def test_script_argv__drops_service_arguments_and_adds_glues() -> None:
    argv = script_argv({"--extra-py-files": "x.whl", "--source": "s"}, "job", "jr_1")

    assert argv == ["--JOB_NAME", "job", "--JOB_RUN_ID", "jr_1", "--source", "s"]


def test_start_job_run__succeeds_with_extra_files_and_arguments(runtime: GlueRuntime) -> None:
    run = _run(runtime, "jr_ok", source="s3://docs/processed-text/a.json")

    assert run.state == "SUCCEEDED", run.error
    assert '"helper": 42' in run.output
    assert "s3://docs/processed-text/a.json" in run.output


def test_start_job_run__job_error_is_the_failure_message(runtime: GlueRuntime) -> None:
    failed = _run(runtime, "jr_fail", fail="yes")
    crashed = _run(runtime, "jr_crash", crash="yes")
    after = _run(runtime, "jr_after")

    assert (failed.state, failed.error) == ("FAILED", "--source names nothing")
    assert crashed.state == "FAILED"
    assert crashed.error == "RuntimeError: boom"
    assert after.state == "SUCCEEDED"
