"""Accuracy of the offline conversational agent (``loyalty ask``) on the conversation test set.

The cases live in tests/data/conversations/ (dev.jsonl, heldout.jsonl, profiles/; the format and
the conventions they pin are in its README.md). Every turn of every case is one utterance: it
runs ``loyalty ask UTTERANCE --kb KB --conversation FILE --as-of DATE --json [--profile FILE]``
in-process, and passes when the intent read from the output is the expected one, every expected
tool call is matched by an actual call (subset match of its input) and every ``answerContains``
string is in the answer. Accuracy is passed utterances / all utterances.

    .venv/bin/python scripts/score_offline_agent.py [--split dev|heldout|all] [--kb DIR]
        [--cases-dir DIR] [--json] [--min-accuracy 0.9]

Without ``--kb`` a knowledge base is built from samples/knowledge/*.jsonl in a temporary
directory. stdout carries the report (accuracy per split, overall, every miss); progress goes to
stderr. Exit status 0, or 1 when ``--min-accuracy`` is given and the overall accuracy of the
selected split(s) is below it, 2 when ``loyalty ask`` does not exist or the cases are invalid.
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CASES_DIR = ROOT / "tests" / "data" / "conversations"
SAMPLE_KNOWLEDGE = ROOT / "samples" / "knowledge"

SPLITS = ("dev", "heldout")
SPLIT_FILES = {"dev": "dev.jsonl", "heldout": "heldout.jsonl"}
INTENTS = (
    "award",
    "earnings",
    "crediting",
    "profile_update",
    "rules",
    "clarify",
    "unsupported",
)
INTENT_OF_TOOL = {
    "analyze_award_redemption_strategies": "award",
    "calculate_flight_earnings": "earnings",
    "recommend_crediting_program": "crediting",
    "update_user_profile": "profile_update",
    "query_loyalty_knowledge": "rules",
}
TOOLS = (*INTENT_OF_TOOL, "get_user_profile")
# Read-only context the agent may fetch before anything else: never decides the intent.
IGNORED_FOR_INTENT = frozenset({"get_user_profile"})
ANSWER_EXCERPT = 200

_CASE_KEYS = frozenset({"id", "split", "profile", "asOf", "turns"})
_TURN_KEYS = frozenset({"utterance", "expect"})
_EXPECT_KEYS = frozenset({"intent", "toolCalls", "answerContains"})
_CALL_KEYS = frozenset({"name", "input"})


class CaseError(ValueError):
    """A case file that does not follow the format of tests/data/conversations/README.md."""


# --------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class ExpectedCall:
    name: str
    input: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "input": self.input}


@dataclass(frozen=True)
class Expectation:
    intent: str
    tool_calls: tuple[ExpectedCall, ...] = ()
    answer_contains: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "toolCalls": [call.to_json() for call in self.tool_calls],
            "answerContains": list(self.answer_contains),
        }


@dataclass(frozen=True)
class Turn:
    utterance: str
    expect: Expectation


@dataclass(frozen=True)
class Case:
    id: str
    split: str
    profile: str | None
    as_of: str
    turns: tuple[Turn, ...]


def _require(condition: bool, where: str, message: str) -> None:
    if not condition:
        raise CaseError(f"{where}: {message}")


def _keys(
    data: dict[str, Any], allowed: frozenset[str], required: Iterable[str], where: str
) -> None:
    unknown = sorted(set(data) - allowed)
    _require(not unknown, where, f"unknown keys {unknown}")
    missing = sorted(set(required) - set(data))
    _require(not missing, where, f"missing keys {missing}")


def _parse_call(data: Any, where: str) -> ExpectedCall:
    _require(isinstance(data, dict), where, "a tool call must be an object")
    _keys(data, _CALL_KEYS, ["name"], where)
    name, inputs = data["name"], data.get("input", {})
    _require(name in TOOLS, where, f"unknown tool {name!r}")
    _require(isinstance(inputs, dict), where, "input must be an object")
    return ExpectedCall(name, inputs)


def parse_expectation(data: Any, where: str) -> Expectation:
    _require(isinstance(data, dict), where, "expect must be an object")
    _keys(data, _EXPECT_KEYS, ["intent"], where)
    intent = data["intent"]
    _require(intent in INTENTS, where, f"unknown intent {intent!r}")
    calls = data.get("toolCalls", [])
    _require(isinstance(calls, list), where, "toolCalls must be a list")
    contains = data.get("answerContains", [])
    _require(
        isinstance(contains, list) and all(isinstance(s, str) and s for s in contains),
        where,
        "answerContains must be a list of non-empty strings",
    )
    parsed = tuple(_parse_call(call, f"{where}.toolCalls[{i}]") for i, call in enumerate(calls))
    return Expectation(intent, parsed, tuple(contains))


def parse_case(data: Any, where: str = "case") -> Case:
    """One case object of a case file, validated."""
    _require(isinstance(data, dict), where, "a case must be a JSON object")
    _keys(data, _CASE_KEYS, _CASE_KEYS, where)
    case_id, split, profile, as_of, turns = (
        data["id"],
        data["split"],
        data["profile"],
        data["asOf"],
        data["turns"],
    )
    _require(isinstance(case_id, str) and bool(case_id), where, "id must be a non-empty string")
    where = f"{where} ({case_id})"
    _require(split in SPLITS, where, f"split must be one of {SPLITS}")
    _require(profile is None or isinstance(profile, str), where, "profile must be a file name")
    _require(
        isinstance(as_of, str) and len(as_of) == 10 and as_of[4] == as_of[7] == "-",
        where,
        "asOf must be YYYY-MM-DD",
    )
    _require(isinstance(turns, list) and bool(turns), where, "turns must be a non-empty list")
    parsed: list[Turn] = []
    for index, turn in enumerate(turns, start=1):
        at = f"{where} turn {index}"
        _require(isinstance(turn, dict), at, "a turn must be an object")
        _keys(turn, _TURN_KEYS, _TURN_KEYS, at)
        utterance = turn["utterance"]
        _require(isinstance(utterance, str) and bool(utterance.strip()), at, "empty utterance")
        parsed.append(Turn(utterance, parse_expectation(turn["expect"], at)))
    return Case(case_id, split, profile, as_of, tuple(parsed))


def load_split(cases_dir: Path, split: str) -> list[Case]:
    """The cases of one split file; each must say that split, ids unique within the file."""
    path = cases_dir / SPLIT_FILES[split]
    cases: list[Case] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path.name}:{number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise CaseError(f"{where}: not JSON: {exc}") from None
        case = parse_case(data, where)
        _require(case.split == split, where, f"split {case.split!r} in the {split} file")
        _require(case.id not in seen, where, f"duplicate id {case.id!r}")
        if case.profile is not None:
            _require(
                (cases_dir / "profiles" / case.profile).is_file(),
                where,
                f"profile {case.profile!r} not found under profiles/",
            )
        seen.add(case.id)
        cases.append(case)
    return cases


def load_cases(cases_dir: Path, split: str = "all") -> list[Case]:
    """The cases of ``split`` (dev, heldout or all); ids are unique across splits."""
    splits = SPLITS if split == "all" else (split,)
    if any(s not in SPLITS for s in splits):
        raise CaseError(f"unknown split {split!r}")
    cases = [case for s in splits for case in load_split(cases_dir, s)]
    ids = [case.id for case in cases]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise CaseError(f"ids used in more than one split: {duplicates}")
    return cases


# --------------------------------------------------------------------------- matching


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _show(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def mismatch(expected: Any, actual: Any, path: str = "$") -> str | None:
    """Why ``actual`` does not match ``expected`` (None when it does), by the subset rules:
    dicts match when every expected key is present and matches; lists match when every
    expected element matches some actual element (order-free, so lists of dicts match
    element-wise and lists of scalars as sets, expected ⊆ actual); strings compare
    case-insensitively; numbers numerically (1 == 1.0; booleans are not numbers); anything
    else (null, booleans) by equality."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"{path}: expected an object, got {_show(actual)}"
        for key, value in expected.items():
            if key not in actual:
                return f"{path}.{key}: missing (expected {_show(value)})"
            reason = mismatch(value, actual[key], f"{path}.{key}")
            if reason is not None:
                return reason
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return f"{path}: expected a list, got {_show(actual)}"
        for index, element in enumerate(expected):
            if not any(mismatch(element, candidate) is None for candidate in actual):
                return f"{path}[{index}]: no element of {_show(actual)} matches {_show(element)}"
        return None
    if isinstance(expected, str):
        if isinstance(actual, str) and expected.casefold() == actual.casefold():
            return None
        return f"{path}: expected {_show(expected)}, got {_show(actual)}"
    if _is_number(expected):
        if _is_number(actual) and math.isclose(expected, actual, rel_tol=1e-9, abs_tol=1e-9):
            return None
        return f"{path}: expected {_show(expected)}, got {_show(actual)}"
    if type(expected) is type(actual) and expected == actual:
        return None
    return f"{path}: expected {_show(expected)}, got {_show(actual)}"


