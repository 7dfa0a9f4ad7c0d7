"""The ``loyalty`` command line (contracts/README.md): kb load / stats and tool calls, exit
statuses, JSON errors on stderr, and LOYALTY_KB."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from loyalty_maximizer.cli import app, main

LOYALTY = Path(sys.executable).with_name("loyalty")

FACTS: list[dict[str, Any]] = [
    {"type": "alliance", "allianceId": "star_alliance", "name": "Star Alliance"},
    {"type": "airline", "airlineId": "AA", "name": "American", "allianceId": "star_alliance"},
    {
        "type": "loyaltyProgram",
        "programId": "AA_ADV",
        "name": "AAdvantage",
        "kind": "airline",
        "currencyName": "miles",
        "operatorAirlineId": "AA",
    },
]
# JFK and DEN on the equator, 10 degrees apart: 690.94 -> 691 miles.
EARNING_FACTS: list[dict[str, Any]] = [
    *FACTS,
    {"type": "airport", "airportId": "JFK", "country": "US", "latitude": 0.0, "longitude": 0.0},
    {"type": "airport", "airportId": "DEN", "country": "US", "latitude": 0.0, "longitude": 10.0},
    {
        "type": "earningRule",
        "ruleId": "aa-all",
        "creditingProgramId": "AA_ADV",
        "operatingAirlineIds": ["AA"],
        "basis": "distance",
        "redeemableRate": 1.0,
    },
]
EARNINGS_REQUEST = {
    "flightItinerary": {
        "segments": [
            {"marketingCarrier": "AA", "originAirport": "JFK", "destinationAirport": "DEN"}
        ]
    },
    "asOfDate": "2026-06-01",
}


def write_jsonl(path: Path, records: list[dict[str, Any] | str]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="module")
def earning_kb(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("cli")
    facts = write_jsonl(directory / "facts.jsonl", list(EARNING_FACTS))
    result = CliRunner().invoke(app, ["kb", "load", str(facts), "--kb", str(directory / "kb")])
    assert result.exit_code == 0, result.stderr
    return directory / "kb"


def earned(stdout: str) -> int:
    amount: int = json.loads(stdout)["earningOptions"][0]["redeemableCurrency"]["amountEarned"]
    return amount


# --- kb load / stats ---------------------------------------------------------------------------


SUMMARY = {
    "nodes": 3,
    "edges": 2,
    "nodesByType": {"Airline": 1, "Alliance": 1, "LoyaltyProgram": 1},
    "edgesByType": {"MEMBER_OF": 1, "OPERATES_PROGRAM": 1},
}


def test_kb_load__prints_a_json_summary(runner: CliRunner, tmp_path: Path) -> None:
    # GIVEN an alliance, an airline in it, and a program it operates
    facts = write_jsonl(tmp_path / "facts.jsonl", list(FACTS))
    # WHEN loaded
    result = runner.invoke(app, ["kb", "load", str(facts), "--kb", str(tmp_path / "kb")])
    # THEN exit 0 and the summary: 3 nodes, MEMBER_OF and OPERATES_PROGRAM edges
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == SUMMARY


def test_kb_stats__reads_the_same_summary_back(runner: CliRunner, tmp_path: Path) -> None:
    # GIVEN a loaded knowledge base
    facts = write_jsonl(tmp_path / "facts.jsonl", list(FACTS))
    runner.invoke(app, ["kb", "load", str(facts), "--kb", str(tmp_path / "kb")])
    # WHEN stats are asked  THEN the same counts, read from the graph
    result = runner.invoke(app, ["kb", "stats", "--kb", str(tmp_path / "kb")])
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == SUMMARY


def test_kb_load__invalid_facts_exit_2_and_load_nothing(runner: CliRunner, tmp_path: Path) -> None:
    # GIVEN a file whose line 3 gives pointValueCents as a string
    facts = write_jsonl(
        tmp_path / "facts.jsonl",
        [
            *FACTS[:2],
            {
                "type": "loyaltyProgram",
                "programId": "AA_ADV",
                "name": "AAdvantage",
                "kind": "airline",
                "currencyName": "miles",
                "pointValueCents": "1.5",
            },
        ],
    )
    # WHEN loaded
    result = runner.invoke(app, ["kb", "load", str(facts), "--kb", str(tmp_path / "kb")])
    # THEN exit 2, nothing on stdout, a JSON error naming file, line and field on stderr
    assert result.exit_code == 2
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "invalid_facts"
    assert error["errors"] == [
        {
            "file": str(facts),
            "line": 3,
            "field": "pointValueCents",
            "message": error["errors"][0]["message"],
        }
    ]
    # AND no knowledge base was written
    assert not (tmp_path / "kb" / "manifest.json").exists()


def test_kb_load__quarantine_sets_bad_lines_aside(runner: CliRunner, tmp_path: Path) -> None:
    # GIVEN a file with an unknown record type on line 2
    facts = write_jsonl(tmp_path / "facts.jsonl", [FACTS[0], {"type": "spaceship"}, *FACTS[1:]])
    quarantine = tmp_path / "bad.jsonl"
    # WHEN loaded with --quarantine
    result = runner.invoke(
        app,
        ["kb", "load", str(facts), "--kb", str(tmp_path / "kb"), "--quarantine", str(quarantine)],
    )
    # THEN exit 0, the rest loaded, and the bad line written aside with its error
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == {**SUMMARY, "quarantined": 1}
    [entry] = [json.loads(line) for line in quarantine.read_text().splitlines()]
    assert (entry["file"], entry["line"], entry["record"]) == (
        str(facts),
        2,
        '{"type": "spaceship"}',
    )
    assert entry["errors"][0]["field"] == "type"


# --- loyalty tool --------------------------------------------------------------------------------


def test_tool__request_from_input_file(runner: CliRunner, earning_kb: Path, tmp_path: Path) -> None:
    # GIVEN a request file
    request = tmp_path / "request.json"
    request.write_text(json.dumps(EARNINGS_REQUEST))
    # WHEN the tool is called with --input
    result = runner.invoke(
        app,
        ["tool", "calculate_flight_earnings", "--kb", str(earning_kb), "--input", str(request)],
    )
    # THEN exit 0 and the response on stdout: 691 miles
    assert result.exit_code == 0, result.stderr
    assert earned(result.stdout) == 691


def test_tool__request_from_stdin_and_kb_from_environment(
    runner: CliRunner, earning_kb: Path
) -> None:
    # GIVEN LOYALTY_KB set and no --kb  WHEN the request comes on stdin
    result = runner.invoke(
        app,
        ["tool", "calculate_flight_earnings"],
        input=json.dumps(EARNINGS_REQUEST),
        env={"LOYALTY_KB": str(earning_kb)},
    )
    # THEN the tool runs against that knowledge base
    assert result.exit_code == 0, result.stderr
    assert earned(result.stdout) == 691


def test_tool__unknown_tool_exit_2(runner: CliRunner, earning_kb: Path) -> None:
    # GIVEN a tool name that does not exist  WHEN called  THEN exit 2, error on field "name"
    result = runner.invoke(app, ["tool", "book_flight", "--kb", str(earning_kb)], input="{}")
    assert result.exit_code == 2
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert (error["code"], error["field"]) == ("invalid_request", "name")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        (
            json.dumps({**EARNINGS_REQUEST, "targetLoyaltyPrograms": ["NOPE"]}),
            "targetLoyaltyPrograms[0]",
        ),
        (json.dumps({**EARNINGS_REQUEST, "extra": 1}), "extra"),
        ("not json", None),
    ],
)
def test_tool__bad_request_exit_2_with_json_error(
    runner: CliRunner, earning_kb: Path, payload: str, field: str | None
) -> None:
    # GIVEN a bad request  WHEN called
    result = runner.invoke(
        app, ["tool", "calculate_flight_earnings", "--kb", str(earning_kb)], input=payload
    )
    # THEN exit 2, nothing on stdout, {"error": {"code": "invalid_request", ..., "field"}}
    assert result.exit_code == 2
    assert result.stdout == ""
    error = json.loads(result.stderr)["error"]
    assert error["code"] == "invalid_request"
    assert error["field"] == field
    assert error["message"]


def test_tool__missing_knowledge_base_exit_2(runner: CliRunner, tmp_path: Path) -> None:
    # GIVEN a directory with no knowledge base  WHEN a tool is called
    # THEN exit 2 (the --kb argument is invalid input) and a JSON error
    result = runner.invoke(
        app,
        ["tool", "calculate_flight_earnings", "--kb", str(tmp_path)],
        input=json.dumps(EARNINGS_REQUEST),
    )
    assert result.exit_code == 2
    assert result.stdout == ""
    assert json.loads(result.stderr)["error"]["code"] == "knowledge_base"


def test_tool__profile_of_the_signed_in_user_only(
    runner: CliRunner, earning_kb: Path, tmp_path: Path
) -> None:
    # GIVEN --profile of user-1
    profile = tmp_path / "profile.json"
    profile.write_text(json.dumps({"userId": "user-1"}))
    args = ["tool", "get_user_profile", "--kb", str(earning_kb), "--profile", str(profile)]
    # WHEN user-1 is asked  THEN the profile
    own = runner.invoke(app, args, input=json.dumps({"userId": "user-1"}))
    assert own.exit_code == 0, own.stderr
    assert json.loads(own.stdout)["userId"] == "user-1"
    # AND another user is forbidden: exit 2
    other = runner.invoke(app, args, input=json.dumps({"userId": "user-2"}))
    assert other.exit_code == 2
    assert other.stdout == ""
    assert json.loads(other.stderr)["error"]["code"] == "forbidden"


def test_loyalty_entry_point__runs_a_tool(earning_kb: Path) -> None:
    # GIVEN the installed `loyalty` command  WHEN a tool is called through it
    done = subprocess.run(
        [str(LOYALTY), "tool", "calculate_flight_earnings", "--kb", str(earning_kb)],
        input=json.dumps(EARNINGS_REQUEST),
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    # THEN exit 0 with the response on stdout
    assert done.returncode == 0, done.stderr
    assert earned(done.stdout) == 691


def test_main__usage_error_is_a_json_error_with_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN `loyalty kb stats` without --kb and without LOYALTY_KB
    monkeypatch.delenv("LOYALTY_KB", raising=False)
    monkeypatch.setattr("sys.argv", ["loyalty", "kb", "stats"])
    # WHEN the console entry point runs
    with pytest.raises(SystemExit) as exited:
        main()
    # THEN exit 2 with a JSON error naming the missing option, nothing on stdout
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    error = json.loads(captured.err)["error"]
    assert error["code"] == "invalid_request"
    assert "--kb" in error["message"]
