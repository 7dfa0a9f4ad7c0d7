"""The whole system in the local cloud, from a curator's upload to a traveller's answer,
through the same S3 notifications, state machines, Lambda zips, Glue scripts and HTTP API
as on AWS (see conftest.py for the session's deployment and its uploads).

The tests run in file order: the last one breaks the extract job on purpose and restores it.
"""

from __future__ import annotations

import gzip
import json
import time
from importlib import resources
from typing import Any

import jwt
import pytest

from loyalty_maximizer.localcloud.deployment import (
    ApiError,
    graph_size,
    terraform_plan_changes,
    upload_documents,
    wait_for_ingestion,
)

from .conftest import CORRUPT, DOCUMENTS, HTML, PDF, Batch, Cloud

pytestmark = pytest.mark.e2e


def _execution_names(cloud: Cloud) -> list[str]:
    sfn = cloud.client("stepfunctions")
    pages = sfn.get_paginator("list_executions").paginate(
        stateMachineArn=cloud.deployment.ingestion_state_machine_arn
    )
    return [e["name"] for page in pages for e in page["executions"]]


def _keys(cloud: Cloud, prefix: str) -> list[str]:
    s3 = cloud.client("s3")
    pages = s3.get_paginator("list_objects_v2").paginate(
        Bucket=cloud.deployment.documents_bucket, Prefix=prefix
    )
    return [item["Key"] for page in pages for item in page.get("Contents", [])]


# Terraform ------------------------------------------------------------------------------------


def test_a_second_terraform_plan_changes_nothing(cloud: Cloud) -> None:
    changes = terraform_plan_changes(
        cloud.endpoints, cloud.state_dir / "terraform.tfstate", cloud.state_dir / "terraform.log"
    )
    assert changes == 0, f"see {cloud.state_dir / 'terraform.log'}"


# An HTML page and a PDF become facts the API answers from -----------------------------------


def test_an_html_page_ends_as_graph_facts_the_api_answers_from(
    cloud: Cloud, batch: Batch, traveller: tuple[str, str]
) -> None:
    outcome = batch.outcomes[HTML.stem]
    assert outcome["status"] == "ingested", outcome
    assert outcome["factsByType"]["awardPrice"] > 0

    api = cloud.api(traveller[1])
    answer = api.request(
        "POST",
        "/v1/tools/query_loyalty_knowledge",
        {"question": "Virgin Atlantic Flying Club business class awards", "limit": 20},
    )
    # the page's passages are in the graph, found and cited
    assert HTML.stem in {p["documentId"] for p in answer["passages"]}, answer["passages"]
    assert HTML.stem in {c["documentId"] for c in answer["citations"]}


def test_a_pdf_ends_as_graph_facts_the_api_answers_from(
    cloud: Cloud, batch: Batch, traveller: tuple[str, str]
) -> None:
    outcome = batch.outcomes[PDF.stem]
    assert outcome["status"] == "ingested", outcome
    assert _keys(cloud, f"textract-output/{PDF.stem}")  # it went through Textract

    api = cloud.api(traveller[1])
    answer = api.request(
        "POST",
        "/v1/tools/calculate_flight_earnings",
        {
            "flightItinerary": {
                "segments": [
                    {
                        "marketingCarrier": "LH",
                        "operatingCarrier": "LH",
                        "flightNumber": "778",
                        "originAirport": "FRA",
                        "destinationAirport": "SIN",
                        "fareClass": "K",
                        "travelDate": "2026-12-01",
                    }
                ]
            },
            "targetLoyaltyPrograms": ["UA_MILEAGEPLUS"],
        },
    )
    (option,) = answer["earningOptions"]
    # the PDF's rule (extracted rule ids start with the document's id): Lufthansa-operated,
    # fare classes S/T/L/K, 25% of the distance
    assert option["segments"][0]["ruleId"].startswith(PDF.stem)
    assert option["redeemableCurrency"]["amountEarned"] == round(
        option["calculatedDistanceMiles"] * 0.25
    )


def test_a_conversation_turn_answers_from_the_ingested_pdf(
    cloud: Cloud, batch: Batch, traveller: tuple[str, str]
) -> None:
    api = cloud.api(traveller[1])
    created = api.start_conversation(
        "How many miles would I earn on Lufthansa FRA to SIN in class K credited to MileagePlus?"
    )
    reply = created["reply"]
    assert [c["name"] for c in reply["toolCalls"]] == ["calculate_flight_earnings"]
    assert all(c["ok"] for c in reply["toolCalls"])
    assert "MileagePlus" in reply["answer"]


# A corrupt PDF is quarantined with a reason, and the curator told -----------------------------


def test_a_corrupt_pdf_is_quarantined_with_a_reason_and_the_curator_is_told(
    cloud: Cloud, batch: Batch
) -> None:
    outcome = batch.outcomes[CORRUPT.stem]
    assert outcome["status"] == "quarantined"
    assert "PDF" in outcome["reason"]
    assert f"quarantine/raw/{CORRUPT.name}" in _keys(cloud, "quarantine/raw/")
    record = json.loads(
        cloud.client("s3")
        .get_object(
            Bucket=cloud.deployment.documents_bucket, Key=f"quarantine/{CORRUPT.stem}.json"
        )["Body"]
        .read()
    )
    assert record["reason"] == outcome["reason"]

    told = json.dumps(batch.curator_messages)
    assert CORRUPT.stem in told
    assert "quarantined" in told.lower()
    # ... while the good documents of the same upload landed
    assert {batch.outcomes[p.stem]["status"] for p in (HTML, PDF)} == {"ingested"}