def matches(expected: Any, actual: Any) -> bool:
    return mismatch(expected, actual) is None


def actual_intent(tool_calls: Sequence[dict[str, Any]], answer: str) -> str:
    """The intent a turn's output shows: the first tool call that is not context fetching
    (get_user_profile) decides it; without one, a question back ("?" in the answer) is
    ``clarify`` and anything else ``unsupported``. An unknown tool gives ``tool:NAME``."""
    for call in tool_calls:
        name = str(call.get("name"))
        if name in IGNORED_FOR_INTENT:
            continue
        return INTENT_OF_TOOL.get(name, f"tool:{name}")
    return "clarify" if "?" in answer else "unsupported"


def judge_turn(expect: Expectation, answer: str, tool_calls: Sequence[dict[str, Any]]) -> list[str]:
    """Why a turn fails (empty when it passes)."""
    reasons: list[str] = []
    intent = actual_intent(tool_calls, answer)
    if intent != expect.intent:
        reasons.append(f"intent {intent} instead of {expect.intent}")
    for wanted in expect.tool_calls:
        same_name = [c for c in tool_calls if c.get("name") == wanted.name]
        if not same_name:
            reasons.append(f"no {wanted.name} call")
            continue
        why = [mismatch(wanted.input, call.get("input"), "input") for call in same_name]
        if all(reason is not None for reason in why):
            detail = "; ".join(f"call {i + 1}: {reason}" for i, reason in enumerate(why))
            reasons.append(f"no {wanted.name} call matches ({detail})")
    folded = answer.casefold()
    for text in expect.answer_contains:
        if text.casefold() not in folded:
            reasons.append(f"answer lacks {text!r}")
    return reasons


