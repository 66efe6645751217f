"""STS through boto3: GetCallerIdentity for the root and for users, GetSessionToken,
AssumeRole against a role's trust policy; temporary credentials work with their session
token (on STS and on KMS) and stop working, ExpiredToken, once they expire.

https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from lamina.aws.credentials import ALLOW_ALL, AssumableRole, CredentialStore, Identity
from lamina.services.kms.provider import KmsProvider
from lamina.services.sts.provider import StsProvider
from tests.clock import ManualClock
from tests.loopback import REGION, LoopbackServer

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/deployer"
LOCKED = f"arn:aws:iam::{ACCOUNT}:role/locked"
LONG = f"arn:aws:iam::{ACCOUNT}:role/long"
USER = f"arn:aws:iam::{ACCOUNT}:user/ada"
ADA = Identity(
    access_key="AKIAADAADAADAADAADAA",
    secret_key="ada-secret",
    arn=USER,
    account_id=ACCOUNT,
    principal_id="AIDAADAADAADAADAADA",
    statements=({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": ROLE},),
)


class StsServer(LoopbackServer):
    def __init__(self, state_dir: Path, clock: ManualClock) -> None:
        super().__init__()
        store = CredentialStore.local(identities=[ADA])
        roles = [
            AssumableRole(
                arn=ROLE,
                role_id="AROADEPLOYERDEPLOYER",
                statements=ALLOW_ALL,
                trust_statements=(
                    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                     "Action": "sts:AssumeRole"},
                ),
            ),
            AssumableRole(
                arn=LOCKED,
                role_id="AROALOCKEDLOCKEDLOCK",
                statements=ALLOW_ALL,
                trust_statements=(
                    {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                     "Action": "sts:AssumeRole"},
                ),
            ),
            AssumableRole(
                arn=LONG,
                role_id="AROALONGLONGLONGLONG",
                statements=ALLOW_ALL,
                trust_statements=(
                    {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                     "Action": "sts:AssumeRole"},
                ),
                max_session_s=43_200,
            ),
        ]  # fmt: skip
        self.kms = KmsProvider(state_dir=state_dir, region=REGION, account_id=ACCOUNT)
        sts = StsProvider(credentials=store, roles=roles, account_id=ACCOUNT, clock=clock)
        self.serve(sts, self.kms, credentials=store)

    def client(self, service: str, **credentials: str) -> Any:
        options = self.client_options()
        options.update(credentials)
        return boto3.client(service, **options)

    def release(self) -> None:
        self.kms.close()


@pytest.fixture
def server(tmp_path: Path, clock: ManualClock) -> Iterator[StsServer]:
    served = StsServer(tmp_path, clock)
    yield served
    served.close()


def _as(credentials: dict[str, Any]) -> dict[str, str]:
    return {
        "aws_access_key_id": credentials["AccessKeyId"],
        "aws_secret_access_key": credentials["SecretAccessKey"],
        "aws_session_token": credentials["SessionToken"],
    }


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_caller_identity_of_root_and_user(server: StsServer) -> None:
    root = server.client("sts").get_caller_identity()
    assert root["Arn"] == f"arn:aws:iam::{ACCOUNT}:root" and root["Account"] == ACCOUNT
    ada = server.client(
        "sts", aws_access_key_id=ADA.access_key, aws_secret_access_key=ADA.secret_key
    ).get_caller_identity()
    assert ada == {**ada, "Arn": USER, "UserId": ADA.principal_id, "Account": ACCOUNT}


def test_assume_role_gives_working_temporary_credentials(server: StsServer) -> None:
    ada = server.client(
        "sts", aws_access_key_id=ADA.access_key, aws_secret_access_key=ADA.secret_key
    )
    assumed = ada.assume_role(RoleArn=ROLE, RoleSessionName="deploy-1")
    assert assumed["AssumedRoleUser"] == {
        "AssumedRoleId": "AROADEPLOYERDEPLOYER:deploy-1",
        "Arn": f"arn:aws:sts::{ACCOUNT}:assumed-role/deployer/deploy-1",
    }
    credentials = assumed["Credentials"]
    assert credentials["AccessKeyId"].startswith("ASIA")
    who = server.client("sts", **_as(credentials)).get_caller_identity()
    assert who["Arn"] == assumed["AssumedRoleUser"]["Arn"]
    assert server.client("kms", **_as(credentials)).list_keys()["Keys"] == []


def test_assume_role_needs_trust_and_permission(server: StsServer) -> None:
    ada = server.client(
        "sts", aws_access_key_id=ADA.access_key, aws_secret_access_key=ADA.secret_key
    )
    for role in (LOCKED, f"arn:aws:iam::{ACCOUNT}:role/missing"):
        with pytest.raises(ClientError) as error:
            ada.assume_role(RoleArn=role, RoleSessionName="s1")
        assert _code(error) == "AccessDenied"
        assert error.value.response["Error"]["Message"] == (
            f"User: {USER} is not authorized to perform: sts:AssumeRole on resource: {role}"
        )
    with pytest.raises(ClientError) as error:
        server.client("sts").assume_role(RoleArn=ROLE, RoleSessionName="s1", DurationSeconds=7200)
    assert _code(error) == "ValidationError"


def test_role_chaining_is_limited_to_one_hour(server: StsServer) -> None:
    """https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html"""
    root = server.client("sts")
    direct = root.assume_role(RoleArn=LONG, RoleSessionName="s1", DurationSeconds=7200)
    chained = server.client("sts", **_as(direct["Credentials"]))
    with pytest.raises(ClientError) as error:
        chained.assume_role(RoleArn=LONG, RoleSessionName="s2", DurationSeconds=7200)
    assert _code(error) == "ValidationError"
    assert "role chaining" in error.value.response["Error"]["Message"]
    assert chained.assume_role(RoleArn=LONG, RoleSessionName="s2", DurationSeconds=3600)


def test_session_token_must_match(server: StsServer) -> None:
    credentials = server.client("sts").get_session_token(DurationSeconds=900)["Credentials"]
    forged = {**_as(credentials), "aws_session_token": "not-the-token"}
    with pytest.raises(ClientError) as error:
        server.client("kms", **forged).list_keys()
    assert _code(error) == "UnrecognizedClientException"


def test_expired_credentials_are_refused(server: StsServer, clock: ManualClock) -> None:
    # STS's clock runs 2,000 s behind: 900-second credentials are born expired, while the
    # requests' signatures (checked against the real clock) stay valid.
    clock.advance(-2000)
    credentials = server.client("sts").assume_role(
        RoleArn=ROLE, RoleSessionName="short", DurationSeconds=900
    )["Credentials"]
    with pytest.raises(ClientError) as error:
        server.client("kms", **_as(credentials)).list_keys()
    assert _code(error) == "ExpiredTokenException"
    assert error.value.response["Error"]["Message"] == (
        "The security token included in the request is expired"
    )
    with pytest.raises(ClientError) as error:
        server.client("sts", **_as(credentials)).get_caller_identity()
    assert _code(error) == "ExpiredToken"


def test_session_credentials_cannot_get_session_tokens(server: StsServer) -> None:
    credentials = server.client("sts").assume_role(RoleArn=ROLE, RoleSessionName="s2")[
        "Credentials"
    ]
    with pytest.raises(ClientError) as error:
        server.client("sts", **_as(credentials)).get_session_token()
    assert _code(error) == "AccessDenied"
