"""The offline agent (``loyalty ask``) answers the dev split of the conversation test set
(tests/data/conversations/dev.jsonl) with at least 90% of utterances right, as scored by
scripts/score_offline_agent.py. Skipped until ``ask`` is a command of the CLI; the held-out
split is never scored here (run the script by hand for it)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import typer.main

from loyalty_maximizer.cli import app

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "score_offline_agent.py"
MIN_ACCURACY = 0.90


def _ask_registered() -> bool:
    return "ask" in getattr(typer.main.get_command(app), "commands", {})


pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not _ask_registered(),
        reason="`loyalty ask` (the offline agent) is not a command of loyalty_maximizer.cli.app "
        "yet; this test runs once it is",
    ),
]


def _scorer() -> ModuleType:
    spec = importlib.util.spec_from_file_location("score_offline_agent", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered first: its dataclasses resolve their annotations through sys.modules.
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return sys.modules[spec.name]


def test_dev_split_accuracy(tmp_path_factory: pytest.TempPathFactory) -> None:
    scorer = _scorer()
    kb = scorer.build_sample_kb(tmp_path_factory.mktemp("conversation-kb") / "kb")
    cases = scorer.load_cases(scorer.DEFAULT_CASES_DIR, "dev")
    report = scorer.score(cases, kb, scorer.DEFAULT_CASES_DIR, scorer.cli_invoker())
    tally = report.tally("dev")
    assert tally.total == sum(len(case.turns) for case in cases)
    assert tally.accuracy >= MIN_ACCURACY, (
        f"dev accuracy {tally} is below {MIN_ACCURACY:.0%}\n{scorer.format_misses(report)}"
    )
