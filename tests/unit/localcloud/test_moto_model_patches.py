"""The local cloud's patches of moto's models (``localcloud.moto_patches``) that keep what
Terraform wrote readable and enforceable as on AWS: bucket policy conditions, log delivery
grants, Lambda dead-letter configuration, descriptions of group-referencing rules."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from loyalty_maximizer.localcloud.moto_patches import (
    condition_holds,
    conditions_hold,
    describe_group_rule_descriptions,
    evaluate_bucket_policy_conditions,
    grants_log_delivery,
    keep_lambda_dead_letter_config,
    tolerate_log_delivery_policies,
)


@pytest.fixture
def fake_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")


# --- S3 bucket policy conditions -----------------------------------------------------------

SECURE = {"aws:SecureTransport": "true"}


@pytest.mark.parametrize(
    ("operator", "key", "expected", "context", "holds"),
    [
        ("Bool", "aws:SecureTransport", "false", SECURE, False),
        ("Bool", "aws:SecureTransport", "true", SECURE, True),
        ("Bool", "aws:securetransport", True, SECURE, True),  # keys ignore case
        ("StringEquals", "aws:SourceAccount", "123456789012", SECURE, False),  # key absent
        ("StringNotEquals", "aws:SourceAccount", "123456789012", SECURE, True),
        ("StringEqualsIfExists", "aws:SourceAccount", "123456789012", SECURE, True),
        (
            "ArnLike",
            "aws:SourceArn",
            ["arn:aws:s3:::docs-*"],
            {"aws:SourceArn": "arn:aws:s3:::docs-1"},
            True,
        ),
        (
            "ArnNotLike",
            "aws:SourceArn",
            "arn:aws:s3:::docs-*",
            {"aws:SourceArn": "arn:aws:s3:::docs-1"},
            False,
        ),
        ("StringLike", "s3:prefix", "raw/?.pdf", {"s3:prefix": "raw/a.pdf"}, True),
        ("Null", "aws:SourceArn", "true", SECURE, True),
        ("Null", "aws:SecureTransport", "true", SECURE, False),
        ("IpAddress", "aws:SourceIp", "10.0.0.0/8", {"aws:SourceIp": "10.1.2.3"}, False),  # unknown
    ],
)
def test_condition_operators(
    operator: str, key: str, expected: Any, context: dict[str, str], holds: bool
) -> None:
    assert condition_holds(operator, key, expected, context) is holds


def test_a_condition_block_holds_only_when_every_operator_does() -> None:
    context = {**SECURE, "aws:SourceAccount": "123456789012"}
    both = {"Bool": {"aws:SecureTransport": "true"}, "StringEquals": {"aws:SourceAccount": "1"}}
    assert conditions_hold(None, context)
    assert conditions_hold({"Bool": {"aws:SecureTransport": "true"}}, context)
    assert not conditions_hold(both, context)


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture
def moto_s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        s3 = boto3.client("s3", region_name="us-east-1")
        s3.create_bucket(Bucket="loyalty-t-documents")
        yield s3


def test_deny_insecure_transport_lets_requests_through(moto_s3: Any) -> None:
    deny_insecure = {
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:*",
        "Resource": ["arn:aws:s3:::loyalty-t-documents", "arn:aws:s3:::loyalty-t-documents/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }
    moto_s3.put_bucket_policy(Bucket="loyalty-t-documents", Policy=_policy(deny_insecure))
    with pytest.raises(ClientError, match="403"):  # moto alone denies everything
        moto_s3.put_object(Bucket="loyalty-t-documents", Key="raw/a.html", Body=b"x")

    with evaluate_bucket_policy_conditions():
        moto_s3.put_object(Bucket="loyalty-t-documents", Key="raw/a.html", Body=b"x")
        assert moto_s3.get_object(Bucket="loyalty-t-documents", Key="raw/a.html")["Body"].read()


def test_an_unconditional_deny_still_denies(moto_s3: Any) -> None:
    deny_raw = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": "arn:aws:s3:::loyalty-t-documents/raw/*",
    }
    secure_deny: dict[str, Any] = {
        **deny_raw,
        "Resource": "arn:aws:s3:::loyalty-t-documents/archive/*",
        "Condition": {"Bool": {"aws:SecureTransport": "true"}},
    }
    moto_s3.put_bucket_policy(Bucket="loyalty-t-documents", Policy=_policy(deny_raw, secure_deny))

    with evaluate_bucket_policy_conditions():
        moto_s3.put_object(Bucket="loyalty-t-documents", Key="reports/r.json", Body=b"{}")
        for key in ("raw/a.html", "archive/a.html"):
            with pytest.raises(ClientError, match="403"):
                moto_s3.put_object(Bucket="loyalty-t-documents", Key=key, Body=b"x")


# --- S3 log delivery grants ----------------------------------------------------------------

LOGS_ARN = "arn:aws:s3:::loyalty-t-access-logs"
LOG_DELIVERY = {
    "Sid": "S3ServerAccessLogDelivery",
    "Effect": "Allow",
    "Principal": {"Service": "logging.s3.amazonaws.com"},
    "Action": "s3:PutObject",
    "Resource": f"{LOGS_ARN}/*",
}
DENY_INSECURE = {
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": [LOGS_ARN, f"{LOGS_ARN}/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def test_log_delivery_grant_is_found_beside_statements_for_everyone() -> None:
    assert grants_log_delivery({"Statement": [DENY_INSECURE, LOG_DELIVERY]}, LOGS_ARN, "docs/")
    as_lists = {**LOG_DELIVERY, "Action": ["s3:PutObject"], "Resource": [f"{LOGS_ARN}/docs/*"]}
    assert grants_log_delivery({"Statement": [as_lists]}, LOGS_ARN, "docs/")
    assert not grants_log_delivery({"Statement": [DENY_INSECURE]}, LOGS_ARN, "docs/")
    other_bucket = {**LOG_DELIVERY, "Resource": "arn:aws:s3:::elsewhere/*"}
    assert not grants_log_delivery({"Statement": other_bucket}, LOGS_ARN, None)


def test_bucket_logging_to_a_bucket_with_a_deny_for_everyone(moto_s3: Any) -> None:
    moto_s3.create_bucket(Bucket="loyalty-t-access-logs")
    moto_s3.put_bucket_policy(
        Bucket="loyalty-t-access-logs", Policy=_policy(DENY_INSECURE, LOG_DELIVERY)
    )
    logging_status = {
        "LoggingEnabled": {"TargetBucket": "loyalty-t-access-logs", "TargetPrefix": "docs/"}
    }
    with pytest.raises(Exception, match=r"Principal|attribute 'get'"):  # moto alone crashes
        moto_s3.put_bucket_logging(Bucket="loyalty-t-documents", BucketLoggingStatus=logging_status)

    with tolerate_log_delivery_policies(), evaluate_bucket_policy_conditions():
        moto_s3.put_bucket_logging(Bucket="loyalty-t-documents", BucketLoggingStatus=logging_status)
        enabled = moto_s3.get_bucket_logging(Bucket="loyalty-t-documents")["LoggingEnabled"]
    assert enabled["TargetBucket"] == "loyalty-t-access-logs"


# --- Lambda dead-letter configuration --------------------------------------------------------

DLQ = "arn:aws:sqs:us-east-1:123456789012:loyalty-t-trigger-dlq"


def _function(lam: Any, **extra: Any) -> None:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def lambda_handler(event, context):\n    return 1\n")
    trust = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "lambda.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    role = boto3.client("iam", region_name="us-east-1").create_role(
        RoleName="trigger", AssumeRolePolicyDocument=json.dumps(trust)
    )["Role"]["Arn"]
    lam.create_function(
        FunctionName="trigger",
        Runtime="python3.11",
        Role=role,
        Handler="handler.lambda_handler",
        Code={"ZipFile": buffer.getvalue()},
        **extra,
    )


def test_a_function_keeps_its_dead_letter_config(fake_credentials: None) -> None:
    with mock_aws(), keep_lambda_dead_letter_config():
        lam = boto3.client("lambda", region_name="us-east-1")
        _function(lam, DeadLetterConfig={"TargetArn": DLQ}, Publish=True)

        assert lam.get_function(FunctionName="trigger")["Configuration"]["DeadLetterConfig"] == {
            "TargetArn": DLQ
        }
        version = lam.get_function_configuration(FunctionName="trigger", Qualifier="1")
        assert version["DeadLetterConfig"] == {"TargetArn": DLQ}

        lam.update_function_configuration(
            FunctionName="trigger", DeadLetterConfig={"TargetArn": ""}
        )
        assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName="trigger")


def test_without_the_patch_moto_drops_the_dead_letter_config(fake_credentials: None) -> None:
    # If this fails, moto learnt DeadLetterConfig: the patch can go.
    with mock_aws():
        lam = boto3.client("lambda", region_name="us-east-1")
        _function(lam, DeadLetterConfig={"TargetArn": DLQ})
        assert "DeadLetterConfig" not in lam.get_function_configuration(FunctionName="trigger")


# --- descriptions of rules that reference a group --------------------------------------------


def _group_rule(ec2: Any) -> str:
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    groups = [
        ec2.create_security_group(GroupName=name, Description=name, VpcId=vpc)["GroupId"]
        for name in ("neptune", "lambda")
    ]
    ec2.authorize_security_group_ingress(
        GroupId=groups[0],
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 8182,
                "ToPort": 8182,
                "UserIdGroupPairs": [{"GroupId": groups[1], "Description": "from the functions"}],
            }
        ],
    )
    return str(groups[0])


def test_a_group_referencing_rule_is_described_with_its_description(
    fake_credentials: None,
) -> None:
    with mock_aws(), describe_group_rule_descriptions():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        group = _group_rule(ec2)
        rules = ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [group]}]
        )["SecurityGroupRules"]
        ingress = [rule for rule in rules if not rule["IsEgress"]]
        assert [rule.get("Description") for rule in ingress] == ["from the functions"]


def test_without_the_patch_moto_leaves_the_description_out(fake_credentials: None) -> None:
    # If this fails, moto describes group pairs itself: the patch can go.
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        group = _group_rule(ec2)
        rules = ec2.describe_security_group_rules(
            Filters=[{"Name": "group-id", "Values": [group]}]
        )["SecurityGroupRules"]
        assert all("Description" not in rule for rule in rules if not rule["IsEgress"])