def parse_output(stdout: str) -> tuple[str, list[dict[str, Any]]]:
    """(answer, toolCalls) of ``loyalty ask --json`` output; ValueError when malformed."""
    try:
        data = json.loads(stdout)
    except json.JSONDecodeError as exc:
        raise ValueError(f"stdout is not JSON ({exc}): {stdout[:ANSWER_EXCERPT]!r}") from None
    if not isinstance(data, dict):
        raise ValueError("stdout JSON is not an object")
    answer, calls = data.get("answer"), data.get("toolCalls", [])
    if not isinstance(answer, str):
        raise ValueError('stdout JSON has no string "answer"')
    if not isinstance(calls, list) or not all(
        isinstance(c, dict) and isinstance(c.get("name"), str) for c in calls
    ):
        raise ValueError('"toolCalls" must be a list of objects with a "name"')
    return answer, calls


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class Invocation:
    exit_code: int
    stdout: str
    stderr: str
    error: str | None = None


Invoker = Callable[[list[str]], Invocation]


@dataclass
class TurnResult:
    case_id: str
    split: str
    turn: int
    utterance: str
    expected: Expectation
    intent: str | None
    tool_calls: list[dict[str, Any]]
    answer: str
    error: str | None
    reasons: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.error is None and not self.reasons

    def to_json(self) -> dict[str, Any]:
        return {
            "caseId": self.case_id,
            "split": self.split,
            "turn": self.turn,
            "utterance": self.utterance,
            "passed": self.passed,
            "expected": self.expected.to_json(),
            "actual": {
                "intent": self.intent,
                "toolCalls": [
                    {"name": c.get("name"), "input": c.get("input")} for c in self.tool_calls
                ],
                "answer": self.answer[:ANSWER_EXCERPT],
            },
            "error": self.error,
            "reasons": self.reasons,
        }


def ask_available() -> bool:
    """Whether ``ask`` is a registered command of ``loyalty_maximizer.cli.app``."""
    import typer.main

    from loyalty_maximizer.cli import app

    command = typer.main.get_command(app)
    return "ask" in getattr(command, "commands", {})


