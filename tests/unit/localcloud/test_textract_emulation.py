"""The local Textract: asynchronous analysis of a PDF in S3 (moto), its completion message
on SNS (read from a subscribed SQS queue), and an answer that ``read_textract`` reads into
the blocks ``read_pdf`` gives for the same file."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Final

import boto3
import pytest
from botocore.exceptions import ClientError
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from moto import mock_aws

from loyalty_maximizer.documents.errors import DocumentRejected
from loyalty_maximizer.documents.model import Block
from loyalty_maximizer.documents.pdf import read_pdf
from loyalty_maximizer.documents.textract import read_textract
from loyalty_maximizer.localcloud.textract_emulation import (
    TextractEmulation,
    TextractError,
    analyze_pdf,
)

ROOT = Path(__file__).resolve().parents[3]
SAMPLE_PDF = ROOT / "samples" / "documents" / "united-earning-lufthansa.pdf"
CORRUPT_PDF = ROOT / "samples" / "documents" / "bad" / "corrupt.pdf"
REGION: Final = "eu-west-1"
BUCKET = "loyalty-test-documents"
ROLE_ARN = "arn:aws:iam::123456789012:role/textract-sns"
FEATURES: list[Any] = ["TABLES", "LAYOUT"]


@pytest.fixture(scope="module")
def aws() -> Iterator[None]:
    """One moto account for the module (clients are slow to make); tests use their own keys
    and job ids."""
    with pytest.MonkeyPatch.context() as env:
        for name, value in {
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_DEFAULT_REGION": REGION,
        }.items():
            env.setenv(name, value)
        for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL"):
            env.delenv(name, raising=False)
        with mock_aws():
            yield


@pytest.fixture(scope="module")
def s3(aws: None) -> Any:
    client = boto3.client("s3", region_name=REGION)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": REGION})
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return client


@pytest.fixture(scope="module")
def sns(aws: None) -> Any:
    return boto3.client("sns", region_name=REGION)


class Inbox:
    """An SQS queue subscribed to the Textract topic; messages are kept by job id."""

    def __init__(self, sns: Any) -> None:
        self.sqs = boto3.client("sqs", region_name=REGION)
        self.topic_arn = sns.create_topic(Name="textract-done")["TopicArn"]
        self.url = self.sqs.create_queue(QueueName="textract-done")["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=self.url, AttributeNames=["QueueArn"])
        sns.subscribe(
            TopicArn=self.topic_arn, Protocol="sqs", Endpoint=arn["Attributes"]["QueueArn"]
        )
        self.received: list[dict[str, Any]] = []

    def messages(self, *job_ids: str, timeout: float = 15.0) -> list[dict[str, Any]]:
        """The messages about these jobs, once each has one (or the timeout has passed)."""
        deadline = time.monotonic() + timeout
        while True:
            answer = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10)
            for message in answer.get("Messages", []):
                self.received.append(json.loads(json.loads(message["Body"])["Message"]))
                self.sqs.delete_message(QueueUrl=self.url, ReceiptHandle=message["ReceiptHandle"])
            found = [m for m in self.received if m["JobId"] in job_ids]
            if {m["JobId"] for m in found} >= set(job_ids) or time.monotonic() > deadline:
                return found
            time.sleep(0.05)


@pytest.fixture(scope="module")
def inbox(sns: Any) -> Inbox:
    return Inbox(sns)


@pytest.fixture
def textract(s3: Any, sns: Any) -> Iterator[TextractEmulation]:
    emulation = TextractEmulation(s3, sns, completion_delay=0.05)
    yield emulation
    emulation.wait_for_jobs()


def upload(s3: Any, key: str, data: bytes) -> str:
    return str(s3.put_object(Bucket=BUCKET, Key=key, Body=data)["VersionId"])


def start_request(key: str, topic_arn: str, **extra: Any) -> dict[str, Any]:
    return {
        "DocumentLocation": {"S3Object": {"Bucket": BUCKET, "Name": key}},
        "FeatureTypes": FEATURES,
        "NotificationChannel": {"SNSTopicArn": topic_arn, "RoleArn": ROLE_ARN},
        **extra,
    }


def all_pages(textract: TextractEmulation, job_id: str, max_results: int) -> list[dict[str, Any]]:
    pages = [textract.get_document_analysis({"JobId": job_id, "MaxResults": max_results})]
    while "NextToken" in pages[-1]:
        pages.append(
            textract.get_document_analysis(
                {"JobId": job_id, "MaxResults": max_results, "NextToken": pages[-1]["NextToken"]}
            )
        )
    return pages


def comparable(blocks: list[Block]) -> list[tuple[Any, ...]]:
    """Blocks as both paths give them: Textract's layout has two heading levels."""
    return [(b.kind, b.text, b.rows, b.page, min(b.level or 0, 2)) for b in blocks]


