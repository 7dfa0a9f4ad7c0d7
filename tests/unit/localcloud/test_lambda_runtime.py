"""The local Lambda service runs deployed zips in warm workers with Lambda's answer shapes."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from loyalty_maximizer.localcloud.lambda_runtime import FunctionSpec, LambdaRuntime

HANDLER = """
import os, sys, time
import greeting  # from the layer

calls = 0

class DocumentRejected(Exception):
    pass

def lambda_handler(event, context):
    global calls
    calls += 1
    print("log line from the handler")
    if event.get("fail"):
        raise DocumentRejected("unsupported file type ('.exe')")
    if event.get("sleep"):
        time.sleep(event["sleep"])
    if event.get("exit"):
        sys.exit(3)
    if event.get("unserialisable"):
        return {"value": object()}
    return {
        "greeting": greeting.hello(event["name"]),
        "calls": calls,
        "function": context.function_name,
        "remaining": context.get_remaining_time_in_millis() > 0,
        "env": os.environ["TABLE"],
        "endpoint": os.environ["AWS_ENDPOINT_URL"],
        "sees_venv": any("site-packages" in p for p in sys.path),
    }
"""


def _zip(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LambdaRuntime]:
    work = tmp_path_factory.mktemp("lambda")
    service = LambdaRuntime(work, endpoint_url="http://127.0.0.1:1", region="eu-west-1")
    yield service
    service.close()


def _spec(**overrides: object) -> FunctionSpec:
    values: dict[str, object] = {
        "name": "loyalty-test-greeter",
        "arn": "arn:aws:lambda:eu-west-1:123456789012:function:loyalty-test-greeter:live",
        "version": "1",
        "handler": "handler.lambda_handler",
        "code": _zip({"handler.py": HANDLER}),
        "layers": (_zip({"python/greeting.py": "def hello(n):\n    return f'hello {n}'\n"}),),
        "environment": {"TABLE": "profiles"},
        "timeout_s": 15,  # generous: a loaded CI machine must not turn a call into a timeout
    }
    values.update(overrides)
    return FunctionSpec(**values)  # type: ignore[arg-type]


def test_invoke__runs_the_zip_with_its_layer_and_environment(runtime: LambdaRuntime) -> None:
    answer = runtime.invoke(_spec(), json.dumps({"name": "Ada"}).encode())

    assert answer.function_error is None
    body = answer.json()
    assert body["greeting"] == "hello Ada"
    assert body["function"] == "loyalty-test-greeter"
    assert body["env"] == "profiles"
    assert body["endpoint"] == "http://127.0.0.1:1"
    assert body["remaining"] is True
    assert body["sees_venv"] is False


def test_invoke__reuses_a_warm_worker(runtime: LambdaRuntime) -> None:
    first = runtime.invoke(_spec(version="2"), b'{"name": "a"}').json()["calls"]
    second = runtime.invoke(_spec(version="2"), b'{"name": "b"}').json()["calls"]

    assert second == first + 1


def test_invoke__handler_exception_is_lambdas_error_shape(runtime: LambdaRuntime) -> None:
    answer = runtime.invoke(_spec(), b'{"fail": true}')

    assert answer.function_error == "Unhandled"
    error = answer.json()
    assert error["errorType"] == "DocumentRejected"
    assert error["errorMessage"] == "unsupported file type ('.exe')"
    assert error["stackTrace"]


def test_invoke__timeout_kills_the_worker_and_the_next_call_starts_fresh(
    runtime: LambdaRuntime,
) -> None:
    spec = _spec(version="3", timeout_s=1)

    answer = runtime.invoke(spec, b'{"sleep": 3}')
    after = runtime.invoke(spec, b'{"name": "x"}')

    assert answer.function_error == "Unhandled"
    assert "Task timed out after 1.00 seconds" in answer.json()["errorMessage"]
    assert after.json()["calls"] == 1


def test_invoke__exit_and_unserialisable_results_are_runtime_errors(
    runtime: LambdaRuntime,
) -> None:
    marshal = runtime.invoke(_spec(version="4"), b'{"unserialisable": true}').json()
    exited = runtime.invoke(_spec(version="4"), b'{"exit": true}').json()

    assert marshal["errorType"] == "Runtime.MarshalError"
    assert exited["errorType"] == "Runtime.ExitError"


def test_invoke__import_error_is_reported_on_every_call(runtime: LambdaRuntime) -> None:
    spec = _spec(version="5", code=_zip({"handler.py": "import not_packaged\n"}))

    answers = [runtime.invoke(spec, b"{}").json() for _ in range(2)]

    assert [a["errorType"] for a in answers] == ["Runtime.ImportModuleError"] * 2
    assert "not_packaged" in answers[0]["errorMessage"]


def test_invoke__handler_prints_go_to_the_function_log(runtime: LambdaRuntime) -> None:
    runtime.invoke(_spec(), b'{"name": "log"}')

    log = Path(runtime.work_dir, "logs", "loyalty-test-greeter.log").read_text()
    assert "log line from the handler" in log
