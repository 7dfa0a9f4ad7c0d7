"""The ``loyalty`` command line (contracts/README.md).

Exit status: 0 success, 2 invalid input (a JSON error on stderr naming what is wrong),
1 anything else. Progress goes to stderr; stdout carries only the result.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from typer.exceptions import TyperException

from loyalty_maximizer.documents.prepare import DEFAULT_MAX_BYTES
from loyalty_maximizer.errors import (
    FactsValidationError,
    Forbidden,
    InvalidRequest,
    LoyaltyError,
)
from loyalty_maximizer.facts.loader import load_facts, write_quarantine
from loyalty_maximizer.graph.build import graph_rows
from loyalty_maximizer.graph.embedded import (
    EmbeddedGraph,
    KnowledgeBaseError,
    graph_stats,
    open_knowledge_base,
    write_knowledge_base,
)
from loyalty_maximizer.graph.repository import KnowledgeRepository
from loyalty_maximizer.ingestion.pipeline import ingest
from loyalty_maximizer.localcloud.cli import app as local_app
from loyalty_maximizer.profiles import FileProfileStore
from loyalty_maximizer.tools.registry import ToolContext, call_tool

app = typer.Typer(
    help="AI Loyalty Maximizer: award, earning and crediting advice from a loyalty knowledge "
    "graph.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
kb_app = typer.Typer(help="Build and inspect the embedded knowledge graph.", no_args_is_help=True)
app.add_typer(kb_app, name="kb")
app.add_typer(local_app, name="local")

stderr = Console(stderr=True)

KbOption = Annotated[
    Path,
    typer.Option("--kb", envvar="LOYALTY_KB", help="Knowledge-base directory (or $LOYALTY_KB)."),
]


class Engine(StrEnum):
    spark = "spark"
    local = "local"


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


def _fail(error: LoyaltyError, status: int) -> NoReturn:
    sys.stderr.write(json.dumps(error.to_json(), ensure_ascii=False) + "\n")
    raise typer.Exit(status)


@contextmanager
def _errors() -> Iterator[None]:
    """Map library errors to the CLI's exit statuses."""
    try:
        yield
    except (InvalidRequest, FactsValidationError, Forbidden, KnowledgeBaseError) as exc:
        _fail(exc, 2)
    except LoyaltyError as exc:
        _fail(exc, 1)


@contextmanager
def _knowledge(kb: Path) -> Iterator[KnowledgeRepository]:
    graph: EmbeddedGraph = open_knowledge_base(kb)
    try:
        yield KnowledgeRepository(graph)
    finally:
        graph.close()


@kb_app.command("load")
def kb_load(
    facts: Annotated[
        list[Path], typer.Argument(help="Facts JSONL files.", exists=True, dir_okay=False)
    ],
    kb: KbOption,
    quarantine: Annotated[
        Path | None,
        typer.Option(help="Write bad lines here with their errors and load the rest."),
    ] = None,
) -> None:
    """Validate facts and build the embedded knowledge graph in KB (replacing it)."""
    with _errors():
        with stderr.status(f"Validating {len(facts)} facts file(s)..."):
            result = load_facts(facts, quarantine=quarantine is not None)
        if quarantine is not None:
            write_quarantine(quarantine, result.quarantined)
            if result.quarantined:
                lines = len({(i.file, i.line) for i in result.quarantined})
                stderr.print(f"[yellow]{lines} bad line(s) quarantined to {quarantine}[/yellow]")
        with stderr.status(f"Building the graph from {len(result.facts)} facts..."):
            summary = write_knowledge_base(kb, graph_rows(result.facts))
        if quarantine is not None:
            summary["quarantined"] = len({(i.file, i.line) for i in result.quarantined})
        _print_json(summary)


@kb_app.command("stats")
def kb_stats(kb: KbOption) -> None:
    """Print node and edge counts of an existing knowledge base."""
    with _errors():
        graph = open_knowledge_base(kb)
        try:
            _print_json(graph_stats(graph))
        finally:
            graph.close()


def _read_request(input_file: Path | None) -> str:
    if input_file is None:
        return sys.stdin.read()
    try:
        return input_file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InvalidRequest(f"cannot read {input_file}: {exc.strerror}", "input") from None


@app.command("tool")
def tool(
    name: Annotated[str, typer.Argument(help="Tool name from contracts/tools.md.")],
    kb: KbOption,
    input_file: Annotated[
        Path | None, typer.Option("--input", help="Request JSON file (default: stdin).")
    ] = None,
    profile: Annotated[
        Path | None,
        typer.Option(help="Profile JSON file for get_user_profile (update_user_profile saves it)."),
    ] = None,
) -> None:
    """Call one tool: request JSON in, response JSON out."""
    with _errors():
        payload = _read_request(input_file)
        store = FileProfileStore(profile) if profile is not None else None
        with _knowledge(kb) as repo:
            caller = store.profile.user_id if store is not None else None
            _print_json(call_tool(ToolContext(repo, store, caller), name, payload))