def test_analysis__announced_on_sns_and_paged_reads_as_the_local_pdf_path(
    s3: Any, inbox: Inbox, textract: TextractEmulation
) -> None:
    # GIVEN the United earning PDF (a title, sections, a ruled table) in the bucket
    raw = SAMPLE_PDF.read_bytes()
    upload(s3, "raw/united.pdf", raw)
    # WHEN its analysis is started with a job tag
    job_id = textract.start_document_analysis(
        start_request("raw/united.pdf", inbox.topic_arn, JobTag="united-0f3a9c1d2e4b5a69")
    )["JobId"]
    # THEN Textract's completion message arrives on the topic
    [message] = inbox.messages(job_id)
    assert message["Status"] == "SUCCEEDED"
    assert message["API"] == "StartDocumentAnalysis"
    assert message["JobTag"] == "united-0f3a9c1d2e4b5a69"
    assert message["DocumentLocation"] == {"S3ObjectName": "raw/united.pdf", "S3Bucket": BUCKET}
    assert isinstance(message["Timestamp"], int)
    # AND the answer comes in pages of at most 40 blocks, chained by NextToken
    pages = all_pages(textract, job_id, 40)
    assert len(pages) > 3
    assert all(len(page["Blocks"]) <= 40 for page in pages)
    assert all(page["JobStatus"] == "SUCCEEDED" for page in pages)
    assert all(page["DocumentMetadata"] == {"Pages": 1} for page in pages)
    assert "NextToken" not in pages[-1]
    ids = [block["Id"] for page in pages for block in page["Blocks"]]
    assert len(ids) == len(set(ids))
    # AND read_textract reads them into the blocks read_pdf gives for the file
    blocks = read_textract(pages)
    assert comparable(blocks) == comparable(read_pdf(raw))
    [table] = [b for b in blocks if b.kind == "table"]
    assert table.rows[:3] == [
        ["Cabin", "Fare class", "Award miles (% of distance)", "PQP per 100 miles flown"],
        ["First", "F, A", "150%", "30"],
        ["Business", "J, C, D, Z, P", "125%", "25"],
    ]
    headings = [(b.text, b.level) for b in blocks if b.kind == "heading"]
    assert headings[:2] == [
        ("Earn MileagePlus award miles on Lufthansa", 1),
        ("Tickets marketed by United", 2),
    ]


