"""Execution roles as Lambda gives them: each environment starts with temporary
credentials of its function's role (an `ASIA` key, a secret, a session token, a session
named after the function), its calls are that role's, the credentials expire (ExpiredToken)
and a new environment gets new ones; CreateFunction refuses a role Lambda cannot assume
and a caller who may not pass the role.

https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from lamina.aws.credentials import AssumableRole, CredentialStore, Identity
from lamina.aws.dispatch import AwsApi
from lamina.aws.execution import SESSION_S, ExecutionRoles
from lamina.functions.service import FunctionService
from lamina.services.lambda_ import LambdaProvider
from lamina.services.sts.provider import StsProvider
from tests.clock import ManualClock
from tests.functional.services.lambda_.conftest import zipped
from tests.loopback import REGION, LoopbackServer

ACCOUNT = "123456789012"
RUNNER = f"arn:aws:iam::{ACCOUNT}:role/runner"
OTHER = f"arn:aws:iam::{ACCOUNT}:role/deployer"
CHAINED = f"arn:aws:iam::{ACCOUNT}:role/chained"
LAMBDA_TRUST = {
    "Effect": "Allow",
    "Principal": {"Service": ["lambda.amazonaws.com"]},
    "Action": "sts:AssumeRole",
}
ROLES = [
    AssumableRole(
        arn=RUNNER,
        role_id="AROARUNNERRUNNERRUNN",
        statements=({"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": CHAINED},),
        trust_statements=(LAMBDA_TRUST,),
    ),
    AssumableRole(
        arn=CHAINED,
        role_id="AROACHAINEDCHAINEDCH",
        statements=(),
        trust_statements=(
            # Names the role: its sessions (the function's) may assume this one.
            {"Effect": "Allow", "Principal": {"AWS": RUNNER}, "Action": "sts:AssumeRole"},
        ),
    ),
    AssumableRole(
        arn=OTHER,
        role_id="AROADEPLOYERDEPLOYER",
        statements=(),
        trust_statements=(
            {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"},
        ),
    ),
]
LAMBDA_ONLY = ({"Effect": "Allow", "Action": "lambda:*", "Resource": "*"},)
ADA = Identity(
    access_key="AKIAADAADAADAADAADAA",
    secret_key="ada-secret",
    arn=f"arn:aws:iam::{ACCOUNT}:user/ada",
    account_id=ACCOUNT,
    principal_id="AIDAADAADAADAADAADA",
    statements=LAMBDA_ONLY,
)
BOB = Identity(
    access_key="AKIABOBBOBBOBBOBBOBB",
    secret_key="bob-secret",
    arn=f"arn:aws:iam::{ACCOUNT}:user/bob",
    account_id=ACCOUNT,
    principal_id="AIDABOBBOBBOBBOBBOB",
    statements=(
        *LAMBDA_ONLY,
        {"Effect": "Allow", "Action": "iam:PassRole", "Resource": RUNNER},
    ),
)
WHO_AM_I = """
import os, boto3
def handler(event, context):
    who = boto3.client("sts").get_caller_identity()
    return {"key": os.environ["AWS_ACCESS_KEY_ID"], "secret": os.environ["AWS_SECRET_ACCESS_KEY"],
            "token": os.environ["AWS_SESSION_TOKEN"], "arn": who["Arn"], "user": who["UserId"]}
"""


ENV_ONLY = """
import os
def handler(event, context):
    return {"key": os.environ["AWS_ACCESS_KEY_ID"], "secret": os.environ["AWS_SECRET_ACCESS_KEY"],
            "token": os.environ["AWS_SESSION_TOKEN"]}
