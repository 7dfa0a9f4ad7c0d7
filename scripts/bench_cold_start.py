"""Cold start of every Lambda handler: the import-and-init time of ``lambdas/*/handler.py``.

Each run is a fresh interpreter (the project's ``.venv`` python) with the environment
Terraform gives that function (docs/topology.md; fake values, a region, fake credentials and
``AWS_ENDPOINT_URL`` pointing where nothing listens). It times ``import handler`` from the
handler's folder, which is what Lambda's init phase does, and watches socket connects and DNS
lookups during it: init must make no network calls. By default the packages come from the
project's environment; ``--layer build/artifacts/layer.zip`` (or an extracted layer) runs
with only that layer and the standard library on sys.path, as on Lambda.

    .venv/bin/python scripts/bench_cold_start.py [--runs 5] [--detail] [--layer ZIP|DIR]
        [--only api ...] [--target-ms 600] [--strict]

Reports per handler the median and max of the import wall time (and its CPU time, steadier
on a busy machine), the whole process, peak memory, and how many of the imported modules
had cached byte code (none cached means every run compiled them from source, as Lambda does
with a layer that ships no ``.pyc``). The API handler is flagged against its 600 ms target.
``--detail`` adds ``python -X importtime``'s top offenders per handler.

Progress and the table go to stderr; stdout carries only the JSON. Exit status 1 when a
handler fails to import or touches the network during init (and, with ``--strict``, when
the API is over its target); 0 otherwise.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from loyalty_maximizer import packaging as pk

ROOT = Path(__file__).resolve().parents[1]
API = "api"
API_TARGET_MS = 600.0


def summarise(values: list[float]) -> dict[str, float]:
    return {
        "median": round(statistics.median(values), 1),
        "max": round(max(values), 1),
        "min": round(min(values), 1),
    }


def import_time_offenders(stderr: str, top: int) -> dict[str, list[dict[str, Any]]]:
    """``-X importtime``'s heaviest modules under the handler, by their own time and by
    cumulative time (the handler's direct imports only, so a chain is not listed once per
    level)."""
    entries = pk.import_subtree(pk.parse_importtime(stderr), "handler")
    direct = min((e.depth for e in entries), default=0)
    by_self = sorted(entries, key=lambda e: -e.self_us)[:top]
    roots = [e for e in entries if e.depth == direct]
    by_cumulative = sorted(roots, key=lambda e: -e.cumulative_us)[:top]

    def row(entry: pk.ImportTime) -> dict[str, Any]:
        return {
            "module": entry.module,
            "selfMs": round(entry.self_us / 1000, 1),
            "cumulativeMs": round(entry.cumulative_us / 1000, 1),
        }

    return {"bySelf": [row(e) for e in by_self], "byCumulative": [row(e) for e in by_cumulative]}


def layer_directory(layer: Path, tmp: Path) -> Path:
    """The directory to put on sys.path for ``--layer``: a zip is extracted first."""
    if layer.is_file():
        pk.extract_zip(layer, tmp / "layer")
        layer = tmp / "layer"
    python = layer / "python"
    return python if python.is_dir() else layer


def bench_handler(
    folder: str,
    directory: Path,
    *,
    runs: int,
    layer: Path | None,
    detail: bool,
    top: int,
    target_ms: float,
    console: Console,
) -> dict[str, Any]:
    environment = pk.lambda_environment(folder)
    isolated = [layer] if layer is not None else None
    results: list[pk.ProbeResult] = []
    for run in range(runs):
        console.log(f"{folder}: run {run + 1}/{runs}")
        result = pk.probe_import(
            directory, "handler", environment=environment, isolated_paths=isolated
        )
        if not result.ok:
            return {"ok": False, "error": result.error or result.stderr}
        results.append(result)
    network = sorted({call for result in results for call in result.network})
    last = results[-1]
    report: dict[str, Any] = {
        "ok": not network,
        "runs": runs,
        "importMs": summarise([r.import_seconds * 1000 for r in results]),
        "importCpuMs": summarise([r.import_cpu_seconds * 1000 for r in results]),
        "processMs": summarise([r.process_seconds * 1000 for r in results]),
        "maxRssMiB": round(max(r.max_rss_kib for r in results) / 1024, 1),
        "modules": last.modules,
        "sourceModules": last.source_modules,
        "bytecodeCached": last.bytecode_cached,
        "networkCalls": network,
        "distributions": list(last.distributions),
    }
    if folder == API:
        report["targetMs"] = target_ms
        report["withinTarget"] = report["importMs"]["median"] <= target_ms
    if detail:
        console.log(f"{folder}: -X importtime")
        timed = pk.probe_import(
            directory,
            "handler",
            environment=environment,
            isolated_paths=isolated,
            python_options=["-X", "importtime"],
        )
        report["importTime"] = import_time_offenders(timed.stderr, top)
    return report


def render(results: dict[str, dict[str, Any]], target_ms: float, console: Console) -> None:
    table = Table(
        title="Handler cold start: import + init, ms (median of the runs unless max)",
        title_justify="left",
    )
    table.add_column("handler", no_wrap=True)
    for column in ("import", "max", "cpu", "process", "RSS MiB", ".pyc", "net"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("note", no_wrap=True)
    for folder, result in results.items():
        if "error" in result:
            table.add_row(folder, *[""] * 7, "[red]import failed")
            continue
        note = ""
        if "withinTarget" in result:
            verdict = "[green]within" if result["withinTarget"] else "[red]OVER"
            note = f"{verdict} {target_ms:.0f} ms target[/]"
        table.add_row(
            folder,
            f"{result['importMs']['median']:.0f}",
            f"{result['importMs']['max']:.0f}",
            f"{result['importCpuMs']['median']:.0f}",
            f"{result['processMs']['median']:.0f}",
            f"{result['maxRssMiB']:.0f}",
            f"{result['bytecodeCached']}/{result['sourceModules']}",
            str(len(result["networkCalls"])) if result["networkCalls"] else "0",
            note,
        )
    console.print(table)
    for folder, result in results.items():
        if "error" in result:
            console.print(f"[red]{folder}[/]: {escape(result['error'].strip())}")
        elif result["networkCalls"]:
            console.print(f"[red]{folder} made network calls at init:[/] {result['networkCalls']}")
        if "importTime" in result:
            offenders = Table(title=f"{folder}: -X importtime, cumulative", title_justify="left")
            offenders.add_column("module")
            offenders.add_column("cumulative ms", justify="right")
            offenders.add_column("self ms", justify="right")
            for row in result["importTime"]["byCumulative"]:
                offenders.add_row(row["module"], f"{row['cumulativeMs']}", f"{row['selfMs']}")
            console.print(offenders)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="fresh interpreters per handler")
    parser.add_argument("--detail", action="store_true", help="add -X importtime offenders")
    parser.add_argument("--top", type=int, default=12, help="offenders listed with --detail")
    parser.add_argument("--layer", type=Path, help="layer.zip or an extracted layer directory")
    parser.add_argument("--only", action="append", help="this handler folder only (repeatable)")
    parser.add_argument("--target-ms", type=float, default=API_TARGET_MS)
    parser.add_argument("--strict", action="store_true", help="fail when the API is over target")
    parser.add_argument("--project", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")

    console = Console(stderr=True, width=None if sys.stderr.isatty() else 120)
    handlers = pk.discover_handlers(args.project.resolve())
    if args.only:
        unknown = sorted(set(args.only) - set(handlers))
        if unknown:
            parser.error(f"no lambdas/<folder>/handler.py for {', '.join(unknown)}")
        handlers = {name: path for name, path in handlers.items() if name in args.only}
    load = os.getloadavg() if hasattr(os, "getloadavg") else (0.0, 0.0, 0.0)
    summary: dict[str, Any] = {
        "python": sys.executable,
        "layer": str(args.layer) if args.layer else None,
        "runs": args.runs,
        "cpus": os.cpu_count(),
        "loadAverage": [round(value, 2) for value in load],
        "handlers": {},
    }
    if not handlers:
        console.print("[yellow]no lambdas/*/handler.py to measure")
        sys.stdout.write(json.dumps(summary, indent=2) + "\n")
        return 0
    if load[0] > (os.cpu_count() or 1):
        console.print(
            f"[yellow]load average {load[0]:.1f} on {os.cpu_count()} CPUs: wall times are "
            "inflated; the CPU column is steadier"
        )

    with tempfile.TemporaryDirectory(prefix="coldstart-") as tmp:
        layer = layer_directory(args.layer.resolve(), Path(tmp)) if args.layer else None
        for folder, directory in handlers.items():
            summary["handlers"][folder] = bench_handler(
                folder,
                directory,
                runs=args.runs,
                layer=layer,
                detail=args.detail,
                top=args.top,
                target_ms=args.target_ms,
                console=console,
            )
    render(summary["handlers"], args.target_ms, console)
    sys.stdout.write(json.dumps(summary, indent=2) + "\n")

    results = summary["handlers"].values()
    if any(not result.get("ok") for result in results):
        return 1
    api = summary["handlers"].get(API)
    if args.strict and api is not None and not api.get("withinTarget", True):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