def test_blocks__have_textract_geometry_and_relationships(
    s3: Any, inbox: Inbox, textract: TextractEmulation
) -> None:
    upload(s3, "raw/united.pdf", SAMPLE_PDF.read_bytes())
    job_id = textract.start_document_analysis(start_request("raw/united.pdf", inbox.topic_arn))
    inbox.messages(job_id["JobId"])
    [page] = all_pages(textract, job_id["JobId"], 1000)
    by_id = {block["Id"]: block for block in page["Blocks"]}
    kinds = {block["BlockType"] for block in page["Blocks"]}
    assert {"PAGE", "LINE", "WORD", "TABLE", "CELL", "LAYOUT_TITLE", "LAYOUT_TEXT"} <= kinds
    for block in page["Blocks"]:
        box = block["Geometry"]["BoundingBox"]
        assert all(0.0 <= box[k] <= 1.0 for k in ("Width", "Height", "Left", "Top"))
        assert len(block["Geometry"]["Polygon"]) == 4
        assert block["Page"] == 1

    def children(block: dict[str, Any]) -> list[dict[str, Any]]:
        return [by_id[i] for r in block.get("Relationships", []) for i in r["Ids"]]

    [page_block] = [b for b in page["Blocks"] if b["BlockType"] == "PAGE"]
    assert {"LINE", "TABLE"} <= {b["BlockType"] for b in children(page_block)}
    for line in (b for b in page["Blocks"] if b["BlockType"] == "LINE"):
        words = children(line)
        assert {w["BlockType"] for w in words} == {"WORD"}
        assert " ".join(w["Text"] for w in words) == line["Text"]
        assert 90 < line["Confidence"] <= 100
    [table] = [b for b in page["Blocks"] if b["BlockType"] == "TABLE"]
    cells = children(table)
    assert {c["BlockType"] for c in cells} == {"CELL"}
    [expected] = [b for b in read_pdf(SAMPLE_PDF.read_bytes()) if b.kind == "table"]
    assert max(c["RowIndex"] for c in cells) == len(expected.rows)
    assert max(c["ColumnIndex"] for c in cells) == len(expected.rows[0])
    first = next(c for c in cells if (c["RowIndex"], c["ColumnIndex"]) == (1, 2))
    assert [w["Text"] for w in children(first)] == ["Fare", "class"]


