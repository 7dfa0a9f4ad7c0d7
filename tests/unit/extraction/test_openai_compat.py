"""The OpenAI-compatible extractor against a local fake chat-completions server that
records each request and answers with canned completions, never a live model."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from loyalty_maximizer.documents.model import Block, PreparedDocument
from loyalty_maximizer.extraction.catalogue import Catalogue
from loyalty_maximizer.extraction.model_output import SYSTEM_PROMPT, CallPacing, tool_input_schema
from loyalty_maximizer.extraction.openai_compat import (
    OpenAICompatibleExtractor,
    chat_completions_url,
)
from loyalty_maximizer.facts.models import (
    FACT_ADAPTER,
    Airline,
    FactModel,
    LoyaltyProgram,
    WebSourceDocument,
)

DATA = Path(__file__).parent / "data"
DOC_ID = "chase-partners"
MODEL = "qwen2.5-7b-instruct"


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    records = json.loads((DATA / "catalogue.json").read_text())
    return Catalogue.build(
        [LoyaltyProgram.model_validate(r) for r in records["programs"]],
        [Airline.model_validate(r) for r in records["airlines"]],
    )


@dataclass
class Answer:
    status: int
    body: str
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class FakeChatServer:
    """``POST /v1/chat/completions`` answered from a script, one answer per request."""

    base_url: str = ""
    answers: list[Answer] = field(default_factory=list)
    received: list[Received] = field(default_factory=list)

    def answer(self, status: int, body: object, **headers: str) -> None:
        text = body if isinstance(body, str) else json.dumps(body)
        self.answers.append(Answer(status, text, headers))

    def answer_arguments(self, arguments: str, finish_reason: str = "tool_calls") -> None:
        self.answer(
            200,
            {
                "id": "chatcmpl-1",
                "object": "chat.completion",
                "model": MODEL,
                "choices": [
                    {
                        "index": 0,
                        "message": {
                            "role": "assistant",
                            "content": None,
                            "tool_calls": [
                                {
                                    "id": "call_0",
                                    "type": "function",
                                    "function": {"name": "record_facts", "arguments": arguments},
                                }
                            ],
                        },
                        "finish_reason": finish_reason,
                    }
                ],
            },
        )


@pytest.fixture
def server() -> Iterator[FakeChatServer]:
    fake = FakeChatServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length))
            fake.received.append(Received(self.path, dict(self.headers.items()), body))
            answer = (
                fake.answers.pop(0)
                if fake.answers
                else Answer(500, '{"error": "no answer scripted"}')
            )
            payload = answer.body.encode()
            self.send_response(answer.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in answer.headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
    )
    thread.start()
    fake.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    try:
        yield fake
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        yield session


def document() -> PreparedDocument:
    return PreparedDocument(
        document_id=DOC_ID,
        document_type="html",
        content_hash="0" * 64,
        blocks=[
            Block(kind="heading", text="Ultimate Rewards transfer partners", level=1),
            Block(
                kind="table",
                rows=[["Partner", "Ratio"], ["United MileagePlus", "1:1"]],
            ),
        ],
    )


def transfer_arguments() -> str:
    facts = [
        {
            "type": "transferPartnership",
            "fromProgramId": "CHASE_UR",
            "toProgramId": "UA_MILEAGEPLUS",
            "ratioFrom": 1,
            "ratioTo": 1,
        }
    ]
    return json.dumps({"facts": facts})


def sourced(items: str) -> list[FactModel]:
    return [
        FACT_ADAPTER.validate_json(json.dumps({**item, "sourceDocumentId": DOC_ID}))
        for item in json.loads(items)["facts"]
    ]


def extractor(
    server: FakeChatServer,
    http: requests.Session,
    catalogue: Catalogue,
    **options: Any,
) -> OpenAICompatibleExtractor:
    return OpenAICompatibleExtractor(server.base_url, MODEL, catalogue, http=http, **options)


def test_extract__records_the_facts_of_the_tool_call(
    server: FakeChatServer, http: requests.Session, catalogue: Catalogue
) -> None:
    # GIVEN a server answering with the recorded completion
    recorded = json.loads((DATA / "openai_chat_completion_chase_transfer.json").read_text())
    server.answer(200, recorded)
    # WHEN the page is extracted with an API key and a 1,024-token bound
    out = extractor(server, http, catalogue, api_key="sk-local", max_tokens=1024).extract(
        document()
    )
    # THEN the completion's facts follow the document record, with the tokens used
    arguments = recorded["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"]
    assert out.facts == [
        WebSourceDocument(document_id=DOC_ID, document_type="html"),
        *sourced(arguments),
    ]
    assert out.warnings == []
    assert out.usage == {"inputTokens": 2410, "outputTokens": 171, "totalTokens": 2581}
    # AND the request forced the function, whose parameters are the facts schema
    (request,) = server.received
    assert request.path == "/v1/chat/completions"
    assert request.headers["Authorization"] == "Bearer sk-local"
    assert request.body["model"] == MODEL
    assert request.body["max_tokens"] == 1024
    assert request.body["temperature"] == 0
    assert request.body["tool_choice"] == {
        "type": "function",
        "function": {"name": "record_facts"},
    }
    (tool,) = request.body["tools"]
    assert tool["type"] == "function"
    assert tool["function"]["name"] == "record_facts"
    assert tool["function"]["parameters"] == tool_input_schema()
    system, user = request.body["messages"]
    assert system == {"role": "system", "content": SYSTEM_PROMPT}
    assert user["role"] == "user"
    assert "| United MileagePlus | 1:1 |" in user["content"].split("<document>")[1]


def test_extract__waits_as_long_as_retry_after_says(
    server: FakeChatServer, http: requests.Session, catalogue: Catalogue
) -> None:
    # GIVEN a server that is rate limited for 7 seconds, then answers
    server.answer(429, {"error": {"message": "rate limited"}}, Retry_After="7")
    server.answer_arguments(transfer_arguments())
    sleeps: list[float] = []
    # WHEN extracted
    out = extractor(server, http, catalogue, pacing=CallPacing(sleep=sleeps.append)).extract(
        document()
    )
    # THEN it waited the 7 seconds once, then kept the facts of the second answer
    assert sleeps == [7.0]
    assert len(server.received) == 2
    assert out.facts[1:] == sourced(transfer_arguments())
    assert out.warnings == []


def test_extract__gives_up_after_repeated_server_errors(
    server: FakeChatServer, http: requests.Session, catalogue: Catalogue
) -> None:
    # GIVEN a server failing with 500 three times, and two retries allowed
    for _ in range(3):
        server.answer(500, {"error": "model crashed"})
    sleeps: list[float] = []
    # WHEN extracted
    out = extractor(
        server,
        http,
        catalogue,
        pacing=CallPacing(max_retries=2, sleep=sleeps.append, random=lambda: 0.0),
    ).extract(document())
    # THEN it tried three times with backoff, and reports the chunk lost
    assert len(server.received) == 3
    assert sleeps == [0.5, 1.0]
    assert [type(f) for f in out.facts] == [WebSourceDocument]
    assert out.warnings == [
        f"chunk 1/1: HTTP 500 from {server.base_url}/v1/chat/completions; "
        "gave up after 3 attempt(s)"
    ]


def test_extract__reports_arguments_that_are_not_json(
    server: FakeChatServer, http: requests.Session, catalogue: Catalogue
) -> None:
    # GIVEN a model whose arguments were cut off mid-object
    server.answer_arguments('{"facts": [{"type": "transferPartnership", "fromPro', "length")
    # WHEN extracted
    out = extractor(server, http, catalogue).extract(document())
    # THEN nothing is extracted, and both the truncation and the bad JSON are reported
    assert [type(f) for f in out.facts] == [WebSourceDocument]
    assert out.warnings == [
        "chunk 1/1: the answer was cut off at max_tokens; facts of this chunk may be missing",
        "chunk 1/1: record_facts arguments are not valid JSON (Unterminated string starting "
        "at: line 1 column 44 (char 43)): "
        '\'{"facts": [{"type": "transferPartnership", "fromPro\'',
    ]


def test_extract__does_not_retry_a_client_error(
    server: FakeChatServer, http: requests.Session, catalogue: Catalogue
) -> None:
    # GIVEN a server that does not know the model
    server.answer(404, {"error": {"message": "model 'qwen2.5-7b-instruct' not found"}})
    sleeps: list[float] = []
    # WHEN extracted
    out = extractor(server, http, catalogue, pacing=CallPacing(sleep=sleeps.append)).extract(
        document()
    )
    # THEN it asked once and reports the server's answer
    assert len(server.received) == 1
    assert sleeps == []
    assert out.warnings == [
        f"chunk 1/1: HTTP 404 from {server.base_url}/v1/chat/completions: "
        '{"error": {"message": "model \'qwen2.5-7b-instruct\' not found"}}'
    ]


def test_extract__reports_an_answer_without_the_tool_call(
    server: FakeChatServer, http: requests.Session, catalogue: Catalogue
) -> None:
    # GIVEN a model that answers in prose
    server.answer(
        200,
        {"choices": [{"message": {"role": "assistant", "content": "Sure! Chase transfers..."}}]},
    )
    # WHEN extracted
    out = extractor(server, http, catalogue).extract(document())
    # THEN nothing is extracted, and the prose is quoted
    assert [type(f) for f in out.facts] == [WebSourceDocument]
    assert out.warnings == [
        "chunk 1/1: the model did not call record_facts: 'Sure! Chase transfers...'"
    ]


@pytest.mark.parametrize(
    ("base_url", "url"),
    [
        ("http://127.0.0.1:8080", "http://127.0.0.1:8080/v1/chat/completions"),
        ("http://127.0.0.1:8080/", "http://127.0.0.1:8080/v1/chat/completions"),
        ("https://api.example.com/v1", "https://api.example.com/v1/chat/completions"),
        ("https://api.example.com/v1/", "https://api.example.com/v1/chat/completions"),
    ],
)
def test_chat_completions_url__adds_v1_only_when_missing(base_url: str, url: str) -> None:
    # GIVEN a base URL with or without /v1 / WHEN the endpoint is built / THEN one /v1
    assert chat_completions_url(base_url) == url