def cli_invoker() -> Invoker:
    """Runs ``loyalty ARGS`` in-process with typer's CliRunner, the offline model forced."""
    from typer.testing import CliRunner

    from loyalty_maximizer.cli import app

    runner = CliRunner()

    def invoke(args: list[str]) -> Invocation:
        result = runner.invoke(app, args, env={"MODEL_PROVIDER": "offline"})
        error = None
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            lines = traceback.format_exception(result.exception)
            error = "".join(lines[-3:]).strip()
        return Invocation(result.exit_code, result.stdout, result.stderr, error)

    return invoke


def ask_args(
    utterance: str, kb: Path, conversation: Path, as_of: str, profile: Path | None
) -> list[str]:
    args = ["ask", utterance, "--kb", str(kb), "--conversation", str(conversation)]
    args += ["--as-of", as_of, "--json"]
    if profile is not None:
        args += ["--profile", str(profile)]
    return args


def run_case(case: Case, kb: Path, cases_dir: Path, invoke: Invoker) -> list[TurnResult]:
    """Every turn of a case, in order, sharing one conversation file and one copy of the
    profile (the agent may write profile updates into it) in a fresh temporary directory."""
    results: list[TurnResult] = []
    with tempfile.TemporaryDirectory(prefix=f"conv-{case.id[:40]}-") as tmp:
        work = Path(tmp)
        profile: Path | None = None
        if case.profile is not None:
            profile = work / "profile.json"
            shutil.copyfile(cases_dir / "profiles" / case.profile, profile)
        conversation = work / "conversation.json"
        for index, turn in enumerate(case.turns, start=1):
            args = ask_args(turn.utterance, kb, conversation, case.as_of, profile)
            result = TurnResult(
                case.id, case.split, index, turn.utterance, turn.expect, None, [], "", None
            )
            try:
                ran = invoke(args)
            except Exception as exc:  # the invoker itself broke: a miss, keep scoring
                ran = Invocation(1, "", "", f"{type(exc).__name__}: {exc}")
            if ran.exit_code != 0:
                detail = ran.error or ran.stderr.strip()[-300:] or "(no stderr)"
                result.error = f"exit status {ran.exit_code}: {detail}"
            else:
                try:
                    result.answer, result.tool_calls = parse_output(ran.stdout)
                except ValueError as exc:
                    result.error = str(exc)
            if result.error is None:
                result.intent = actual_intent(result.tool_calls, result.answer)
                result.reasons = judge_turn(turn.expect, result.answer, result.tool_calls)
            results.append(result)
    return results


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class Tally:
    passed: int
    total: int

    @property
    def accuracy(self) -> float:
        return self.passed / self.total if self.total else 0.0

    def to_json(self) -> dict[str, Any]:
        return {"passed": self.passed, "total": self.total, "accuracy": round(self.accuracy, 4)}

    def __str__(self) -> str:
        return f"{self.passed}/{self.total} utterances  {100 * self.accuracy:5.1f}%"


@dataclass
class Report:
    results: list[TurnResult]

    def tally(self, split: str | None = None, intent: str | None = None) -> Tally:
        chosen = [
            r
            for r in self.results
            if (split is None or r.split == split)
            and (intent is None or r.expected.intent == intent)
        ]
        return Tally(sum(r.passed for r in chosen), len(chosen))

    @property
    def splits(self) -> list[str]:
        return [s for s in SPLITS if any(r.split == s for r in self.results)]

    @property
    def misses(self) -> list[TurnResult]:
        return [r for r in self.results if not r.passed]

    def accuracy(self, split: str | None = None) -> float:
        return self.tally(split).accuracy

    def to_json(self) -> dict[str, Any]:
        return {
            "splits": {s: self.tally(s).to_json() for s in self.splits},
            "overall": self.tally().to_json(),
            "byIntent": {
                i: self.tally(intent=i).to_json() for i in INTENTS if self.tally(intent=i).total
            },
            "misses": [r.to_json() for r in self.misses],
            "results": [r.to_json() for r in self.results],
        }


def score(
    cases: Sequence[Case],
    kb: Path,
    cases_dir: Path,
    invoke: Invoker,
    progress: Callable[[str], None] | None = None,
) -> Report:
    results: list[TurnResult] = []
    total = sum(len(case.turns) for case in cases)
    for case in cases:
        for result in run_case(case, kb, cases_dir, invoke):
            results.append(result)
            if progress is not None:
                status = "ok" if result.passed else "MISS"
                progress(f"[{len(results)}/{total}] {case.id} turn {result.turn}: {status}")
    return Report(results)


