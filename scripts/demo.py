"""`make demo`: the whole system on this machine, as its users would see it.

1. build the artifacts Terraform uploads (Lambda layer and zips, Glue wheel and scripts);
2. `loyalty local up`: the local cloud (AWS services, Lambda and Glue runtimes, Textract,
   Neptune and API Gateway emulations);
3. `terraform apply` of terraform/envs/local against it;
4. a traveller signs up in Cognito and gets a token;
5. a curator uploads samples/documents/ (good and bad files) to the raw bucket, and the S3
   notifications drive the ingestion executions (Lambda, Textract emulation for PDFs, Glue
   extraction, validation, Glue graph build, Neptune loader);
6. the ingestion report: every document ingested or quarantined with the reason, facts,
   and the graph's nodes and edges;
7. through the HTTP API: the traveller saves a profile and asks three questions from the
   reference architecture's user stories;
8. `loyalty local down`.

Progress goes to stderr; the report, the answers and the time of each stage to stdout.
Exit status 0 when every stage worked.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from rich.console import Console
from rich.table import Table

from loyalty_maximizer.localcloud.deployment import (
    ApiClient,
    ApiError,
    Deployment,
    DeploymentError,
    aws_client,
    aws_session,
    documents_in,
    graph_size,
    sign_up_user,
    terraform_apply,
    upload_documents,
    wait_for_ingestion,
)

ROOT = Path(__file__).resolve().parent.parent
LOYALTY = Path(sys.executable).with_name("loyalty")
out = Console(width=120, soft_wrap=True)
err = Console(stderr=True)

TRAVELLER = "traveller@example.com"
PASSWORD = "Demo-Passw0rd!"  # a fake user of a local pool that lives as long as the demo

# The US-001 traveller: 100k Amex Membership Rewards, 50k United miles, 30k Delta miles,
# Premier Gold with United (Star Alliance Gold), living in New York.
PROFILE: dict[str, Any] = {
    "loyaltyPrograms": [
        {
            "programId": "AMEX_MR",
            "redeemableBalance": {"amount": 100000, "currencyName": "points"},
        },
        {
            "programId": "UA_MILEAGEPLUS",
            "statusTier": "gold",
            "redeemableBalance": {"amount": 50000, "currencyName": "miles"},
        },
        {
            "programId": "DL_SKYMILES",
            "redeemableBalance": {"amount": 30000, "currencyName": "miles"},
        },
    ],
    "preferences": {"homeAirport": "JFK", "preferredCabin": "business"},
}
QUESTIONS = [
    (
        "US-001",
        "What's the best way to fly New York to London in business class for two people next "
        "September with my points?",
    ),
    (
        "US-002",
        "How much would I earn on a Lufthansa flight FRA to SIN in booking class K if I credit "
        "it to Miles & More, MileagePlus or Aeroplan?",
    ),
    (
        "US-006",
        "Can I transfer Chase points to an airline that flies to the Maldives with a flat bed, "
        "and what does it cost?",
    ),
]


class Stages:
    def __init__(self) -> None:
        self.times: list[tuple[str, float, str]] = []

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        err.rule(f"[bold]{name}")
        started = time.monotonic()
        status = "ok"
        try:
            yield
        except BaseException:
            status = "failed"
            raise
        finally:
            elapsed = time.monotonic() - started
            self.times.append((name, elapsed, status))
            err.print(f"[dim]{name}: {elapsed:.1f} s ({status})")

    def table(self) -> Table:
        table = Table(title="Time per stage")
        table.add_column("stage")
        table.add_column("seconds", justify="right")
        table.add_column("")
        for name, seconds, status in self.times:
            table.add_row(name, f"{seconds:.1f}", status)
        table.add_row("total", f"{sum(t for _, t, _ in self.times):.1f}", "")
        return table


def _run(command: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, text=True, check=False, **kwargs)


def build_artifacts() -> None:
    done = _run([sys.executable, "scripts/package.py"], stdout=subprocess.DEVNULL)
    if done.returncode != 0:
        raise DeploymentError("scripts/package.py failed: see the output above")


def local_up(state_dir: Path) -> dict[str, Any]:
    env = {**os.environ, "LOYALTY_LOCAL_STATE": str(state_dir)}
    if _run([str(LOYALTY), "local", "status"], env=env, stdout=subprocess.DEVNULL).returncode == 0:
        err.print("a local cloud from an earlier run is up: stopping it for a fresh start")
        _run([str(LOYALTY), "local", "down"], env=env, stdout=subprocess.DEVNULL)
    # The local cloud forgets its resources when it stops but keeps its graph: start the
    # graph empty too, so what the report counts is what this run's pipeline built.
    shutil.rmtree(state_dir / "graph", ignore_errors=True)
    up = _run([str(LOYALTY), "local", "up"], env=env, stdout=subprocess.PIPE)
    if up.returncode != 0:
        raise DeploymentError("loyalty local up failed (its error is above)")
    endpoints: dict[str, Any] = json.loads(up.stdout)
    return endpoints


def local_down(state_dir: Path) -> None:
    env = {**os.environ, "LOYALTY_LOCAL_STATE": str(state_dir)}
    _run([str(LOYALTY), "local", "down"], env=env, stdout=subprocess.DEVNULL)


def ingest(deployment: Deployment, endpoints: dict[str, Any], timeout: float) -> dict[str, Any]:
    session = aws_session(endpoints.get("region", "us-east-1"))
    s3 = aws_client(session, "s3", endpoints["aws"])
    paths = documents_in(ROOT / "samples" / "documents")
    since = time.time() - 1
    uploaded = upload_documents(s3, deployment.documents_bucket, paths)
    err.print(f"uploaded {len(uploaded)} documents to s3://{deployment.documents_bucket}/raw/")

    last = [-1]

    def progress(done: int, total: int) -> None:
        if done != last[0]:
            err.print(f"  {done}/{total} documents finished")
            last[0] = done

    outcomes = wait_for_ingestion(
        s3,
        deployment.documents_bucket,
        sorted(uploaded),
        since=since,
        timeout=timeout,
        on_progress=progress,
    )
    missing = sorted(set(uploaded) - set(outcomes))
    return {"uploaded": uploaded, "outcomes": outcomes, "unfinished": missing}


def print_report(result: dict[str, Any], deployment: Deployment) -> bool:
    outcomes: dict[str, dict[str, Any]] = result["outcomes"]
    table = Table(title="Ingestion report", show_lines=False)
    for column in ("document", "status", "facts", "stage / reason"):
        table.add_column(column, overflow="fold")
    ingested = quarantined = facts = 0
    for document in sorted(result["uploaded"]):
        outcome = outcomes.get(document)
        if outcome is None:
            table.add_row(document, "[red]unfinished", "", "no outcome before the timeout")
            continue
        status = str(outcome.get("status"))
        if status == "ingested":
            ingested += 1
            facts += int(outcome.get("facts") or 0)
            by_type = ", ".join(
                f"{n} {t}" for t, n in sorted((outcome.get("factsByType") or {}).items())
            )
            table.add_row(document, "[green]ingested", str(outcome.get("facts", 0)), by_type)
        else:
            quarantined += 1
            reason = f"{outcome.get('stage', '')}: {outcome.get('reason', '')}"
            table.add_row(document, "[yellow]quarantined", "0", reason)
    out.print(table)
    nodes, edges = graph_size(deployment.neptune_endpoint)
    out.print(
        f"documents: {len(result['uploaded'])} uploaded, {ingested} ingested, "
        f"{quarantined} quarantined, {len(result['unfinished'])} unfinished; "
        f"facts extracted: {facts}; graph: {nodes} nodes, {edges} edges"
    )
    return not result["unfinished"] and ingested > 0 and nodes > 0


def converse(deployment: Deployment, endpoints: dict[str, Any]) -> bool:
    session = aws_session(endpoints.get("region", "us-east-1"))
    cognito = aws_client(session, "cognito-idp", endpoints["aws"])
    token = sign_up_user(cognito, deployment, TRAVELLER, PASSWORD)
    api = ApiClient(deployment.api_endpoint, token, requests.Session())
    saved = api.put_profile(PROFILE)
    programs = ", ".join(
        f"{p['programId']} {p.get('redeemableBalance', {}).get('amount', 0):,}"
        for p in saved["loyaltyPrograms"]
    )
    out.print(f"\n[bold]Profile saved[/] for {TRAVELLER}: {programs}")
    conversation: str | None = None
    ok = True
    for story, question in QUESTIONS:
        out.rule(f"[bold]{story}")
        out.print(f"[bold cyan]Traveller:[/] {question}")
        try:
            if conversation is None:
                created = api.start_conversation(question)
                conversation = created["conversationId"]
                reply = created["reply"]
            else:
                reply = api.send(conversation, question)
        except ApiError as exc:
            out.print(f"[red]The API answered {exc.status}:[/] {json.dumps(exc.body)}")
            ok = False
            continue
        out.print(f"[bold green]Assistant:[/] {reply['answer']}")
        tools = ", ".join(
            f"{c['name']}{'' if c.get('ok', True) else ' (failed)'}" for c in reply["toolCalls"]
        )
        out.print(f"[dim]tools: {tools or 'none'}")
        if reply.get("citations"):
            sources = "; ".join(c.get("title") or c["documentId"] for c in reply["citations"])
            out.print(f"[dim]sources: {sources}")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--state-dir", type=Path, default=ROOT / ".localcloud")
    parser.add_argument("--keep", action="store_true", help="leave the local cloud running")
    parser.add_argument("--skip-artifacts", action="store_true")
    parser.add_argument("--ingestion-timeout", type=float, default=480.0)
    args = parser.parse_args()
    state_dir: Path = args.state_dir.resolve()
    stages = Stages()
    ok = True
    try:
        if not args.skip_artifacts:
            with stages.stage("build artifacts"):
                build_artifacts()
        with stages.stage("loyalty local up"):
            endpoints = local_up(state_dir)
        with stages.stage("terraform apply (envs/local)"):
            state_file = state_dir / "terraform.tfstate"
            state_file.unlink(missing_ok=True)  # the new local cloud starts empty
            (state_dir / "logs").mkdir(parents=True, exist_ok=True)
            deployment = terraform_apply(
                endpoints,
                state_file,
                log_file=state_dir / "logs" / "terraform.log",
                progress=lambda step: err.print(f"  {step} (log: {state_dir}/logs/terraform.log)"),
            )
        with stages.stage("ingestion of samples/documents"):
            result = ingest(deployment, endpoints, args.ingestion_timeout)
        with stages.stage("ingestion report"):
            ok = print_report(result, deployment) and ok
        with stages.stage("profile and three conversation turns"):
            ok = converse(deployment, endpoints) and ok
    except (DeploymentError, ApiError, requests.RequestException) as exc:
        err.print(f"[red]demo failed:[/] {exc}")
        ok = False
    finally:
        if not args.keep:
            with stages.stage("loyalty local down"):
                local_down(state_dir)
        out.print(stages.table())
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
