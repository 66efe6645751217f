"""`lamina up` serves user pools on its one port: unsigned SignUp / InitiateAuth from a
browser-style client, confirmation codes in the outbox at /_lamina/cognito/outbox, and
tokens whose `iss` is Lamina's URL and whose keys are at {iss}/.well-known/jwks.json."""

from __future__ import annotations

from typing import Any

import boto3
import httpx
import jwt
from botocore import UNSIGNED
from botocore.config import Config

from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "secrets"
PASSWORD = "Passw0rd!"


def _client(base: str, *, signed: bool) -> Any:
    options: dict[str, Any] = {
        "endpoint_url": base,
        "region_name": "us-east-1",
        "aws_access_key_id": "test",
        "aws_secret_access_key": "test",
    }
    if not signed:
        options["config"] = Config(signature_version=UNSIGNED)
    return boto3.client("cognito-idp", **options)


def test_sign_up_and_in_against_lamina_up() -> None:
    lamina = LaminaProcess(APP)
    try:
        admin, public = _client(lamina.base, signed=True), _client(lamina.base, signed=False)
        pool_id = admin.create_user_pool(PoolName="app", AutoVerifiedAttributes=["email"])[
            "UserPool"
        ]["Id"]
        client_id = admin.create_user_pool_client(
            UserPoolId=pool_id, ClientName="web", ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH"]
        )["UserPoolClient"]["ClientId"]
        public.sign_up(
            ClientId=client_id,
            Username="ada",
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": "ada@example.com"}],
        )
        outbox = httpx.get(f"{lamina.base}/_lamina/cognito/outbox", timeout=10).json()
        code = [m for m in outbox["messages"] if m["userPoolId"] == pool_id][-1]["code"]
        public.confirm_sign_up(ClientId=client_id, Username="ada", ConfirmationCode=code)
        tokens = public.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "ada", "PASSWORD": PASSWORD},
        )["AuthenticationResult"]
        issuer = f"{lamina.base}/{pool_id}"
        discovery = httpx.get(f"{issuer}/.well-known/openid-configuration", timeout=10).json()
        assert discovery["issuer"] == issuer
        keys = jwt.PyJWKClient(discovery["jwks_uri"])
        key = keys.get_signing_key_from_jwt(tokens["IdToken"])
        claims = jwt.decode(
            tokens["IdToken"], key.key, algorithms=["RS256"], audience=client_id, issuer=issuer
        )
        assert claims["cognito:username"] == "ada"
    finally:
        lamina.stop()