def merged_table_pdf() -> bytes:
    """A page with a title, a bold line, a paragraph, bullets and a table whose last row
    spans two columns."""
    pdf = FPDF()
    pdf.set_auto_page_break(auto=False)
    pdf.add_page()

    def line(text: str, size: float = 11, style: str = "", height: float = 7) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.cell(0, height, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line("Qatar Airways partner earning", size=20, height=12)
    line("Important", style="B")
    line("Award miles depend on the booking class.")
    pdf.ln(6)
    line("- Status bonus miles do not count.")
    line("- Award tickets earn nothing.")
    pdf.ln(6)
    with pdf.table() as table:
        for cells in (["Cabin", "Booking class", "Award miles"], ["Business", "J, C, D", "150%"]):
            row = table.row()
            for text in cells:
                row.cell(text)
        row = table.row()
        row.cell("Basic Economy")
        row.cell("Not eligible", colspan=2)
    return bytes(pdf.output())


SMALL_PDF = merged_table_pdf()


def test_merged_cells_bold_headings_and_bullets__read_as_the_local_pdf_path() -> None:
    # GIVEN a PDF with a bold heading, bullets and a cell spanning two columns
    raw = merged_table_pdf()
    # WHEN it is analysed (no AWS needed for the analysis itself)
    pages, blocks = analyze_pdf(raw, FEATURES, seed="job")
    # THEN a MERGED_CELL spans the two columns, over the cells it covers
    [merged] = [b for b in blocks if b["BlockType"] == "MERGED_CELL"]
    assert (merged["RowIndex"], merged["ColumnIndex"]) == (3, 2)
    assert (merged["RowSpan"], merged["ColumnSpan"]) == (1, 2)
    assert len(merged["Relationships"][0]["Ids"]) == 2
    # AND the answer reads as read_pdf reads the file
    read = read_textract([{"Blocks": blocks, "JobStatus": "SUCCEEDED"}])
    assert pages == 1
    assert comparable(read) == comparable(read_pdf(raw))
    assert [b.text for b in read if b.kind == "list_item"] == [
        "Status bonus miles do not count.",
        "Award tickets earn nothing.",
    ]
    [table] = [b for b in read if b.kind == "table"]
    assert table.rows[-1] == ["Basic Economy", "Not eligible", "Not eligible"]


def test_without_layout__no_layout_blocks_and_tables_only_when_asked() -> None:
    raw = merged_table_pdf()
    _, tables_only = analyze_pdf(raw, ["TABLES"])
    _, forms_only = analyze_pdf(raw, ["FORMS"])
    assert not any(b["BlockType"].startswith("LAYOUT_") for b in tables_only)
    assert any(b["BlockType"] == "TABLE" for b in tables_only)
    assert not any(b["BlockType"] in ("TABLE", "CELL") for b in forms_only)
    assert {b["Text"] for b in forms_only if b["BlockType"] == "LINE"} >= {"Basic Economy"}


def test_corrupt_pdf__job_fails_with_a_status_message(
    s3: Any, inbox: Inbox, textract: TextractEmulation
) -> None:
    upload(s3, "raw/corrupt.pdf", CORRUPT_PDF.read_bytes())
    job_id = textract.start_document_analysis(
        start_request("raw/corrupt.pdf", inbox.topic_arn, JobTag="corrupt-1")
    )["JobId"]
    [message] = inbox.messages(job_id)
    assert (message["Status"], message["JobTag"]) == ("FAILED", "corrupt-1")
    answer = textract.get_document_analysis({"JobId": job_id, "MaxResults": 1})
    assert answer["JobStatus"] == "FAILED"
    assert "unsupported document format" in answer["StatusMessage"]
    assert "Blocks" not in answer
    with pytest.raises(DocumentRejected, match="Textract analysis failed"):
        read_textract([answer])


def test_object_version__the_version_asked_for_is_read(
    s3: Any, inbox: Inbox, textract: TextractEmulation
) -> None:
    # GIVEN a good PDF overwritten by a corrupt one
    good = upload(s3, "raw/doc.pdf", SMALL_PDF)
    upload(s3, "raw/doc.pdf", CORRUPT_PDF.read_bytes())
    request = start_request("raw/doc.pdf", inbox.topic_arn)
    request["DocumentLocation"]["S3Object"]["Version"] = good
    # WHEN the good version is analysed
    job_id = textract.start_document_analysis(request)["JobId"]
    # THEN the job succeeds
    [message] = inbox.messages(job_id)
    assert message["Status"] == "SUCCEEDED"


def test_in_progress__until_the_job_ends(s3: Any, sns: Any, inbox: Inbox) -> None:
    emulation = TextractEmulation(s3, sns, completion_delay=0.6)
    upload(s3, "raw/small.pdf", SMALL_PDF)
    job_id = emulation.start_document_analysis(start_request("raw/small.pdf", inbox.topic_arn))[
        "JobId"
    ]
    answer = emulation.get_document_analysis({"JobId": job_id})
    assert answer["JobStatus"] == "IN_PROGRESS"
    assert "Blocks" not in answer
    assert inbox.messages(job_id, timeout=0.2) == []  # not announced before it ends
    emulation.wait_for_jobs()
    assert emulation.get_document_analysis({"JobId": job_id})["JobStatus"] == "SUCCEEDED"
    assert len(inbox.messages(job_id)) == 1


def test_client_request_token__same_request_same_job(
    s3: Any, inbox: Inbox, textract: TextractEmulation
) -> None:
    upload(s3, "raw/small.pdf", SMALL_PDF)
    request = start_request("raw/small.pdf", inbox.topic_arn, ClientRequestToken="run-1")
    first = textract.start_document_analysis(request)["JobId"]
    again = textract.start_document_analysis(request)["JobId"]
    other = textract.start_document_analysis(start_request("raw/small.pdf", inbox.topic_arn))
    assert first == again != other["JobId"]
    with pytest.raises(TextractError) as refused:
        textract.start_document_analysis({**request, "JobTag": "another"})
    assert refused.value.code == "IdempotentParameterMismatchException"
    textract.wait_for_jobs()
    messages = inbox.messages(first, other["JobId"], timeout=1.0)
    assert sorted(m["JobId"] for m in messages) == sorted([first, other["JobId"]])


def test_unknown_job_id__invalid_job_id_exception(textract: TextractEmulation) -> None:
    with pytest.raises(TextractError) as error:
        textract.get_document_analysis({"JobId": "0" * 64})
    assert error.value.code == "InvalidJobIdException"
    status, body = textract.handle("Textract.GetDocumentAnalysis", {"JobId": "0" * 64})
    assert status == 400
    assert body == {"__type": "InvalidJobIdException", "message": "Request has invalid Job Id"}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            {"DocumentLocation": {"S3Object": {"Bucket": BUCKET, "Name": "raw/missing.pdf"}}},
            "InvalidS3ObjectException",
        ),
        ({"FeatureTypes": []}, "InvalidParameterException"),
        ({"FeatureTypes": ["TABLES", "PICTURES"]}, "InvalidParameterException"),
        ({"JobTag": "x" * 65}, "InvalidParameterException"),
        ({"ClientRequestToken": "run.1"}, "InvalidParameterException"),
        ({"NotificationChannel": {"SNSTopicArn": "topic"}}, "InvalidParameterException"),
    ],
)
def test_start__refuses_what_textract_refuses(
    s3: Any, inbox: Inbox, textract: TextractEmulation, change: dict[str, Any], code: str
) -> None:
    upload(s3, "raw/small.pdf", SMALL_PDF)
    status, body = textract.handle(
        "Textract.StartDocumentAnalysis",
        start_request("raw/small.pdf", inbox.topic_arn) | change,
    )
    assert (status, body["__type"]) == (400, code)


