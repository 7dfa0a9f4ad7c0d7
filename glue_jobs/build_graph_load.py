"""Glue job: every current facts file -> checks in Spark SQL -> Neptune bulk-load CSV under
<--output>/neptune-load/<run>/ and the run's report at <--output>/graph-reports/<run>.json.

    build_graph_load.py --output s3://bucket/ \\
        --reference-facts s3://bucket/reference/reference.jsonl \\
        [--source s3://bucket/] [--run-id RUN]

The facts are read from <--source>/extracted-facts/ (--source defaults to --output). Without
--run-id the run is named by a digest of the files it writes. Runs unchanged on AWS Glue 5
and on a local PySpark.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from loyalty_maximizer.spark import job_arguments, job_session, run_job
from loyalty_maximizer.spark.graph_job import GraphOptions, build_graph_load


def main(argv: Sequence[str] | None = None) -> int:
    args = job_arguments(
        sys.argv[1:] if argv is None else argv, GraphOptions.REQUIRED, GraphOptions.OPTIONAL
    )

    def work() -> dict[str, Any]:
        options = GraphOptions.from_arguments(args)
        return build_graph_load(job_session(), options)

    return run_job(work)


if __name__ == "__main__":
    sys.exit(main())
