"""Query-protocol services (STS, IAM) through the same layer: form input, XML output."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest
from botocore.auth import SigV4Auth  # type: ignore[import-untyped]
from botocore.awsrequest import AWSRequest  # type: ignore[import-untyped]
from botocore.credentials import Credentials  # type: ignore[import-untyped]

from tests.functional.aws.conftest import AwsServer, Recorder


def test_sts_signed_get_caller_identity_names_the_key(aws: AwsServer) -> None:
    answer = aws.client("sts", "AKIDME", "x").get_caller_identity()
    assert answer["UserId"] == "AKIDME"
    assert answer["Arn"] == "arn:aws:iam::123456789012:user/AKIDME"
    assert answer["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "text/xml"


def test_sts_unsigned_assume_role_with_web_identity_claimed_and_parsed(
    strict_aws: AwsServer, recorder: Recorder
) -> None:
    body = {
        "Action": "AssumeRoleWithWebIdentity",
        "Version": "2011-06-15",
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "RoleSessionName": "s",
        "WebIdentityToken": "jwt",
        "DurationSeconds": "900",
    }
    answer = httpx.post(strict_aws.url + "/", data=body)
    assert answer.status_code == 200
    assert recorder.last("AssumeRoleWithWebIdentity") == {
        "RoleArn": "arn:aws:iam::123456789012:role/r",
        "RoleSessionName": "s",
        "WebIdentityToken": "jwt",
        "DurationSeconds": 900,
    }
    assert "<SessionToken>t&lt;&amp;&gt;</SessionToken>" in answer.text
    assert "<Expiration>2030-01-02T03:04:05Z</Expiration>" in answer.text


def test_sts_botocore_parses_xml_result_with_timestamps(aws: AwsServer) -> None:
    answer = aws.client("sts").assume_role_with_web_identity(
        RoleArn="arn:aws:iam::123456789012:role/r", RoleSessionName="ss", WebIdentityToken="jwt!"
    )
    assert answer["Credentials"]["SessionToken"] == "t<&>"
    assert answer["Credentials"]["Expiration"] == datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_iam_list_members_parsed_from_flattened_form(aws: AwsServer, recorder: Recorder) -> None:
    tags = [{"Key": "a", "Value": "1"}, {"Key": "b", "Value": "2"}]
    answer = aws.client("iam").create_user(UserName="u", Tags=tags)
    assert recorder.last("CreateUser") == {"UserName": "u", "Tags": tags}
    assert answer["User"]["Tags"] == tags
    assert answer["User"]["CreateDate"] == datetime(2024, 1, 1, tzinfo=UTC)


def test_iam_error_uses_the_shape_wire_code(aws: AwsServer) -> None:
    client = aws.client("iam")
    with pytest.raises(client.exceptions.NoSuchEntityException) as excinfo:
        client.get_user(UserName="ghost")
    error = excinfo.value.response["Error"]
    assert (error["Code"], error["Type"]) == ("NoSuchEntity", "Sender")
    assert error["Message"] == "The user ghost is unknown."
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404


def test_sts_wrong_secret_answers_signature_does_not_match(aws: AwsServer) -> None:
    client = aws.client("sts", "test", "wrong")
    with pytest.raises(client.exceptions.ClientError) as excinfo:
        client.get_caller_identity()
    assert excinfo.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403


def test_sts_unimplemented_action_named(aws: AwsServer) -> None:
    client = aws.client("sts")
    with pytest.raises(client.exceptions.ClientError) as excinfo:
        client.get_session_token()
    # GetSessionToken exists in the model but has no handler: named, never silent.
    assert excinfo.value.response["Error"]["Code"] == "NotImplemented"
    assert "sts:GetSessionToken" in excinfo.value.response["Error"]["Message"]


def test_sts_unknown_signed_action_answers_invalid_action(aws: AwsServer) -> None:
    # A signed form POST whose Action the model does not know.
    headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
    signed = AWSRequest(method="POST", url=aws.url + "/", data=b"Action=Teleport", headers=headers)
    SigV4Auth(Credentials("test", "test"), "sts", "us-east-1").add_auth(signed)
    answer = httpx.post(aws.url + "/", content=b"Action=Teleport", headers=dict(signed.headers))
    assert answer.status_code == 400
    assert "<Code>InvalidAction</Code>" in answer.text