@app.command("ingest")
def ingest_command(
    paths: Annotated[
        list[Path], typer.Argument(help="HTML, PDF and text files or folders (.jsonl = facts).")
    ],
    kb: KbOption,
    facts_out: Annotated[
        Path | None, typer.Option("--facts-out", help="Also write the extracted facts here.")
    ] = None,
    max_bytes: Annotated[
        int, typer.Option("--max-bytes", help="Documents larger than this are quarantined.")
    ] = DEFAULT_MAX_BYTES,
    engine: Annotated[
        Engine,
        typer.Option(
            help="spark: the Glue jobs on local PySpark (needs Java); local: the same "
            "library steps in this process, faster for a few documents."
        ),
    ] = Engine.spark,
) -> None:
    """Run the ingestion pipeline locally: documents -> facts -> graph, with a report."""
    with _errors():
        for path in paths:
            if not path.exists():
                raise InvalidRequest(f"{path} does not exist", "paths")
        with stderr.status("Ingesting...") as status:
            if engine is Engine.spark:
                from loyalty_maximizer.spark.local_ingest import ingest_on_spark

                result = ingest_on_spark(
                    paths, kb, max_bytes=max_bytes, facts_out=facts_out, progress=status.update
                )
            else:
                result = ingest(
                    paths, kb, max_bytes=max_bytes, facts_out=facts_out, progress=status.update
                ).to_json()
        for item in result["quarantined"]:
            stderr.print(f"[yellow]quarantined[/yellow] {item['documentId']}: {item['reason']}")
        _print_json(result)


@app.command("ask")
def ask_command(
    question: Annotated[str, typer.Argument(help="What the traveller asks.")],
    kb: KbOption,
    profile: Annotated[
        Path | None,
        typer.Option(help="Profile JSON (get_user_profile shape); profile updates are saved."),
    ] = None,
    conversation: Annotated[
        Path | None,
        typer.Option(help="Conversation file: earlier turns are read from it, this one added."),
    ] = None,
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Today's date, YYYY-MM-DD (default: today).")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"answer", "toolCalls", "citations"}.')
    ] = False,
) -> None:
    """One conversational turn with the offline reasoning agent."""
    from loyalty_maximizer.conversation.local import ask

    with _errors():
        try:
            today = dt.date.fromisoformat(as_of) if as_of else None
        except ValueError:
            raise InvalidRequest(f"--as-of {as_of!r}: use YYYY-MM-DD", "as-of") from None
        with _knowledge(kb) as repo:
            result = ask(
                question, repo, profile_file=profile, conversation_file=conversation, today=today
            )
        if as_json:
            _print_json(result)
            return
        sys.stdout.write(result["answer"].rstrip() + "\n")
        for call in result["toolCalls"]:
            stderr.print(f"[dim]tool: {call['name']} {json.dumps(call['input'])}")


@app.command("mcp")
def mcp_command(
    kb: KbOption,
    profile: Annotated[
        Path | None,
        typer.Option(
            help="Profile JSON file: its userId is the signed-in traveller of the profile "
            "tools (without it they answer profile_unavailable)."
        ),
    ] = None,
) -> None:
    """Serve the tools over MCP on stdio (stdout is the protocol; logs go to stderr)."""
    with _errors():
        store = FileProfileStore(profile) if profile is not None else None
        with _knowledge(kb) as repo:
            # Imported here: the MCP SDK is for this command only (never in the Lambda layer).
            from loyalty_maximizer.mcp_server import serve_stdio

            caller = store.profile.user_id if store is not None else None
            serve_stdio(ToolContext(repo, store, caller))


def main() -> None:
    """Console entry point: usage errors are JSON on stderr with exit status 2, like every
    other invalid input."""
    try:
        status = app(standalone_mode=False)
    except TyperException as exc:
        code = getattr(exc, "exit_code", 2)
        if type(exc).__name__ == "NoArgsIsHelpError":
            sys.stderr.write(exc.format_message() + "\n")
            sys.exit(code)
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        error = {"error": {"code": "invalid_request", "message": message}}
        sys.stderr.write(json.dumps(error, ensure_ascii=False) + "\n")
        sys.exit(code)
    except KeyboardInterrupt:
        sys.exit(1)
    sys.exit(status if isinstance(status, int) else 0)
