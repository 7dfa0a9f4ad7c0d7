"""Smoke check of a deployed API, run by the deploy workflow after each apply: the HTTP API
answers, its JWT authorizer refuses a request without a token (401), and the public
OpenAPI-documented routes exist. Prints a JSON summary; exit status 1 when a check fails.

    .venv/bin/python scripts/smoke_check.py --api https://<id>.execute-api.<region>.amazonaws.com
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import requests

ROUTES = ("/v1/programs", "/v1/me/profile")


def check(api: str, attempts: int = 5, pause: float = 5.0) -> dict[str, object]:
    results: dict[str, object] = {}
    for route in ROUTES:
        status = None
        for attempt in range(attempts):
            try:
                status = requests.get(f"{api.rstrip('/')}{route}", timeout=15).status_code
                break
            except requests.RequestException as exc:
                status = f"unreachable: {exc}"
                if attempt + 1 < attempts:
                    time.sleep(pause)
        results[route] = status
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--api", required=True, help="base URL of the HTTP API")
    args = parser.parse_args()
    results = check(args.api)
    ok = all(status == 401 for status in results.values())
    sys.stdout.write(json.dumps({"api": args.api, "unauthenticated": results, "ok": ok}) + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
