"""The ASL files as files: valid JSON, the placeholders docs/topology.md lists and
Terraform passes, and the guard rails (timeouts, retries, catches, caps) every state
carries. Also ``render_asl``, which fills the placeholders as Terraform's templatefile."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from loyalty_maximizer.localcloud import AslTemplateError, asl_placeholders, render_asl

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[3]
STATEMACHINES = REPO / "statemachines"
ASL_FILES = ["ingestion.asl.json", "conversation.asl.json"]
LAMBDA_TRANSIENT = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}
GLUE_TRANSIENT = {
    "Glue.AWSGlueException",
    "Glue.ThrottlingException",
    "Glue.ConcurrentRunsExceededException",
}
FAILURE_PATH = {"Quarantine", "NotifyQuarantined"}


def load(name: str) -> dict[str, Any]:
    return dict(json.loads((STATEMACHINES / name).read_text(encoding="utf-8")))


def topology_placeholders() -> dict[str, set[str]]:
    """The "ASL placeholders" table of docs/topology.md: file name → variable names."""
    text = (REPO / "docs" / "topology.md").read_text(encoding="utf-8")
    section = text.split("## ASL placeholders", 1)[1].split("\n## ", 1)[0]
    table = {}
    for row in re.findall(r"^\| `statemachines/([\w.]+)` \| (.+) \|$", section, re.MULTILINE):
        table[row[0]] = set(re.findall(r"`(\w+)`", row[1]))
    return table


def _object_keys(text: str, start: int) -> set[str]:
    """Top-level keys of the HCL object literal whose ``{`` is at ``text[start]``."""
    depth, index, top = 0, start, []
    while index < len(text):
        char = text[index]
        if char == '"':  # a string: a quoted key, or a value whose `=` must not count
            end = index + 1
            while text[end] != '"':
                end += 2 if text[end] == "\\" else 1
            if depth == 1:
                top.append(re.sub(r"[=,\n]", "", text[index : end + 1]))
            index = end + 1
            continue
        if char == "#" or text.startswith("//", index):
            index = text.index("\n", index)
            continue
        if char in "{[(":
            depth += 1
            top.append("\n" if depth == 1 else "")
        elif char in "}])":
            depth -= 1
            if depth == 0:
                break
        elif depth == 1:
            top.append(char)
        index += 1
    return set(re.findall(r'(?:^|[\n,])\s*"?([A-Za-z_][\w-]*)"?\s*=(?!=)', "".join(top)))


def terraform_template_keys(asl_file: str) -> Iterator[tuple[Path, set[str]]]:
    """``(module .tf file, keys)`` for each ``templatefile(".../<asl_file>", {...})`` in
    terraform/modules, the object inline or a ``local.<name>`` of the same module."""
    call = re.compile(r"templatefile\(\s*\"[^\"]*" + re.escape(asl_file) + r"\"\s*,\s*")
    for tf in sorted((REPO / "terraform" / "modules").glob("*/*.tf")):
        text = tf.read_text(encoding="utf-8")
        for match in call.finditer(text):
            argument = text[match.end() :]
            if argument.startswith("{"):
                yield tf, _object_keys(text, match.end())
                continue
            local = re.match(r"local\.(\w+)", argument)
            if local is None:
                raise AssertionError(f"{tf}: cannot read the variables of {argument[:60]!r}")
            for module_tf in sorted(tf.parent.glob("*.tf")):
                module_text = module_tf.read_text(encoding="utf-8")
                definition = re.search(rf"(?m)^\s*{local.group(1)}\s*=\s*\{{", module_text)
                if definition:
                    yield tf, _object_keys(module_text, definition.end() - 1)
                    break
            else:
                raise AssertionError(f"{tf}: local.{local.group(1)} is not defined in {tf.parent}")


def tasks(states: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Every Task state, including those inside Map item processors."""
    for name, state in states.items():
        if state["Type"] == "Task":
            yield name, state
        if state["Type"] == "Map":
            yield from tasks(state["ItemProcessor"]["States"])


def strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from strings(item)


@pytest.mark.parametrize("asl_file", ASL_FILES)
def test_asl_file__is_valid_json_with_a_comment(asl_file: str) -> None:
    definition = load(asl_file)

    assert isinstance(definition["Comment"], str)
    assert len(definition["Comment"]) > 80
    assert definition["StartAt"] in definition["States"]


@pytest.mark.parametrize("asl_file", ASL_FILES)
def test_asl_file__placeholders_are_the_topology_table(asl_file: str) -> None:
    template = (STATEMACHINES / asl_file).read_text(encoding="utf-8")

    assert asl_placeholders(template) == topology_placeholders()[asl_file]


@pytest.mark.parametrize("asl_file", ASL_FILES)
def test_asl_file__placeholders_only_inside_string_values(asl_file: str) -> None:
    template = (STATEMACHINES / asl_file).read_text(encoding="utf-8")
    definition = load(asl_file)

    in_strings = [s for s in strings(definition) if "${" in s]
    assert sum(s.count("${") for s in in_strings) == template.count("${")
    keys = [key for key in re.findall(r'"([^"]*)"\s*:', template) if "${" in key]
    assert keys == []


@pytest.mark.parametrize("asl_file", ASL_FILES)
def test_asl_file__placeholders_are_the_keys_terraform_passes(asl_file: str) -> None:
    calls = list(terraform_template_keys(asl_file))
    if not calls:
        pytest.skip(f"no templatefile(...{asl_file}, ...) in terraform/modules yet")
    expected = asl_placeholders((STATEMACHINES / asl_file).read_text(encoding="utf-8"))
    for tf, keys in calls:
        assert keys == expected, f"{tf.relative_to(REPO)} passes {sorted(keys)}"


def test_ingestion_definition__every_task_times_out_retries_and_catches() -> None:
    states = load("ingestion.asl.json")["States"]

    for name, state in tasks(states):
        assert state["TimeoutSeconds"] > 0, name
        retried = {error for retrier in state["Retry"] for error in retrier["ErrorEquals"]}
        is_glue = state["Resource"].startswith("arn:aws:states:::glue:")
        assert retried == (GLUE_TRANSIENT if is_glue else LAMBDA_TRANSIENT), name
        for retrier in state["Retry"]:
            assert retrier["JitterStrategy"] == "FULL", name
            assert {"IntervalSeconds", "BackoffRate", "MaxAttempts"} <= retrier.keys(), name
        [catch] = state["Catch"]
        assert catch["ErrorEquals"] == ["States.ALL"], name
        assert catch["Next"] == ("Fail" if name in FAILURE_PATH else "Quarantine"), name
        assert "ResultPath" in state, name  # nothing replaces the whole state


def test_ingestion_definition__lambda_retries_follow_the_topology() -> None:
    states = load("ingestion.asl.json")["States"]

    for name, state in tasks(states):
        if "lambda:invoke" not in state["Resource"]:
            continue
        [retrier] = state["Retry"]
        assert set(retrier.pop("ErrorEquals")) == LAMBDA_TRANSIENT, name
        assert retrier == {
            "IntervalSeconds": 2,
            "BackoffRate": 2,
            "MaxAttempts": 4,
            "JitterStrategy": "FULL",
        }, name


def test_ingestion_definition__textract_wait_has_heartbeat_and_load_polls_are_capped() -> None:
    states = load("ingestion.asl.json")["States"]

    textract = states["StartTextract"]
    assert textract["Resource"] == "arn:aws:states:::lambda:invoke.waitForTaskToken"
    assert 0 < textract["HeartbeatSeconds"] < textract["TimeoutSeconds"]
    assert states["WaitForLoad"]["Seconds"] == 10
    cap = [c for c in states["LoadOutcome"]["Choices"] if c["Variable"] == "$.load.Payload.polls"]
    assert cap == [
        {
            "Variable": "$.load.Payload.polls",
            "NumericGreaterThanEquals": 120,
            "Next": "NeptuneLoadPollCapReached",
        }
    ]
    assert states["Fail"]["Error"] == "DocumentQuarantined"


def test_conversation_definition__limits_time_concurrency_and_tool_failures() -> None:
    definition = load("conversation.asl.json")
    states = definition["States"]

    assert definition["TimeoutSeconds"] == 25
    run_tools = states["RunTools"]
    assert run_tools["MaxConcurrency"] == 4
    assert run_tools["ItemsPath"] == "$.step.Payload.toolCalls"
    assert set(run_tools["ItemSelector"]) == {"userId.$", "conversationId.$", "toolCall.$"}
    assert run_tools["Catch"][0]["Next"] == "ToolFailed"
    assert states["ToolFailed"]["Type"] == "Fail"
    for name, state in tasks(states):
        assert 0 < state["TimeoutSeconds"] < 25, name
        assert {e for r in state["Retry"] for e in r["ErrorEquals"]} == LAMBDA_TRANSIENT, name


def test_render_asl__fills_every_placeholder(tmp_path: Path) -> None:
    template = tmp_path / "m.asl.json"
    template.write_text('{"A": "${first}", "B": "x-${second}-y", "C": "$${literal}"}')

    rendered = render_asl(template, {"first": "1", "second": "2"})

    assert json.loads(rendered) == {"A": "1", "B": "x-2-y", "C": "${literal}"}


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"first": "1"}, "no value for second"),
        ({"first": "1", "second": "2", "thrid": "3"}, "no placeholder for thrid"),
        ({"first": 'a"b', "second": "2"}, "not valid JSON"),
    ],
)
def test_render_asl__rejects_variables_that_do_not_fit(
    tmp_path: Path, variables: dict[str, str], message: str
) -> None:
    template = tmp_path / "m.asl.json"
    template.write_text('{"A": "${first}", "B": "${second}"}')

    with pytest.raises(AslTemplateError, match=message):
        render_asl(template, variables)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"A": "${upper(x)}"}', r"m.asl.json:1: '\$\{upper\(x\)\}' is not a plain variable name"),
        (
            '{"A": "%{ if x }y%{ endif }"}',
            "m.asl.json:1: '%{' starts a Terraform template directive",
        ),
    ],
)
def test_render_asl__rejects_what_templatefile_would_read_differently(
    tmp_path: Path, text: str, message: str
) -> None:
    template = tmp_path / "m.asl.json"
    template.write_text(text)

    with pytest.raises(AslTemplateError, match=message):
        render_asl(template, {})
