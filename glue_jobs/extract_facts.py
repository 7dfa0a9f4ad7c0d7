"""Glue job: documents at --source (a prefix of uploads, a prefix of prepared documents
under processed-text/, or one object) -> facts JSONL per document under
<--output>/extracted-facts/, and the reason for each one set aside under <--output>/quarantine/.

    extract_facts.py --source s3://bucket/raw/ --output s3://bucket/ \\
        --reference-facts s3://bucket/reference/reference.jsonl [--max-bytes 5000000] \\
        [--catalog-database loyalty --catalog-table extracted_facts]

Runs unchanged on AWS Glue 5 and on a local PySpark (local paths work as well as s3://).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from loyalty_maximizer.spark import job_arguments, job_session, run_job
from loyalty_maximizer.spark.extract_job import ExtractOptions, run_extract


def main(argv: Sequence[str] | None = None) -> int:
    args = job_arguments(
        sys.argv[1:] if argv is None else argv, ExtractOptions.REQUIRED, ExtractOptions.OPTIONAL
    )

    def work() -> dict[str, Any]:
        options = ExtractOptions.from_arguments(args)
        return run_extract(job_session(), options)

    return run_job(work)


if __name__ == "__main__":
    sys.exit(main())
