"""Fixtures for handler tests: a Lambda context, sample events from tests/events/, and a
loader for ``lambdas/<name>/handler.py`` (every handler module is called ``handler``, so each
is imported under its own name)."""

from __future__ import annotations

import importlib.util
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[3]
EVENTS = ROOT / "tests" / "events"


@dataclass
class LambdaContext:
    function_name: str = "loyalty-test-function"
    memory_limit_in_mb: int = 512
    invoked_function_arn: str = "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test:live"
    aws_request_id: str = "c6af9ac6-7b61-11e6-9a41-93e812345678"
    function_version: str = "1"
    log_group_name: str = "/aws/lambda/loyalty-test-function"
    log_stream_name: str = "2026/11/22/[1]abcdef"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@pytest.fixture
def lambda_context() -> LambdaContext:
    return LambdaContext()


def load_event(name: str) -> dict[str, Any]:
    """A sample event, ``tests/events/<name>.json``."""
    return json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def load_handler(name: str) -> ModuleType:
    """``lambdas/<name>/handler.py`` as module ``lambdas_<name>_handler`` (fresh each call)."""
    path = ROOT / "lambdas" / name / "handler.py"
    module_name = f"lambdas_{name}_handler"
    spec = importlib.util.spec_from_file_location(module_name, path)
    assert spec is not None, path
    assert spec.loader is not None, path
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    spec.loader.exec_module(module)
    return module


def aws_clients(region: str, *services: str) -> dict[str, Any]:
    """boto3 clients with fake credentials, one per service, for handlers under moto.

    Built outside ``mock_aws`` and used inside it: moto intercepts them when they call."""
    import boto3

    return {
        service: boto3.client(
            service,
            region_name=region,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        for service in services
    }