"""


class RoleServer(LoopbackServer):
    def __init__(self, state_dir: Path, clock: ManualClock) -> None:
        super().__init__()
        self.store = CredentialStore.local(identities=[ADA, BOB])
        self.functions = FunctionService([], region=REGION, account_id=ACCOUNT, state_dir=state_dir)
        self.roles = ExecutionRoles(self.store, ROLES, account_id=ACCOUNT, clock=clock)
        self.roles.enforce = True
        self.functions.credentials = self.roles.credentials
        lambda_ = LambdaProvider(
            self.functions, region=REGION, account_id=ACCOUNT, state_dir=state_dir
        )
        lambda_.state.execution_roles = self.roles
        sts = StsProvider(credentials=self.store, roles=ROLES, account_id=ACCOUNT, clock=clock)
        api = AwsApi(
            [lambda_, sts],
            region=REGION,
            account_id=ACCOUNT,
            credentials=self.store,
        )
        api.enforce_iam = True
        self.listen(api)
        self.functions.serve_aws_apis_at(self.url)

    def client(self, service: str, identity: Identity | None = None) -> Any:
        settings = self.client_options()
        if identity is not None:
            settings["aws_access_key_id"] = identity.access_key
            settings["aws_secret_access_key"] = identity.secret_key
        return boto3.client(service, **settings)

    def signed(self, service: str, seen: dict[str, str]) -> Any:
        """A client signing with the credentials a function saw in its environment."""
        return boto3.client(
            service,
            **{
                **self.client_options(),
                "aws_access_key_id": seen["key"],
                "aws_secret_access_key": seen["secret"],
                "aws_session_token": seen["token"],
            },
        )

    def release(self) -> None:
        self.run(self.functions.close())


@pytest.fixture
def server(tmp_path: Path, clock: ManualClock) -> Iterator[RoleServer]:
    served = RoleServer(tmp_path / "state", clock)
    yield served
    served.close()


def _create(client: Any, name: str, role: str = RUNNER, source: str = WHO_AM_I) -> None:
    client.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="app.handler",
        Code={"ZipFile": zipped(source)},
    )


def _invoke(client: Any, name: str) -> dict[str, str]:
    answer = client.invoke(FunctionName=name)
    body: dict[str, str] = json.loads(answer["Payload"].read())
    assert "FunctionError" not in answer, body
    return body


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def test_an_environment_signs_as_its_roles_session(server: RoleServer) -> None:
    lambda_ = server.client("lambda")
    _create(lambda_, "who")
    seen = _invoke(lambda_, "who")
    assert seen["arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/runner/who"
    assert seen["user"] == "AROARUNNERRUNNERRUNN:who"
    assert seen["key"].startswith("ASIA") and len(seen["key"]) == 20
    assert len(seen["secret"]) == 40 and seen["token"]
    # The same environment keeps its credentials.
    assert _invoke(lambda_, "who")["key"] == seen["key"]
    # They are the role's: what its policy does not allow is denied.
    sts = server.signed("sts", seen)
    with pytest.raises(ClientError) as error:
        sts.assume_role(RoleArn=OTHER, RoleSessionName="escape")
    assert _code(error) == "AccessDenied"
    chained = sts.assume_role(RoleArn=CHAINED, RoleSessionName="next")["AssumedRoleUser"]
    assert chained["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/chained/next"


def test_credentials_expire_and_new_environments_get_new_ones(
    server: RoleServer, clock: ManualClock
) -> None:
    lambda_ = server.client("lambda")
    _create(lambda_, "env", source=ENV_ONLY)
    clock.advance(-(SESSION_S + 1))  # the environment starts half a day ago
    first = _invoke(lambda_, "env")
    clock.advance(SESSION_S + 1)
    with pytest.raises(ClientError) as error:
        server.signed("sts", first).get_caller_identity()
    assert _code(error) == "ExpiredToken"
    assert error.value.response["Error"]["Message"] == (
        "The security token included in the request is expired"
    )
    with pytest.raises(ClientError) as error:
        server.signed("lambda", first).get_account_settings()
    assert _code(error) == "ExpiredTokenException"
    # An environment past its age is replaced by a new one, with new credentials.
    server.functions.environment_max_age_s = 0
    server.client("lambda").update_function_configuration(FunctionName="env", Timeout=5)
    second = _invoke(lambda_, "env")
    assert second["key"] != first["key"]
    again = server.signed("sts", second).get_caller_identity()  # valid again
    assert again["Arn"] == f"arn:aws:sts::{ACCOUNT}:assumed-role/runner/env"
    third = _invoke(lambda_, "env")
    assert third["key"] != second["key"]


def test_a_role_lambda_cannot_assume_is_refused(server: RoleServer) -> None:
    lambda_ = server.client("lambda")
    with pytest.raises(ClientError) as error:
        _create(lambda_, "nope", role=OTHER)
    assert _code(error) == "InvalidParameterValueException"
    assert error.value.response["Error"]["Message"] == (
        "The role defined for the function cannot be assumed by Lambda."
    )
    _create(lambda_, "fine")
    with pytest.raises(ClientError) as error:
        lambda_.update_function_configuration(FunctionName="fine", Role=OTHER)
    assert _code(error) == "InvalidParameterValueException"


def test_passing_a_role_needs_iam_pass_role(server: RoleServer) -> None:
    with pytest.raises(ClientError) as error:
        _create(server.client("lambda", ADA), "ada")
    assert _code(error) == "AccessDeniedException"
    assert error.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    assert error.value.response["Error"]["Message"] == (
        f"User: {ADA.arn} is not authorized to perform: iam:PassRole on resource: {RUNNER}"
    )
    _create(server.client("lambda", BOB), "bob")
    assert _invoke(server.client("lambda"), "bob")["arn"].endswith("/runner/bob")
