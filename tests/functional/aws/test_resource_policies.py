"""Resource policies in IAM's decision through boto3, IAM enforced: a secret's policy, a
KMS key policy and a function policy grant (or deny) what a user's own policies do not;
unsigned calls stay refused whatever a policy says; PutResourcePolicy's BlockPublicPolicy.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html
https://docs.aws.amazon.com/kms/latest/developerguide/key-policies.html
https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from botocore.exceptions import ClientError

from lamina.aws.credentials import CredentialStore, Identity
from lamina.aws.dispatch import AwsApi
from lamina.aws.forward import ForwardAccess
from lamina.functions.service import FunctionService
from lamina.services.kms.provider import KmsProvider
from lamina.services.lambda_ import LambdaProvider
from lamina.services.secretsmanager.provider import SecretsManagerProvider
from tests.loopback import REGION, LoopbackServer

ACCOUNT = "123456789012"
READER = Identity(
    access_key="AKIAREADERREADERREAD",
    secret_key="reader-secret",
    arn=f"arn:aws:iam::{ACCOUNT}:user/reader",
    account_id=ACCOUNT,
    principal_id="AIDAREADERREADERREA",
    statements=(),  # no identity policy at all
)
GET_SECRET = {"Effect": "Allow", "Action": "secretsmanager:GetSecretValue", "Resource": "*"}
APP = Identity(
    access_key="AKIAAPPAPPAPPAPPAPPA",
    secret_key="app-secret",
    arn=f"arn:aws:iam::{ACCOUNT}:user/app",
    account_id=ACCOUNT,
    principal_id="AIDAAPPAPPAPPAPPAPP",
    statements=(GET_SECRET,),
)
APP_WITH_KEY = Identity(
    access_key="AKIAKEYKEYKEYKEYKEYK",
    secret_key="key-secret",
    arn=f"arn:aws:iam::{ACCOUNT}:user/keyed",
    account_id=ACCOUNT,
    principal_id="AIDAKEYKEYKEYKEYKEY",
    statements=(GET_SECRET, {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*"}),
)


class PolicyServer(LoopbackServer):
    def __init__(self, state_dir: Path, *, strict: bool = True) -> None:
        super().__init__()
        store = CredentialStore.local(strict=strict, identities=[READER, APP, APP_WITH_KEY])
        self.kms = KmsProvider(state_dir=state_dir, region=REGION, account_id=ACCOUNT)
        self.secrets = SecretsManagerProvider(
            state_dir=state_dir, region=REGION, account_id=ACCOUNT, kms=self.kms
        )
        self.functions = FunctionService([], region=REGION, account_id=ACCOUNT, state_dir=state_dir)
        lambda_ = LambdaProvider(
            self.functions, region=REGION, account_id=ACCOUNT, state_dir=state_dir
        )
        api = AwsApi([self.kms, self.secrets, lambda_], region=REGION, account_id=ACCOUNT,
                     credentials=store)  # fmt: skip
        api.enforce_iam = True
        self.secrets.vault.check = ForwardAccess(
            store,
            lambda arn: self.kms.resource_policy("DescribeKey", {"KeyId": arn}),
            service="secretsmanager",
            region=REGION,
            account_id=ACCOUNT,
            enforced=lambda: True,
        ).check
        self.listen(api)

    def client(self, service: str, identity: Identity | None = None) -> Any:
        options = self.client_options()
        if identity is not None:
            options["aws_access_key_id"] = identity.access_key
            options["aws_secret_access_key"] = identity.secret_key
        return boto3.client(service, **options)

    def release(self) -> None:
        self.run(self.functions.close())
        self.secrets.close()
        self.kms.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[PolicyServer]:
    served = PolicyServer(tmp_path / "state")
    yield served
    served.close()


def _code(error: pytest.ExceptionInfo[ClientError]) -> str:
    return str(error.value.response["Error"]["Code"])


def _policy(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def test_a_secret_policy_lets_a_user_read_it(server: PolicyServer) -> None:
    admin = server.client("secretsmanager")
    arn = admin.create_secret(Name="db", SecretString="hunter2")["ARN"]
    reader = server.client("secretsmanager", READER)
    with pytest.raises(ClientError) as error:
        reader.get_secret_value(SecretId="db")
    assert _code(error) == "AccessDeniedException"
    assert error.value.response["Error"]["Message"] == (
        f"User: {READER.arn} is not authorized to perform: secretsmanager:GetSecretValue on "
        f"resource: {arn} because no identity-based policy allows the "
        "secretsmanager:GetSecretValue action"
    )
    allow = {"Effect": "Allow", "Principal": {"AWS": READER.arn},
             "Action": "secretsmanager:GetSecretValue", "Resource": "*"}  # fmt: skip
    admin.put_resource_policy(SecretId="db", ResourcePolicy=_policy(allow))
    assert reader.get_secret_value(SecretId="db")["SecretString"] == "hunter2"
    with pytest.raises(ClientError) as error:
        reader.describe_secret(SecretId="db")  # the policy grants GetSecretValue only
    assert _code(error) == "AccessDeniedException"
    admin.delete_resource_policy(SecretId="db")
    with pytest.raises(ClientError):
        reader.get_secret_value(SecretId="db")


def test_an_explicit_deny_in_a_secret_policy_stops_even_the_account(server: PolicyServer) -> None:
    admin = server.client("secretsmanager")
    admin.create_secret(Name="locked", SecretString="x")
    deny = {"Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "secretsmanager:GetSecretValue", "Resource": "*"}  # fmt: skip
    admin.put_resource_policy(SecretId="locked", ResourcePolicy=_policy(deny))
    with pytest.raises(ClientError) as error:
        admin.get_secret_value(SecretId="locked")
    assert "with an explicit deny in a resource-based policy" in str(error.value)


def test_an_unknown_key_without_iam_is_stopped_by_a_deny_like_the_account(
    tmp_path: Path,
) -> None:
    """--no-iam accepts any key as the account root: the root, so a resource policy's
    explicit Deny of the account applies to it as to `test`."""
    served = PolicyServer(tmp_path / "state", strict=False)
    try:
        admin = served.client("secretsmanager")
        admin.create_secret(Name="locked", SecretString="x")
        deny = {"Effect": "Deny", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
                "Action": "secretsmanager:GetSecretValue", "Resource": "*"}  # fmt: skip
        admin.put_resource_policy(SecretId="locked", ResourcePolicy=_policy(deny))
        options = served.client_options()
        options["aws_access_key_id"] = "AKIANOTKNOWNANYWHERE"
        options["aws_secret_access_key"] = "whatever"
        stranger = boto3.client("secretsmanager", **options)
        assert stranger.describe_secret(SecretId="locked")["Name"] == "locked"
        with pytest.raises(ClientError) as error:
            stranger.get_secret_value(SecretId="locked")
        assert "with an explicit deny in a resource-based policy" in str(error.value)
    finally:
        served.close()


def test_block_public_policy(server: PolicyServer) -> None:
    """https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutResourcePolicy.html"""
    admin = server.client("secretsmanager")
    admin.create_secret(Name="pub", SecretString="x")
    public = {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:GetSecretValue",
              "Resource": "*"}  # fmt: skip
    with pytest.raises(ClientError) as error:
        admin.put_resource_policy(SecretId="pub", ResourcePolicy=_policy(public),
                                  BlockPublicPolicy=True)  # fmt: skip
    assert _code(error) == "PublicPolicyException"
    pinned = {**public, "Condition": {"StringEquals": {"aws:PrincipalAccount": ACCOUNT}}}
    admin.put_resource_policy(SecretId="pub", ResourcePolicy=_policy(pinned),
                              BlockPublicPolicy=True)  # fmt: skip
    admin.put_resource_policy(SecretId="pub", ResourcePolicy=_policy(public))  # not blocked
    with pytest.raises(ClientError) as error:
        admin.put_resource_policy(SecretId="pub", ResourcePolicy="{not json")
    assert _code(error) == "MalformedPolicyDocumentException"


def test_a_key_policy_is_the_primary_control(server: PolicyServer) -> None:
    admin = server.client("kms")
    key = admin.create_key()["KeyMetadata"]
    blob = admin.encrypt(KeyId=key["KeyId"], Plaintext=b"p")["CiphertextBlob"]
    reader = server.client("kms", READER)
    with pytest.raises(ClientError) as error:
        reader.decrypt(CiphertextBlob=blob)
    assert _code(error) == "AccessDeniedException"
    named = {"Effect": "Allow", "Principal": {"AWS": READER.arn}, "Action": "kms:Decrypt",
             "Resource": "*"}  # fmt: skip
    root = {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*", "Resource": "*"}  # fmt: skip
    admin.put_key_policy(KeyId=key["KeyId"], PolicyName="default", Policy=_policy(root, named))
    assert reader.decrypt(CiphertextBlob=blob)["Plaintext"] == b"p"
    with pytest.raises(ClientError) as error:
        reader.encrypt(KeyId=key["KeyId"], Plaintext=b"q")
    assert _code(error) == "AccessDeniedException"


def test_a_function_policy_lets_a_user_invoke(server: PolicyServer) -> None:
    admin = server.client("lambda")
    code = io.BytesIO()
    with zipfile.ZipFile(code, "w") as archive:
        archive.writestr("app.py", "def handler(event, context):\n    return 'hi'\n")
    admin.create_function(FunctionName="hi", Runtime="python3.12", Handler="app.handler",
                          Role=f"arn:aws:iam::{ACCOUNT}:role/r",
                          Code={"ZipFile": code.getvalue()})  # fmt: skip
    reader = server.client("lambda", READER)
    with pytest.raises(ClientError) as error:
        reader.invoke(FunctionName="hi")
    assert _code(error) == "AccessDeniedException"
    admin.add_permission(FunctionName="hi", StatementId="reader", Action="lambda:InvokeFunction",
                         Principal=READER.arn)  # fmt: skip
    assert json.loads(reader.invoke(FunctionName="hi")["Payload"].read()) == "hi"


def test_unsigned_calls_are_refused_whatever_the_policy(server: PolicyServer) -> None:
    admin = server.client("secretsmanager")
    admin.create_secret(Name="open", SecretString="x")
    anyone = {"Effect": "Allow", "Principal": "*", "Action": "secretsmanager:*", "Resource": "*"}
    admin.put_resource_policy(SecretId="open", ResourcePolicy=_policy(anyone))
    answer = httpx.post(
        server.url,
        headers={
            "X-Amz-Target": "secretsmanager.GetSecretValue",
            "Content-Type": "application/x-amz-json-1.1",
        },
        content=b'{"SecretId": "open"}',
    )
    assert answer.status_code == 403
    assert answer.json()["__type"].endswith("MissingAuthenticationTokenException")


def test_secrets_manager_decrypts_with_the_callers_kms_permissions(server: PolicyServer) -> None:
    """Under the AWS managed key aws/secretsmanager, GetSecretValue permission is enough
    (its key policy allows the account through Secrets Manager); under a customer managed
    key the caller needs kms:Decrypt on it too.
    https://docs.aws.amazon.com/secretsmanager/latest/userguide/security-encryption.html"""
    admin = server.client("secretsmanager")
    admin.create_secret(Name="managed", SecretString="m")
    key = server.client("kms").create_key()["KeyMetadata"]["Arn"]
    admin.create_secret(Name="custom", SecretString="c", KmsKeyId=key)
    app = server.client("secretsmanager", APP)
    assert app.get_secret_value(SecretId="managed")["SecretString"] == "m"
    with pytest.raises(ClientError) as error:
        app.get_secret_value(SecretId="custom")
    assert _code(error) == "AccessDeniedException"
    assert error.value.response["Error"]["Message"] == "Access to KMS is not allowed"
    keyed = server.client("secretsmanager", APP_WITH_KEY)
    assert keyed.get_secret_value(SecretId="custom")["SecretString"] == "c"
    # The managed key cannot be used directly, outside Secrets Manager.
    managed = server.client("kms").describe_key(KeyId="alias/aws/secretsmanager")["KeyMetadata"]
    with pytest.raises(ClientError) as error:
        server.client("kms", APP_WITH_KEY).encrypt(KeyId=managed["Arn"], Plaintext=b"x")
    assert _code(error) == "AccessDeniedException"
    assert "because no resource-based policy allows the kms:Encrypt action" in str(error.value)
