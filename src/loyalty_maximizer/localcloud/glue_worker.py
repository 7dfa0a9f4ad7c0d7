"""A warm Glue driver: the process the local cloud's Glue runtime keeps per library wheel,
holding one Spark session across job runs as a Glue cluster would hold its executors.

Reads one JSON request per line on stdin (``script``, ``argv``, ``env``), runs the script as
``__main__`` with those arguments, and answers on the file descriptor given as its only
argument with the exit status and what the script printed. Standard library only at import.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import runpy
import sys
import traceback
from typing import Any


def _run(request: dict[str, Any]) -> dict[str, Any]:
    saved_env = dict(os.environ)
    os.environ.update(request.get("env", {}))
    sys.argv = [request["script"], *request["argv"]]
    output = io.StringIO()
    try:
        with contextlib.redirect_stdout(output):
            runpy.run_path(request["script"], run_name="__main__")
        status = 0
        error = None
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        error = None if status == 0 else str(exc.code)
    except Exception as exc:
        status = 1
        error = f"{type(exc).__name__}: {exc}"
        traceback.print_exc()
    finally:
        os.environ.clear()
        os.environ.update(saved_env)
    return {"exitCode": status, "stdout": output.getvalue()[-20_000:], "error": error}


def main() -> None:
    if os.environ.get("LOYALTY_LOCAL_NETWORK_GUARD") == "1":  # see network_guard.py
        runpy.run_path(
            os.path.join(os.path.dirname(os.path.abspath(__file__)), "network_guard.py")
        )["install"]()
    answer = os.fdopen(int(sys.argv[1]), "w", encoding="utf-8", buffering=1)
    answer.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        answer.write(json.dumps(_run(json.loads(line))) + "\n")
        sys.stderr.flush()


if __name__ == "__main__":
    main()
