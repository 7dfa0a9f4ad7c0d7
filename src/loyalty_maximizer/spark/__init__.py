"""The Glue jobs' library: fact extraction (``extract_job``), graph load files
(``graph_job``) and the object stores they read and write (``storage``).

This module holds what both Glue entry points need to run unchanged on AWS Glue and on a
local PySpark: their options (Glue's ``getResolvedOptions`` when ``awsglue`` is importable,
argparse otherwise), their Spark session (through a ``GlueContext`` on Glue) and their exit
convention (a JSON summary on stdout; a JSON error and a non-zero status on failure).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from loyalty_maximizer.errors import InvalidRequest, LoyaltyError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def job_arguments(
    argv: Sequence[str], required: Sequence[str], optional: Sequence[str] = ()
) -> dict[str, str | None]:
    """The job's ``--name value`` options, keyed by name with ``_`` for ``-`` as Glue does.

    Glue adds its own arguments (``--JOB_NAME``, ``--JOB_RUN_ID``, ...); they are ignored.
    A missing required option exits with status 2 and a usage message."""
    names = [*required, *optional]
    try:
        from awsglue.utils import getResolvedOptions  # type: ignore[import-not-found]
    except ImportError:
        parser = argparse.ArgumentParser(allow_abbrev=False)
        for name in required:
            parser.add_argument(f"--{name}", required=True)
        for name in optional:
            parser.add_argument(f"--{name}")
        known, _ = parser.parse_known_args(list(argv))
        resolved: dict[str, Any] = vars(known)
    else:
        # getResolvedOptions requires every name it is given, so optional ones are asked
        # for only when present.
        present = [n for n in optional if f"--{n}" in argv]
        resolved = getResolvedOptions(["job", *argv], [*required, *present])
    return {key: resolved.get(key) for key in (n.replace("-", "_") for n in names)}


def locations(value: str | None, option: str) -> tuple[str, ...]:
    """The locations of a comma-separated option (``--reference-facts a.jsonl,b/``)."""
    urls = tuple(u.strip() for u in (value or "").split(",") if u.strip())
    if not urls:
        raise InvalidRequest(f"--{option} names no location", option)
    return urls


def job_session() -> SparkSession:
    """The job's Spark session: the ``GlueContext``'s on Glue, a local one elsewhere."""
    from pyspark.sql import SparkSession

    try:
        from awsglue.context import GlueContext  # type: ignore[import-not-found]
    except ImportError:
        # Python workers run the interpreter that runs the job (a venv with the project),
        # not whatever ``python3`` is first on PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        return SparkSession.builder.appName("loyalty-maximizer").getOrCreate()
    from pyspark.context import SparkContext

    session: SparkSession = GlueContext(SparkContext.getOrCreate()).spark_session
    return session


def run_job(work: Callable[[], dict[str, Any]]) -> int:
    """Run ``work``, print its summary as JSON and return the exit status (0, or 1 after
    printing a ``LoyaltyError`` as JSON). Other exceptions propagate and fail the job."""
    try:
        summary = work()
    except LoyaltyError as exc:
        print(json.dumps(exc.to_json(), indent=2, ensure_ascii=False))
        return 1
    print(json.dumps(summary, indent=2, ensure_ascii=False))
    return 0