def _describe_calls(calls: Sequence[Any]) -> list[str]:
    lines = []
    for call in calls:
        if isinstance(call, ExpectedCall):
            name, inputs = call.name, call.input
        else:
            name, inputs = call.get("name"), call.get("input")
        lines.append(f"{name} {_show(inputs)}")
    return lines or ["(none)"]


def format_miss(miss: TurnResult) -> str:
    expected = miss.expected
    lines = [f"- {miss.case_id} [{miss.split}] turn {miss.turn}: {miss.utterance!r}"]
    lines.append(f"    expected intent: {expected.intent}")
    lines += [f"    expected call:   {c}" for c in _describe_calls(expected.tool_calls)]
    if expected.answer_contains:
        lines.append(f"    answer contains: {list(expected.answer_contains)}")
    lines.append(f"    actual intent:   {miss.intent or '-'}")
    lines += [f"    actual call:     {c}" for c in _describe_calls(miss.tool_calls)]
    lines.append(f"    answer:          {miss.answer[:ANSWER_EXCERPT]!r}")
    if miss.error is not None:
        lines.append(f"    error:           {miss.error}")
    lines += [f"    why:             {reason}" for reason in miss.reasons]
    return "\n".join(lines)


def format_misses(report: Report) -> str:
    misses = report.misses
    if not misses:
        return "Misses: none"
    return "\n".join([f"Misses ({len(misses)}):", *(format_miss(m) for m in misses)])


def format_report(report: Report) -> str:
    lines = ["Offline agent on the conversation test set (accuracy = passed utterances / all)"]
    lines += [f"  {split:<8} {report.tally(split)}" for split in report.splits]
    lines.append(f"  {'overall':<8} {report.tally()}")
    lines.append("By expected intent:")
    for intent in INTENTS:
        tally = report.tally(intent=intent)
        if tally.total:
            lines.append(f"  {intent:<15} {tally}")
    lines.append(format_misses(report))
    return "\n".join(lines)


# --------------------------------------------------------------------------- main


def build_sample_kb(directory: Path, knowledge_dir: Path = SAMPLE_KNOWLEDGE) -> Path:
    """Build the embedded knowledge base of ``knowledge_dir/*.jsonl`` into ``directory``."""
    from loyalty_maximizer.facts.loader import load_facts
    from loyalty_maximizer.graph.build import graph_rows
    from loyalty_maximizer.graph.embedded import write_knowledge_base

    facts = load_facts(sorted(knowledge_dir.glob("*.jsonl"))).facts
    write_knowledge_base(directory, graph_rows(facts))
    return directory


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Score the offline agent (loyalty ask) on the conversation test set."
    )
    parser.add_argument("--split", choices=[*SPLITS, "all"], default="all")
    parser.add_argument("--kb", type=Path, help="knowledge base (default: build the samples)")
    parser.add_argument("--cases-dir", type=Path, default=DEFAULT_CASES_DIR)
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--min-accuracy",
        type=float,
        metavar="X",
        help="exit 1 when the overall accuracy (a fraction, e.g. 0.9) is below X",
    )
    return parser.parse_args(argv)


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def main(argv: Sequence[str] | None = None, invoke: Invoker | None = None) -> int:
    args = _parse_args(argv)
    try:
        cases = load_cases(args.cases_dir, args.split)
    except (CaseError, OSError) as exc:
        print(f"invalid cases: {exc}", file=sys.stderr)
        return 2
    if invoke is None:
        if not ask_available():
            print("`loyalty ask` is not a command of loyalty_maximizer.cli.app", file=sys.stderr)
            return 2
        invoke = cli_invoker()
    with tempfile.TemporaryDirectory(prefix="conv-kb-") as tmp:
        kb = args.kb
        if kb is None:
            _progress("building the sample knowledge base ...")
            kb = build_sample_kb(Path(tmp) / "kb")
        report = score(cases, kb, args.cases_dir, invoke, _progress)
    if args.json:
        print(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print(format_report(report))
    if args.min_accuracy is not None and report.accuracy() < args.min_accuracy:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
