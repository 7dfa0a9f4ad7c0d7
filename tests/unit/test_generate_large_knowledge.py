"""scripts/generate_large_knowledge.py: a tiny set made by the benchmark's generator is
valid facts (the strict loader accepts it) with exactly the requested counts."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

from loyalty_maximizer.facts.loader import load_facts
from loyalty_maximizer.facts.models import (
    Airline,
    Airport,
    AwardPrice,
    EarningRule,
    LoyaltyProgram,
    Route,
    TransferPartnership,
)

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "generate_large_knowledge.py"


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("generate_large_knowledge", SCRIPT)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    # Registered first: its dataclasses resolve their annotations through sys.modules.
    sys.modules.setdefault(spec.name, module)
    spec.loader.exec_module(module)
    return sys.modules[spec.name]


@pytest.fixture(scope="module")
def tiny_config(generator: ModuleType) -> object:
    return generator.Config(
        seed=3,
        programs=5,
        airlines=12,
        airports=30,
        routes=150,
        award_prices=200,
        earning_rules=80,
    )


@pytest.fixture(scope="module")
def tiny_file(
    generator: ModuleType, tiny_config: object, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    path = tmp_path_factory.mktemp("generated") / "tiny.jsonl"
    generator.write_knowledge(path, tiny_config)
    return path


def test_tiny_set_validates_with_the_requested_counts(tiny_file: Path) -> None:
    facts = load_facts([tiny_file]).facts  # raises FactsValidationError on any problem
    counts = Counter(type(f) for f in facts)
    assert counts[LoyaltyProgram] == 5
    assert counts[Airline] == 12
    assert counts[Airport] == 30
    assert counts[Route] == 150
    assert counts[AwardPrice] == 200
    assert counts[EarningRule] == 80
    programs = [f for f in facts if isinstance(f, LoyaltyProgram)]
    assert {p.kind for p in programs} >= {"airline", "bank"}
    assert all(p.operator_airline_id for p in programs if p.kind == "airline")
    pairs = [
        (f.from_program_id, f.to_program_id) for f in facts if isinstance(f, TransferPartnership)
    ]
    assert pairs
    assert len(pairs) == len(set(pairs))
    codes = {f.airport_id for f in facts if isinstance(f, Airport)}
    assert {"JFK", "EWR", "LHR", "FRA", "SIN"} <= codes


def test_every_record_is_written_with_json_integers_where_the_contract_wants_them(
    tiny_file: Path,
) -> None:
    for line in tiny_file.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["type"] == "awardPrice":
            assert type(record["points"]) is int
        if record["type"] == "transferPartnership":
            assert type(record["ratioFrom"]) is int
            assert type(record["ratioTo"]) is int


def test_generation_is_deterministic(generator: ModuleType, tiny_config: object) -> None:
    assert generator.generate(tiny_config) == generator.generate(tiny_config)
