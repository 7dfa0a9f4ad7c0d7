"""scripts/score_offline_agent.py and the conversation test set it scores.

The scorer's matching, intent reading and per-turn running are tested with hand-made outputs
of ``loyalty ask --json`` (no agent needed); the case files are checked for format, counts,
coverage, and that every id, code and field in their expected tool inputs exists in the
sample knowledge and the tools' request models.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from loyalty_maximizer.facts.airports import METRO_AIRPORTS, known_airport
from loyalty_maximizer.profiles import FileProfileStore, UserProfile
from loyalty_maximizer.tools.requests import (
    AwardRequest,
    CreditingRequest,
    EarningsRequest,
    KnowledgeRequest,
    ProfileRequest,
    ToolRequest,
    parse_request,
)

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "score_offline_agent.py"
CASES_DIR = ROOT / "tests" / "data" / "conversations"
KNOWLEDGE = ROOT / "samples" / "knowledge"


@pytest.fixture(scope="module")
def scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_offline_agent", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered first: its dataclasses resolve their annotations through sys.modules.
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return sys.modules[spec.name]


def _output(answer: str, *calls: tuple[str, dict[str, Any]]) -> str:
    tool_calls = [{"name": name, "input": data, "output": {}} for name, data in calls]
    return json.dumps({"answer": answer, "toolCalls": tool_calls, "citations": []})


AWARD = "analyze_award_redemption_strategies"
EARN = "calculate_flight_earnings"


# --------------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    ("expected", "actual"),
    [
        ({}, {"origin": "NYC"}),
        ({"origin": "NYC"}, {"origin": "NYC", "destination": "LON"}),
        ({"origin": "nyc"}, {"origin": "NYC"}),
        ({"cabinClass": "Business"}, {"cabinClass": "business"}),
        ({"balance": 100000}, {"balance": 100000.0}),
        ({"balance": 100000.0}, {"balance": 100000}),
        ({"preferences": {"maxStops": 0}}, {"preferences": {"maxStops": 0, "maxTransferHops": 1}}),
        (
            {"userRewardsBalances": [{"programId": "UA_MILEAGEPLUS", "balance": 50000}]},
            {
                "userRewardsBalances": [
                    {"programId": "AMEX_MR", "balance": 100000},
                    {"programId": "UA_MILEAGEPLUS", "balance": 50000},
                ]
            },
        ),
        (
            {"segments": [{"originAirport": "FRA"}, {"originAirport": "MUC"}]},
            {"segments": [{"originAirport": "MUC"}, {"originAirport": "FRA"}]},
        ),
        (
            ["LH_MILESANDMORE", "UA_MILEAGEPLUS"],
            ["UA_MILEAGEPLUS", "AC_AEROPLAN", "LH_MILESANDMORE"],
        ),
        (["ua_mileageplus"], ["UA_MILEAGEPLUS"]),
        ([], ["anything"]),
        ({"flag": False}, {"flag": False}),
        ({"note": None}, {"note": None}),
    ],
)
def test_subset_matches(scorer: ModuleType, expected: Any, actual: Any) -> None:
    assert scorer.mismatch(expected, actual) is None
    assert scorer.matches(expected, actual)


@pytest.mark.parametrize(
    ("expected", "actual", "where"),
    [
        ({"origin": "NYC"}, {"destination": "NYC"}, "$.origin: missing"),
        ({"origin": "NYC"}, {"origin": "JFK"}, "$.origin: expected"),
        ({"origin": "NYC"}, ["NYC"], "$: expected an object"),
        ({"balance": 100000}, {"balance": "100000"}, "$.balance"),
        ({"balance": 100000}, {"balance": 100001}, "$.balance"),
        ({"balance": 1}, {"balance": True}, "$.balance"),
        ({"flag": False}, {"flag": 0}, "$.flag"),
        ({"programs": ["AMEX_MR", "CHASE_UR"]}, {"programs": ["AMEX_MR"]}, "$.programs[1]"),
        ({"programs": ["AMEX_MR"]}, {"programs": "AMEX_MR"}, "$.programs: expected a list"),
        (
            {"segments": [{"originAirport": "FRA", "fareClass": "K"}]},
            {"segments": [{"originAirport": "FRA", "fareClass": "Y"}, {"fareClass": "K"}]},
            "$.segments[0]",
        ),
        (
            {"preferences": {"excludePrograms": ["BA_AVIOS"]}},
            {"preferences": {"excludePrograms": []}},
            "$.preferences.excludePrograms[0]",
        ),
        ({"note": None}, {"note": "x"}, "$.note"),
    ],
)
def test_subset_mismatches_say_where(
    scorer: ModuleType, expected: Any, actual: Any, where: str
) -> None:
    reason = scorer.mismatch(expected, actual)
    assert reason is not None
    assert reason.startswith(where)
    assert not scorer.matches(expected, actual)


# --------------------------------------------------------------------------- intent


@pytest.mark.parametrize(
    ("names", "answer", "intent"),
    [
        ([AWARD], "Here are your options.", "award"),
        (["get_user_profile", EARN], "You earn 1,599 miles.", "earnings"),
        (["recommend_crediting_program", AWARD], "Credit to Aeroplan.", "crediting"),
        (["update_user_profile"], "Saved.", "profile_update"),
        (["get_user_profile", "query_loyalty_knowledge"], "1:1.", "rules"),
        ([], "Where are you flying from?", "clarify"),
        (["get_user_profile"], "From which airport?", "clarify"),
        ([], "Hotel awards are not in my knowledge.", "unsupported"),
        (["get_user_profile"], "I cannot help with car rentals.", "unsupported"),
        (
            ["extract_loyalty_info_from_document"],
            "Done.",
            "tool:extract_loyalty_info_from_document",
        ),
    ],
)
def test_actual_intent(scorer: ModuleType, names: list[str], answer: str, intent: str) -> None:
    calls = [{"name": name, "input": {}} for name in names]
    assert scorer.actual_intent(calls, answer) == intent


def _expect(scorer: ModuleType, data: dict[str, Any]) -> Any:
    return scorer.parse_expectation(data, "test")


def test_judge_turn_passes_with_extra_calls_and_fields(scorer: ModuleType) -> None:
    expect = _expect(
        scorer,
        {
            "intent": "award",
            "toolCalls": [{"name": AWARD, "input": {"origin": "NYC", "numberOfTravelers": 2}}],
            "answerContains": ["virgin"],
        },
    )
    calls = [
        {"name": "get_user_profile", "input": {"userId": "u"}},
        {"name": AWARD, "input": {"origin": "JFK", "numberOfTravelers": 2}},
        {"name": AWARD, "input": {"origin": "NYC", "destination": "LON", "numberOfTravelers": 2}},
    ]
    assert scorer.judge_turn(expect, "Book Virgin Atlantic via Flying Club.", calls) == []


def test_judge_turn_reports_every_reason(scorer: ModuleType) -> None:
    expect = _expect(
        scorer,
        {
            "intent": "earnings",
            "toolCalls": [
                {"name": EARN, "input": {"targetLoyaltyPrograms": ["LH_MILESANDMORE"]}},
                {"name": "query_loyalty_knowledge"},
            ],
            "answerContains": ["Miles & More"],
        },
    )
    calls = [
        {"name": AWARD, "input": {}},
        {"name": EARN, "input": {"targetLoyaltyPrograms": ["UA_MILEAGEPLUS"]}},
    ]
    reasons = scorer.judge_turn(expect, "You earn 500 miles.", calls)
    assert reasons[0] == "intent award instead of earnings"
    assert reasons[1].startswith(f"no {EARN} call matches (call 1: input.targetLoyaltyPrograms[0]")
    assert reasons[2] == "no query_loyalty_knowledge call"
    assert reasons[3] == "answer lacks 'Miles & More'"
    assert len(reasons) == 4


def test_judge_turn_clarify_and_unsupported(scorer: ModuleType) -> None:
    clarify = _expect(scorer, {"intent": "clarify"})
    unsupported = _expect(scorer, {"intent": "unsupported"})
    assert scorer.judge_turn(clarify, "Where would you like to go?", []) == []
    assert scorer.judge_turn(clarify, "London it is.", []) == [
        "intent unsupported instead of clarify"
    ]
    assert scorer.judge_turn(unsupported, "Car rentals are outside what I know.", []) == []
    assert scorer.judge_turn(unsupported, "Shall I look at flights instead?", []) == [
        "intent clarify instead of unsupported"
    ]


def test_answer_contains_is_case_insensitive(scorer: ModuleType) -> None:
    expect = _expect(scorer, {"intent": "rules", "answerContains": ["SENATOR", "30%"]})
    calls = [{"name": "query_loyalty_knowledge", "input": {}}]
    assert scorer.judge_turn(expect, "Senator, with a 30% bonus.", calls) == []


def test_parse_output(scorer: ModuleType) -> None:
    answer, calls = scorer.parse_output(_output("Hi?", (AWARD, {"origin": "NYC"})))
    assert answer == "Hi?"
    assert calls[0]["input"] == {"origin": "NYC"}
    for bad in ("not json", "[]", '{"toolCalls": []}', '{"answer": "a", "toolCalls": [{}]}'):
        with pytest.raises(ValueError, match=r"JSON|answer|toolCalls"):
            scorer.parse_output(bad)


# --------------------------------------------------------------------------- running


def _case(scorer: ModuleType, turns: list[dict[str, Any]], profile: str | None = None) -> Any:
    data = {
        "id": "t-case",
        "split": "dev",
        "profile": profile,
        "asOf": "2026-11-22",
        "turns": turns,
    }
    return scorer.parse_case(data)


def _turn(utterance: str, intent: str, *calls: dict[str, Any]) -> dict[str, Any]:
    return {"utterance": utterance, "expect": {"intent": intent, "toolCalls": list(calls)}}


def test_run_case_invokes_the_cli_per_turn(scorer: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "profiles").mkdir()
    original = tmp_path / "profiles" / "p.json"
    original.write_text('{"userId": "u1"}', encoding="utf-8")
    case = _case(
        scorer,
        [
            _turn("My United balance is now 62,000 miles", "profile_update"),
            _turn("NYC to London?", "award", {"name": AWARD, "input": {"destination": "LON"}}),
        ],
        profile="p.json",
    )
    seen: list[list[str]] = []

    def invoke(args: list[str]) -> Any:
        seen.append(args)
        profile = Path(args[args.index("--profile") + 1])
        if len(seen) == 1:  # the agent writes the update into the profile file it was given
            profile.write_text('{"userId": "u1", "changed": true}', encoding="utf-8")
            return scorer.Invocation(0, _output("Saved.", ("update_user_profile", {})), "")
        assert "changed" in profile.read_text(encoding="utf-8")
        return scorer.Invocation(0, _output("Options:", (AWARD, {"destination": "LON"})), "")

    results = scorer.run_case(case, Path("/kb"), tmp_path, invoke)
    assert [r.passed for r in results] == [True, True]
    assert [r.intent for r in results] == ["profile_update", "award"]
    first, second = seen
    assert first[:2] == ["ask", "My United balance is now 62,000 miles"]
    for args in seen:
        assert args[args.index("--kb") + 1] == "/kb"
        assert args[args.index("--as-of") + 1] == "2026-11-22"
        assert "--json" in args
    # one conversation file and one profile copy for the whole case, never the original
    for option in ("--conversation", "--profile"):
        assert first[first.index(option) + 1] == second[second.index(option) + 1]
    assert Path(first[first.index("--profile") + 1]) != original
    assert original.read_text(encoding="utf-8") == '{"userId": "u1"}'


def test_run_case_without_profile_passes_no_profile(scorer: ModuleType, tmp_path: Path) -> None:
    case = _case(scorer, [_turn("Help me", "clarify")])
    seen: list[list[str]] = []

    def invoke(args: list[str]) -> Any:
        seen.append(args)
        return scorer.Invocation(0, _output("Where to?"), "")

    [result] = scorer.run_case(case, Path("/kb"), tmp_path, invoke)
    assert result.passed
    assert "--profile" not in seen[0]


def test_run_case_failures_are_misses_with_the_error(scorer: ModuleType, tmp_path: Path) -> None:
    case = _case(
        scorer,
        [
            _turn("a", "clarify"),
            _turn("b", "clarify"),
            _turn("c", "clarify"),
            _turn("d", "clarify"),
        ],
    )
    outputs = iter(
        [
            scorer.Invocation(2, "", '{"error": {"code": "invalid_request"}}'),
            scorer.Invocation(0, "Where to?", ""),
            scorer.Invocation(1, "", "", "RuntimeError: boom"),
        ]
    )

    def invoke(args: list[str]) -> Any:
        result = next(outputs, None)
        if result is None:
            raise OSError("invoker broke")
        return result

    results = scorer.run_case(case, Path("/kb"), tmp_path, invoke)
    assert [r.passed for r in results] == [False, False, False, False]
    assert results[0].error.startswith("exit status 2: {")
    assert "invalid_request" in results[0].error
    assert "not JSON" in results[1].error
    assert results[2].error == "exit status 1: RuntimeError: boom"
    assert "OSError: invoker broke" in results[3].error
    assert all(r.intent is None for r in results)


def _write_cases(directory: Path, split: str, cases: list[dict[str, Any]]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    lines = [json.dumps(case) for case in cases]
    (directory / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _small_set(directory: Path) -> None:
    def case(cid: str, split: str, utterance: str, intent: str) -> dict[str, Any]:
        return {
            "id": cid,
            "split": split,
            "profile": None,
            "asOf": "2026-11-22",
            "turns": [{"utterance": utterance, "expect": {"intent": intent}}],
        }

    _write_cases(
        directory,
        "dev",
        [case("d1", "dev", "where?", "clarify"), case("d2", "dev", "hotel", "unsupported")],
    )
    _write_cases(directory, "heldout", [case("h1", "heldout", "hotel", "clarify")])


def _echo_invoker(scorer: ModuleType) -> Any:
    def invoke(args: list[str]) -> Any:
        answer = "Where would you like to go?" if args[1].endswith("?") else "Not covered."
        return scorer.Invocation(0, _output(answer), "")

    return invoke


def test_score_and_report(scorer: ModuleType, tmp_path: Path) -> None:
    _small_set(tmp_path)
    cases = scorer.load_cases(tmp_path)
    progress: list[str] = []
    report = scorer.score(cases, Path("/kb"), tmp_path, _echo_invoker(scorer), progress.append)
    assert progress[0] == "[1/3] d1 turn 1: ok"
    assert progress[2] == "[3/3] h1 turn 1: MISS"
    assert report.tally("dev").passed == 2
    assert report.accuracy("dev") == 1.0
    assert report.accuracy("heldout") == 0.0
    assert report.accuracy() == pytest.approx(2 / 3)
    text = scorer.format_report(report)
    assert "dev      2/2 utterances  100.0%" in text
    assert "heldout  0/1 utterances    0.0%" in text
    assert "- h1 [heldout] turn 1: 'hotel'" in text
    assert "actual intent:   unsupported" in text
    assert "why:             intent unsupported instead of clarify" in text
    data = report.to_json()
    assert data["overall"] == {"passed": 2, "total": 3, "accuracy": 0.6667}
    assert [m["caseId"] for m in data["misses"]] == ["h1"]
    assert data["byIntent"]["clarify"] == {"passed": 1, "total": 2, "accuracy": 0.5}


def test_main_exit_status_and_json(
    scorer: ModuleType, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _small_set(tmp_path)
    base = ["--cases-dir", str(tmp_path), "--kb", str(tmp_path / "kb")]
    invoke = _echo_invoker(scorer)
    assert scorer.main([*base, "--split", "dev", "--min-accuracy", "1.0"], invoke) == 0
    assert scorer.main([*base, "--min-accuracy", "0.9"], invoke) == 1
    capsys.readouterr()
    assert scorer.main([*base, "--split", "heldout", "--json"], invoke) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["splits"] == {
        "heldout": {"passed": 0, "total": 1, "accuracy": 0.0}
    }
    assert "[1/1] h1 turn 1: MISS" in captured.err


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda c: c.update(extra=1), "unknown keys"),
        (lambda c: c.update(split="heldout"), "in the dev file"),
        (lambda c: c.update(asOf="22/11/2026"), "asOf"),
        (lambda c: c.update(profile="missing.json"), "not found"),
        (lambda c: c["turns"][0]["expect"].update(intent="booking"), "unknown intent"),
        (lambda c: c["turns"][0]["expect"].update(toolCalls=[{"name": "book"}]), "unknown tool"),
        (lambda c: c.update(turns=[]), "turns"),
    ],
)
def test_invalid_cases_are_refused(
    scorer: ModuleType, tmp_path: Path, mutate: Any, message: str
) -> None:
    case: dict[str, Any] = {
        "id": "x",
        "split": "dev",
        "profile": None,
        "asOf": "2026-11-22",
        "turns": [{"utterance": "hi", "expect": {"intent": "clarify"}}],
    }
    mutate(case)
    _write_cases(tmp_path, "dev", [case])
    with pytest.raises(scorer.CaseError, match=message):
        scorer.load_split(tmp_path, "dev")


def test_duplicate_ids_are_refused(scorer: ModuleType, tmp_path: Path) -> None:
    _small_set(tmp_path)
    text = (tmp_path / "heldout.jsonl").read_text(encoding="utf-8").replace('"h1"', '"d1"')
    (tmp_path / "heldout.jsonl").write_text(text, encoding="utf-8")
    with pytest.raises(scorer.CaseError, match="more than one split"):
        scorer.load_cases(tmp_path)
    _write_cases(tmp_path, "dev", [{**json.loads(text), "split": "dev"}] * 2)
    with pytest.raises(scorer.CaseError, match="duplicate id"):
        scorer.load_split(tmp_path, "dev")


# --------------------------------------------------------------------------- the case files


@pytest.fixture(scope="module")
def all_cases(scorer: ModuleType) -> list[Any]:
    return list(scorer.load_cases(CASES_DIR))


def _utterances(cases: list[Any], split: str | None = None) -> list[Any]:
    return [t for c in cases if split in (None, c.split) for t in c.turns]


def test_split_sizes(all_cases: list[Any]) -> None:
    splits = Counter(case.split for case in all_cases)
    assert splits["heldout"] == 20
    assert splits["dev"] >= 45
    assert len(_utterances(all_cases)) >= 65


def test_coverage(all_cases: list[Any], scorer: ModuleType) -> None:
    for split in scorer.SPLITS:
        cases = [c for c in all_cases if c.split == split]
        intents = Counter(t.expect.intent for t in _utterances(cases))
        assert set(intents) == set(scorer.INTENTS), split
    dev = [c for c in all_cases if c.split == "dev"]
    intents = Counter(t.expect.intent for t in _utterances(dev))
    assert intents["unsupported"] >= 4
    assert intents["clarify"] >= 5
    assert sum(len(c.turns) > 1 for c in dev) >= 6
    assert all(len(c.turns) <= 3 for c in all_cases)


def test_heldout_is_not_a_copy_of_dev(all_cases: list[Any]) -> None:
    def norm(text: str) -> str:
        return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()

    dev = {norm(t.utterance) for t in _utterances(all_cases, "dev")}
    copies = [t.utterance for t in _utterances(all_cases, "heldout") if norm(t.utterance) in dev]
    assert copies == []


def test_expectations_are_consistent(all_cases: list[Any], scorer: ModuleType) -> None:
    tool_of_intent = {intent: tool for tool, intent in scorer.INTENT_OF_TOOL.items()}
    for case in all_cases:
        for turn in case.turns:
            expect, where = turn.expect, f"{case.id}: {turn.utterance}"
            names = [call.name for call in expect.tool_calls]
            if expect.intent in ("clarify", "unsupported"):
                assert names == [], where
                assert expect.answer_contains == (), where
            else:
                assert tool_of_intent[expect.intent] in names, where
            if "update_user_profile" in names:
                assert case.profile is not None, where


# ------------------------------------------------- expected inputs against knowledge and models


def _knowledge() -> dict[str, Any]:
    records = [
        json.loads(line)
        for path in sorted(KNOWLEDGE.glob("*.jsonl"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    tiers: dict[str, set[str]] = {}
    for r in records:
        if r["type"] == "eliteTier":
            tiers.setdefault(r["programId"], set()).add(r["tierId"])
    return {
        "programs": {r["programId"] for r in records if r["type"] == "loyaltyProgram"},
        "airlines": {r["airlineId"] for r in records if r["type"] == "airline"},
        "alliances": {r["allianceId"] for r in records if r["type"] == "alliance"},
        "airports": {r["airportId"] for r in records if r["type"] == "airport"},
        "metros": set(METRO_AIRPORTS)
        | {r["metroCode"] for r in records if r["type"] == "airport" and r.get("metroCode")},
        "tiers": tiers,
        "allianceTiers": {
            r["allianceTier"] for r in records if r["type"] == "eliteTier" and r.get("allianceTier")
        },
    }


@pytest.fixture(scope="module")
def knowledge() -> dict[str, Any]:
    return _knowledge()


PROGRAM_KEYS = {"programId", "fromProgram", "toProgram"}
PROGRAM_LIST_KEYS = {"targetLoyaltyPrograms", "programIds", "excludePrograms"}
PLACE_KEYS = {"origin", "destination", "originAirport", "destinationAirport", "homeAirport"}
CARRIER_KEYS = {"marketingCarrier", "operatingCarrier"}


def _walk(value: Any, path: str = "$") -> list[tuple[str, str, Any, dict[str, Any]]]:
    """(path, key, value, the dict holding it) of every key in a JSON value."""
    found: list[tuple[str, str, Any, dict[str, Any]]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            found.append((f"{path}.{key}", key, item, value))
            found += _walk(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _walk(item, f"{path}[{index}]")
    return found


def _check_ids(data: dict[str, Any], known: dict[str, Any], where: str) -> None:
    for path, key, value, holder in _walk(data):
        at = f"{where} {path}"
        if key in PROGRAM_KEYS:
            assert value in known["programs"], at
        elif key in PROGRAM_LIST_KEYS:
            assert set(value) <= known["programs"], at
        elif key in PLACE_KEYS:
            assert value in known["airports"] or value in known["metros"] or known_airport(value), (
                at
            )
        elif key in CARRIER_KEYS:
            assert value in known["airlines"], at
        elif key == "preferredAirlines":
            assert set(value) <= known["airlines"], at
        elif key == "preferredAlliances":
            assert set(value) <= known["alliances"], at
        elif key == "allianceTier":
            assert value in known["allianceTiers"], at
        elif key in ("tier", "statusTier", "tierId"):
            assert value in known["tiers"].get(holder["programId"], set()), at


def _completed(name: str, data: dict[str, Any]) -> dict[str, Any]:
    """The expected input made a complete request: what a subset may leave out filled in."""
    request = json.loads(json.dumps(data))
    if name == "query_loyalty_knowledge":
        request.setdefault("question", "a question")
    for segment in request.get("flightItinerary", {}).get("segments", []):
        segment.setdefault("marketingCarrier", segment.get("operatingCarrier", "LH"))
    return request  # type: ignore[no-any-return]


REQUEST_MODELS: dict[str, type[ToolRequest]] = {
    "analyze_award_redemption_strategies": AwardRequest,
    "calculate_flight_earnings": EarningsRequest,
    "recommend_crediting_program": CreditingRequest,
    "query_loyalty_knowledge": KnowledgeRequest,
    "get_user_profile": ProfileRequest,
}
UPDATE_KEYS = {"userId", "programs", "preferences"}
UPDATE_PROGRAM_KEYS = {"programId", "balance", "statusTier", "eliteQualifyingMetrics"}
UPDATE_METRIC_KEYS = {"metricName", "currentValue"}
UPDATE_PREFERENCE_KEYS = {
    "homeAirport",
    "preferredAirlines",
    "preferredAlliances",
    "preferredCabin",
}


def _check_update(data: dict[str, Any], where: str) -> None:
    assert set(data) <= UPDATE_KEYS, where
    assert isinstance(data.get("userId"), str), where
    assert "programs" in data or "preferences" in data, where
    for program in data.get("programs", []):
        assert set(program) <= UPDATE_PROGRAM_KEYS, where
        assert len(program) > 1, where
        assert isinstance(program.get("balance", 0), int), where
        for metric in program.get("eliteQualifyingMetrics", []):
            assert set(metric) == UPDATE_METRIC_KEYS, where
    preferences = data.get("preferences", {})
    assert set(preferences) <= UPDATE_PREFERENCE_KEYS, where
    # the preferences have the profile's model (and its cabin values)
    UserProfile.model_validate({"userId": "u", "preferences": preferences})


def test_expected_inputs_exist_in_knowledge_and_models(
    all_cases: list[Any], knowledge: dict[str, Any]
) -> None:
    for case in all_cases:
        for index, turn in enumerate(case.turns, start=1):
            for call in turn.expect.tool_calls:
                where = f"{case.id} turn {index} {call.name}"
                _check_ids(call.input, knowledge, where)
                if call.name == "update_user_profile":
                    _check_update(call.input, where)
                else:
                    # strict, closed models: a misspelt field or a bad value fails here
                    parse_request(REQUEST_MODELS[call.name], _completed(call.name, call.input))


def test_award_expectations_name_the_trip(all_cases: list[Any]) -> None:
    for case in all_cases:
        for turn in case.turns:
            for call in turn.expect.tool_calls:
                if call.name == "analyze_award_redemption_strategies":
                    assert {"origin", "destination", "cabinClass"} <= set(call.input), case.id


def test_profiles_parse_and_exist_in_knowledge(
    all_cases: list[Any], knowledge: dict[str, Any]
) -> None:
    paths = sorted((CASES_DIR / "profiles").glob("*.json"))
    assert paths
    used = {case.profile for case in all_cases if case.profile is not None}
    assert used == {path.name for path in paths}
    user_ids = set()
    for path in paths:
        profile = FileProfileStore(path).profile
        user_ids.add(profile.user_id)
        data = json.loads(path.read_text(encoding="utf-8"))
        assert set(data) == {"userId", "loyaltyPrograms", "preferences"}, path.name
        for program in data["loyaltyPrograms"]:
            assert set(program) == {
                "programId",
                "programName",
                "statusTier",
                "redeemableBalance",
                "eliteQualifyingMetrics",
            }, path.name
        _check_ids(
            {
                "programs": [
                    {k: v for k, v in p.items() if v is not None} for p in data["loyaltyPrograms"]
                ],
                "preferences": {k: v for k, v in data["preferences"].items() if v is not None},
            },
            knowledge,
            path.name,
        )
    assert len(user_ids) == len(paths)


def test_an_agent_making_exactly_the_expected_calls_scores_everything(
    scorer: ModuleType, all_cases: list[Any]
) -> None:
    by_utterance: dict[str, Any] = {}
    for turn in _utterances(all_cases):
        assert by_utterance.setdefault(turn.utterance, turn.expect) == turn.expect
    seen_as_of = set()

    def replay(args: list[str]) -> Any:
        seen_as_of.add(args[args.index("--as-of") + 1])
        expect = by_utterance[args[1]]
        answer = {"clarify": "From which city?", "unsupported": "Not in my knowledge."}.get(
            expect.intent, " ".join(expect.answer_contains) or "Here you are."
        )
        calls = [(call.name, call.input) for call in expect.tool_calls]
        return scorer.Invocation(0, _output(answer, ("get_user_profile", {}), *calls), "")

    report = scorer.score(all_cases, Path("/kb"), CASES_DIR, replay)
    assert scorer.format_misses(report) == "Misses: none"
    assert report.tally().total == len(_utterances(all_cases))
    assert seen_as_of == {case.as_of for case in all_cases}
