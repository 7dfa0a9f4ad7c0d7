"""Fixtures shared by every test layer.

- ``data_dir``: the ``tests/data`` directory (sample facts and other inputs live there).
- ``sample_facts_path``: ``tests/data/kb-sample.jsonl``, a copy of the contract's example
  knowledge base (contracts/examples/kb-sample.jsonl). Tests must not read ../shared.
- ``sample_facts``: the validated, airport-completed records of that file.
- ``sample_kb_dir``: a knowledge-base directory built once per session from the sample.
  Treat it as read-only; build your own with ``write_knowledge_base`` to test writes.
- ``sample_graph``: the open embedded graph of ``sample_kb_dir`` (raw openCypher).
- ``sample_repository``: a ``KnowledgeRepository`` over ``sample_graph``.
- ``write_jsonl``: writes a JSONL facts file under the test's ``tmp_path``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from loyalty_maximizer.facts.loader import load_facts
from loyalty_maximizer.facts.models import FactModel
from loyalty_maximizer.graph.build import graph_rows
from loyalty_maximizer.graph.embedded import (
    EmbeddedGraph,
    open_knowledge_base,
    write_knowledge_base,
)
from loyalty_maximizer.graph.repository import KnowledgeRepository

DATA_DIR = Path(__file__).parent / "data"

WriteJsonl = Callable[..., Path]


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return DATA_DIR


@pytest.fixture(scope="session")
def sample_facts_path(data_dir: Path) -> Path:
    return data_dir / "kb-sample.jsonl"


@pytest.fixture(scope="session")
def sample_facts(sample_facts_path: Path) -> list[FactModel]:
    return load_facts([sample_facts_path]).facts


@pytest.fixture(scope="session")
def sample_kb_dir(tmp_path_factory: pytest.TempPathFactory, sample_facts: list[FactModel]) -> Path:
    directory = tmp_path_factory.mktemp("sample-kb")
    write_knowledge_base(directory, graph_rows(sample_facts))
    return directory


@pytest.fixture(scope="session")
def sample_graph(sample_kb_dir: Path) -> Iterator[EmbeddedGraph]:
    with open_knowledge_base(sample_kb_dir) as graph:
        yield graph


@pytest.fixture(scope="session")
def sample_repository(sample_graph: EmbeddedGraph) -> KnowledgeRepository:
    return KnowledgeRepository(sample_graph)


@pytest.fixture
def write_jsonl(tmp_path: Path) -> WriteJsonl:
    """``write_jsonl(lines, name="facts.jsonl") -> Path`` under ``tmp_path``.

    Each item of ``lines`` is one line of the file: a dict is written as compact JSON, a
    string verbatim (for malformed, blank or hand-written lines). Line N of the file is
    item N-1, so tests can assert on reported line numbers.
    """

    def write(lines: Iterable[dict[str, Any] | str], name: str = "facts.jsonl") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        text = [
            line if isinstance(line, str) else json.dumps(line, ensure_ascii=False)
            for line in lines
        ]
        path.write_text("".join(f"{line}\n" for line in text), encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """One local Spark session for the whole run (``local[2]``, two shuffle partitions, no
    UI). Python workers run this interpreter, the venv with the project installed."""
    import os
    import sys

    from pyspark.sql import SparkSession

    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = (
        SparkSession.builder.master("local[2]")
        .appName("loyalty-tests")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    yield session
    session.stop()