# Re-uploading an unchanged document starts nothing ----------------------------------------------


def test_reuploading_an_unchanged_document_starts_nothing_new(cloud: Cloud, batch: Batch) -> None:
    before = _execution_names(cloud)
    facts_before = _keys(cloud, "extracted-facts/")
    graph_before = graph_size(cloud.deployment.neptune_endpoint)

    upload_documents(cloud.client("s3"), cloud.deployment.documents_bucket, [HTML])
    time.sleep(8)  # the notification reaches the trigger within a second or two

    assert _execution_names(cloud) == before
    assert _keys(cloud, "extracted-facts/") == facts_before
    assert graph_size(cloud.deployment.neptune_endpoint) == graph_before


# The API refuses callers without a valid token, and other users' data ------------------------


def _moto_signing_key() -> tuple[str, str]:
    """moto's Cognito private key (PEM) and its key id: what signs moto's tokens."""
    from cryptography.hazmat.primitives import serialization
    from jwt.algorithms import RSAAlgorithm

    folder = resources.files("moto.cognitoidp") / "resources"
    private = json.loads(gzip.decompress((folder / "jwks-private.json.gz").read_bytes()))
    key: Any = RSAAlgorithm.from_jwk(json.dumps(private))
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return pem, str(private["kid"])


def test_the_api_refuses_a_request_without_a_token(cloud: Cloud) -> None:
    with pytest.raises(ApiError) as refused:
        cloud.api(None).get_profile()
    assert refused.value.status == 401


def test_the_api_refuses_an_expired_token(cloud: Cloud, traveller: tuple[str, str]) -> None:
    claims = jwt.decode(traveller[1], options={"verify_signature": False})
    pem, kid = _moto_signing_key()
    expired = jwt.encode(
        {**claims, "iat": int(time.time()) - 7200, "exp": int(time.time()) - 3600},
        pem,
        algorithm="RS256",
        headers={"kid": kid},
    )
    # the same token, still valid, is accepted: only the expiry differs
    fresh = jwt.encode(
        {**claims, "exp": int(time.time()) + 600}, pem, algorithm="RS256", headers={"kid": kid}
    )
    cloud.api(fresh).request("GET", "/v1/programs")
    with pytest.raises(ApiError) as refused:
        cloud.api(expired).request("GET", "/v1/programs")
    assert refused.value.status == 401


def test_the_api_refuses_another_users_profile(cloud: Cloud, traveller: tuple[str, str]) -> None:
    api = cloud.api(traveller[1])
    api.put_profile({"loyaltyPrograms": [{"programId": "AMEX_MR"}]})

    with pytest.raises(ApiError) as read:
        api.request("POST", "/v1/tools/get_user_profile", {"userId": "someone-else"})
    assert read.value.status == 403
    with pytest.raises(ApiError) as write:
        api.put_profile({"userId": "someone-else", "loyaltyPrograms": []})
    assert write.value.status == 403


# A Glue failure ends in the failure path --------------------------------------------------------

BROKEN_SCRIPT = b'raise RuntimeError("e2e: the extract job is broken on purpose")\n'


def test_a_glue_job_failure_fails_the_execution_into_the_failure_path(cloud: Cloud) -> None:
    glue, s3 = cloud.client("glue"), cloud.client("s3")
    bucket = cloud.deployment.documents_bucket
    job_name = next(n for n in glue.list_jobs()["JobNames"] if n.endswith("-extract-facts"))
    job = glue.get_job(JobName=job_name)["Job"]
    s3.put_object(Bucket=bucket, Key="e2e/broken_extract.py", Body=BROKEN_SCRIPT)
    update = {
        "Role": job["Role"],
        "Command": {**job["Command"], "ScriptLocation": f"s3://{bucket}/e2e/broken_extract.py"},
        "DefaultArguments": job.get("DefaultArguments", {}),
    }
    glue.update_job(JobName=job_name, JobUpdate=update)
    document = DOCUMENTS / "routes-jfk.txt"
    try:
        started = time.time() - 1
        upload_documents(s3, bucket, [document])
        outcomes = wait_for_ingestion(s3, bucket, [document.stem], since=started, timeout=300)
    finally:
        glue.update_job(
            JobName=job_name,
            JobUpdate={**update, "Command": job["Command"]},
        )
    outcome = outcomes[document.stem]
    assert outcome["status"] == "quarantined"
    assert outcome["stage"] == "extraction", outcome
    executions = [
        e
        for e in cloud.client("stepfunctions").list_executions(
            stateMachineArn=cloud.deployment.ingestion_state_machine_arn
        )["executions"]
        if e["name"].startswith(document.stem)
    ]
    assert [e["status"] for e in executions] == ["FAILED"]