def test_get__bad_token_and_unknown_operation(
    s3: Any, inbox: Inbox, textract: TextractEmulation
) -> None:
    upload(s3, "raw/small.pdf", SMALL_PDF)
    job_id = textract.start_document_analysis(start_request("raw/small.pdf", inbox.topic_arn))[
        "JobId"
    ]
    textract.wait_for_jobs()
    status, body = textract.handle(
        "Textract.GetDocumentAnalysis", {"JobId": job_id, "NextToken": "not-a-token"}
    )
    assert (status, body["__type"]) == (400, "InvalidParameterException")
    status, body = textract.handle("Textract.AnalyzeExpense", {})
    assert (status, body["__type"]) == (400, "UnknownOperationException")


# --- a boto3 client against ``handle`` ------------------------------------------------------


class _TextractHandler(BaseHTTPRequestHandler):
    emulation: TextractEmulation

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
        status, answer = self.emulation.handle(self.headers.get("X-Amz-Target", ""), body)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/x-amz-json-1.1")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def textract_endpoint(textract: TextractEmulation) -> Iterator[str]:
    handler = type("Handler", (_TextractHandler,), {"emulation": textract})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_boto3_client__talks_to_the_emulation(
    s3: Any, inbox: Inbox, textract_endpoint: str
) -> None:
    client = boto3.client("textract", region_name=REGION, endpoint_url=textract_endpoint)
    upload(s3, "raw/united.pdf", SAMPLE_PDF.read_bytes())
    job_id = client.start_document_analysis(
        DocumentLocation={"S3Object": {"Bucket": BUCKET, "Name": "raw/united.pdf"}},
        FeatureTypes=FEATURES,
        NotificationChannel={"SNSTopicArn": inbox.topic_arn, "RoleArn": ROLE_ARN},
        JobTag="united-1",
        ClientRequestToken="united-1",
    )["JobId"]
    [message] = inbox.messages(job_id)
    assert message["Status"] == "SUCCEEDED"
    pages = [client.get_document_analysis(JobId=job_id, MaxResults=100)]
    while "NextToken" in pages[-1]:
        pages.append(client.get_document_analysis(JobId=job_id, NextToken=pages[-1]["NextToken"]))
    assert len(pages) > 1
    assert comparable(read_textract(pages)) == comparable(read_pdf(SAMPLE_PDF.read_bytes()))
    with pytest.raises(client.exceptions.InvalidJobIdException):
        client.get_document_analysis(JobId="unknown")
    with pytest.raises(ClientError) as refused:
        client.start_document_analysis(
            DocumentLocation={"S3Object": {"Bucket": BUCKET, "Name": "raw/none.pdf"}},
            FeatureTypes=FEATURES,
        )
    assert refused.value.response["Error"]["Code"] == "InvalidS3ObjectException"
