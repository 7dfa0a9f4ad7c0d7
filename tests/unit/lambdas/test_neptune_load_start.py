"""neptune_load_start: the run's Neptune bulk load started with the loader role."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType

import pytest
from tests.unit.lambdas.conftest import LambdaContext, load_event, load_handler

from loyalty_maximizer.graph.neptune import LoadStatus

BUCKET = "loyalty-dev-documents-123456789012"
ROLE = "arn:aws:iam::123456789012:role/loyalty-dev-neptune-loader"
LOAD_ID = "ef478d76-d9da-4d94-8ff1-08d9d4863aa5"


@dataclass
class FakeLoader:
    """``NeptuneClient``'s loader calls, recorded."""

    started: list[tuple[str, str]] = field(default_factory=list)

    def start_load(self, source: str, iam_role_arn: str) -> str:
        self.started.append((source, iam_role_arn))
        return LOAD_ID

    def load_status(self, load_id: str) -> LoadStatus:
        raise AssertionError("starting a load does not poll it")


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "eu-west-1",
        "POWERTOOLS_SERVICE_NAME": "neptune_load_start",
        "POWERTOOLS_METRICS_NAMESPACE": "LoyaltyMaximizer",
        "DOCUMENTS_BUCKET": BUCKET,
        "NEPTUNE_ENDPOINT": "http://127.0.0.1:8182",
        "NEPTUNE_LOADER_ROLE_ARN": ROLE,
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def loader() -> FakeLoader:
    return FakeLoader()


@pytest.fixture
def handler(environment: None, loader: FakeLoader, monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    module = load_handler("neptune_load_start")
    monkeypatch.setattr(module, "neptune", lambda: loader)
    return module


def test_lambda_handler__starts_the_load_of_the_runs_folder(
    handler: ModuleType, loader: FakeLoader, lambda_context: LambdaContext
) -> None:
    # WHEN the StartNeptuneLoad state runs
    answer = handler.lambda_handler(load_event("sfn_neptune_load_start"), lambda_context)
    # THEN the run's CSV folder is loaded with the loader role, and the load id comes back
    assert answer == {"loadId": LOAD_ID, "polls": 0}
    run = "aa-earning-aa-flights-a363d3845f8511b3"
    assert loader.started == [(f"s3://{BUCKET}/neptune-load/{run}/", ROLE)]


def test_lambda_handler__no_source__the_runs_folder_in_the_documents_bucket(
    handler: ModuleType, loader: FakeLoader, lambda_context: LambdaContext
) -> None:
    handler.lambda_handler({"runId": "run-7"}, lambda_context)
    assert loader.started == [(f"s3://{BUCKET}/neptune-load/run-7/", ROLE)]


def test_neptune__client_for_the_endpoint_and_region_made_once(environment: None) -> None:
    module = load_handler("neptune_load_start")
    client = module.neptune()
    assert (client.base_url, client.region) == ("http://127.0.0.1:8182", "eu-west-1")
    assert module.neptune() is client
