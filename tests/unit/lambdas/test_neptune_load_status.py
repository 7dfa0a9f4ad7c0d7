"""neptune_load_status: one poll of the run's Neptune load, in the shape the state
machine's loop reads; a failed load raises NeptuneLoadError."""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any

import pytest
from tests.unit.lambdas.conftest import LambdaContext, load_event, load_handler

from loyalty_maximizer.graph.neptune import LoadStatus

pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish")

LOAD_ID = "ef478d76-d9da-4d94-8ff1-08d9d4863aa5"
BAD_RECORD = {
    "errorCode": "PARSING_ERROR",
    "errorMessage": "Unexpected quote in field",
    "fileName": "s3://loyalty-dev-documents-123456789012/neptune-load/run-7/nodes-Airline.csv",
    "recordNum": 12,
}


@dataclass
class FakeLoader:
    """A load that reports ``status``."""

    status: LoadStatus

    def start_load(self, source: str, iam_role_arn: str) -> str:
        raise AssertionError("polling a load does not start one")

    def load_status(self, load_id: str) -> LoadStatus:
        assert load_id == self.status.load_id
        return self.status


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    for name, value in {
        "POWERTOOLS_SERVICE_NAME": "neptune_load_status",
        "POWERTOOLS_METRICS_NAMESPACE": "LoyaltyMaximizer",
        "NEPTUNE_ENDPOINT": "http://127.0.0.1:8182",
    }.items():
        monkeypatch.setenv(name, value)
    return load_handler("neptune_load_status")


def _loading(
    handler: ModuleType,
    monkeypatch: pytest.MonkeyPatch,
    status: str,
    errors: tuple[dict[str, Any], ...] = (),
) -> None:
    loader = FakeLoader(LoadStatus(LOAD_ID, status, 212, list(errors)))
    monkeypatch.setattr(handler, "neptune", lambda: loader)


def test_lambda_handler__in_progress__not_done_and_the_poll_counted(
    handler: ModuleType, monkeypatch: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    _loading(handler, monkeypatch, "LOAD_IN_PROGRESS")
    answer = handler.lambda_handler(load_event("sfn_neptune_load_status"), lambda_context)
    assert answer == {
        "loadId": LOAD_ID,
        "status": "LOAD_IN_PROGRESS",
        "done": False,
        "failed": False,
        "polls": 3,
        "totalRecords": 212,
    }


def test_lambda_handler__completed__done(
    handler: ModuleType, monkeypatch: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    _loading(handler, monkeypatch, "LOAD_COMPLETED")
    answer = handler.lambda_handler({"loadId": LOAD_ID}, lambda_context)
    assert (answer["status"], answer["done"], answer["polls"]) == ("LOAD_COMPLETED", True, 1)


def test_lambda_handler__load_failed__raises_neptune_load_error_with_the_record(
    handler: ModuleType, monkeypatch: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    _loading(handler, monkeypatch, "LOAD_FAILED", (BAD_RECORD,))
    with pytest.raises(Exception, match=r"nodes-Airline\.csv:12: PARSING_ERROR") as caught:
        handler.lambda_handler(load_event("sfn_neptune_load_status"), lambda_context)
    assert type(caught.value).__name__ == "NeptuneLoadError"


def test_lambda_handler__poll_cap_reached__raises_neptune_load_timeout(
    handler: ModuleType, monkeypatch: pytest.MonkeyPatch, lambda_context: LambdaContext
) -> None:
    _loading(handler, monkeypatch, "LOAD_IN_QUEUE")
    event = load_event("sfn_neptune_load_status") | {"maxPolls": 3}
    with pytest.raises(Exception, match="still LOAD_IN_QUEUE after 3 polls") as caught:
        handler.lambda_handler(event, lambda_context)
    assert type(caught.value).__name__ == "NeptuneLoadTimeout"
