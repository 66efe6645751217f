"""Bucket policies through boto3: the operations, and their enforcement with IAM users'
identity policies (AwsApi with enforce_iam) and for anonymous requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from lamina.aws.credentials import CredentialStore, Identity
from lamina.aws.dispatch import AwsApi
from lamina.services.s3.provider import S3Provider
from tests.functional.services.s3.conftest import ACCOUNT
from tests.loopback import REGION, LoopbackServer

BUCKET = "shared"
DENIED_USER = Identity(
    access_key="AKIADENIEDUSER000001",
    secret_key="denied-secret",
    arn=f"arn:aws:iam::{ACCOUNT}:user/denied",
    account_id=ACCOUNT,
    principal_id="AIDADENIED",
    statements=({"Effect": "Allow", "Action": "s3:*", "Resource": "*"},),
)
GUEST_USER = Identity(
    access_key="AKIAGUESTUSER0000001",
    secret_key="guest-secret",
    arn=f"arn:aws:iam::{ACCOUNT}:user/guest",
    account_id=ACCOUNT,
    principal_id="AIDAGUEST",
)
POLICY: dict[str, Any] = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "DenyDenied",
            "Effect": "Deny",
            "Principal": {"AWS": DENIED_USER.arn},
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/*",
        },
        {
            "Sid": "GuestReads",
            "Effect": "Allow",
            "Principal": {"AWS": GUEST_USER.arn},
            "Action": ["s3:GetObject", "s3:ListBucket"],
            "Resource": [f"arn:aws:s3:::{BUCKET}", f"arn:aws:s3:::{BUCKET}/*"],
        },
        {
            "Sid": "PublicRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": f"arn:aws:s3:::{BUCKET}/public/*",
            "Condition": {"IpAddress": {"aws:SourceIp": "127.0.0.0/8"}},
        },
    ],
}


class Server(LoopbackServer):
    def __init__(self, state_dir: Path) -> None:
        super().__init__()
        credentials = CredentialStore.local(strict=True)
        credentials.add_identity(DENIED_USER)
        credentials.add_identity(GUEST_USER)
        self.provider = S3Provider(state_dir=state_dir, account_id=ACCOUNT)
        api = AwsApi(
            [self.provider],
            region=REGION,
            account_id=ACCOUNT,
            credentials=credentials,
            enforce_iam=True,
        )
        self.listen(api)

    def client(self, identity: Identity | None = None) -> Any:
        options = self.client_options()
        if identity is not None:
            options["aws_access_key_id"] = identity.access_key
            options["aws_secret_access_key"] = identity.secret_key
        return boto3.client("s3", **options)

    def anonymous_get(self, key: str) -> httpx.Response:
        port = self.url.rsplit(":", 1)[1]
        with httpx.Client(base_url=self.url, timeout=10) as http:
            return http.get(f"/{key}", headers={"Host": f"{BUCKET}.s3.localhost:{port}"})

    def release(self) -> None:
        self.provider.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    served = Server(tmp_path)
    root = served.client()
    root.create_bucket(Bucket=BUCKET)
    root.put_object(Bucket=BUCKET, Key="private.txt", Body=b"secret")
    root.put_object(Bucket=BUCKET, Key="public/index.html", Body=b"<p>hi</p>")
    yield served
    served.close()


def _code(raised: pytest.ExceptionInfo[ClientError]) -> tuple[str, int]:
    response = raised.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"]


def test_policy_operations(server: Server) -> None:
    root = server.client()
    with pytest.raises(ClientError) as missing:
        root.get_bucket_policy(Bucket=BUCKET)
    assert _code(missing) == ("NoSuchBucketPolicy", 404)
    text = json.dumps(POLICY)
    root.put_bucket_policy(Bucket=BUCKET, Policy=text)
    assert json.loads(root.get_bucket_policy(Bucket=BUCKET)["Policy"]) == POLICY
    # The only Principal "*" statement is conditioned: not public.
    assert root.get_bucket_policy_status(Bucket=BUCKET)["PolicyStatus"] == {"IsPublic": False}
    public = {"Statement": [dict(POLICY["Statement"][2], Condition={})]}
    root.put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(public))
    assert root.get_bucket_policy_status(Bucket=BUCKET)["PolicyStatus"] == {"IsPublic": True}
    root.delete_bucket_policy(Bucket=BUCKET)
    with pytest.raises(ClientError):
        root.get_bucket_policy(Bucket=BUCKET)


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("not json", "Policies must be valid JSON and the first byte must be '{'"),
        ('{"Version": "2012-10-17"}', "Missing required field Statement"),
        (
            '{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}',
            "Missing required field Principal",
        ),
        (
            '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",'
            ' "Resource": "arn:aws:s3:::other/*"}]}',
            "Policy has invalid resource",
        ),
        (
            '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage",'
            ' "Resource": "arn:aws:s3:::shared/*"}]}',
            "Policy has invalid action",
        ),
    ],
)
def test_malformed_policies_are_refused(server: Server, policy: str, message: str) -> None:
    with pytest.raises(ClientError) as refused:
        server.client().put_bucket_policy(Bucket=BUCKET, Policy=policy)
    assert _code(refused) == ("MalformedPolicy", 400)
    assert refused.value.response["Error"]["Message"] == message


def test_identity_allow_loses_to_bucket_policy_deny(server: Server) -> None:
    denied = server.client(DENIED_USER)
    assert denied.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 2  # no policy yet
    assert denied.get_object(Bucket=BUCKET, Key="private.txt")["Body"].read() == b"secret"
    server.client().put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(POLICY))
    with pytest.raises(ClientError) as refused:
        denied.get_object(Bucket=BUCKET, Key="private.txt")
    assert _code(refused) == ("AccessDenied", 403)
    assert "explicit deny in a resource-based policy" in refused.value.response["Error"]["Message"]
    assert denied.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 2  # the Deny names GetObject only


def test_bucket_policy_alone_allows_a_user_without_identity_policies(server: Server) -> None:
    guest = server.client(GUEST_USER)
    with pytest.raises(ClientError) as before:
        guest.get_object(Bucket=BUCKET, Key="private.txt")
    assert _code(before) == ("AccessDenied", 403)
    server.client().put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(POLICY))
    assert guest.get_object(Bucket=BUCKET, Key="private.txt")["Body"].read() == b"secret"
    assert guest.list_objects_v2(Bucket=BUCKET)["KeyCount"] == 2
    with pytest.raises(ClientError) as write:
        guest.put_object(Bucket=BUCKET, Key="x", Body=b"")
    assert _code(write) == ("AccessDenied", 403)


def test_anonymous_get_needs_a_public_read_policy(server: Server) -> None:
    before = server.anonymous_get("public/index.html")
    assert before.status_code == 403
    assert "<Code>AccessDenied</Code>" in before.text
    server.client().put_bucket_policy(Bucket=BUCKET, Policy=json.dumps(POLICY))
    public = server.anonymous_get("public/index.html")
    assert public.status_code == 200
    assert public.content == b"<p>hi</p>"
    private = server.anonymous_get("private.txt")
    assert private.status_code == 403
    assert "<Message>Access Denied</Message>" in private.text
