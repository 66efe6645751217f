"""Template-declared user pool, client and group, KMS key and alias, and a generated
secret are created at `lamina up` under the ids their Refs gave; tokens from that pool
pass the HTTP API's JWT authorizer and the REST API's Cognito authorizer; the handler
reads the secret (encrypted under the template's key) with plain boto3."""

from __future__ import annotations

from typing import Any

import boto3
import httpx

from lamina.config.load import load_application
from lamina.config.service_ids import user_pool_client_id, user_pool_id
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "identity"
PASSWORD = "correct-horse-9"


def _client(base: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_identity_and_secrets_from_the_template() -> None:
    app = load_application(APP)
    pool_id = user_pool_id(app.stack_name, "UserPool", app.region)
    client_id = user_pool_client_id(app.stack_name, "WebClient")
    lamina = LaminaProcess(APP)
    try:
        idp = _client(lamina.base, "cognito-idp")
        assert idp.describe_user_pool(UserPoolId=pool_id)["UserPool"]["Name"] == "app-users"
        email = f"ada+{lamina.port}@example.com"
        idp.admin_create_user(
            UserPoolId=pool_id,
            Username=email,
            TemporaryPassword="temporary-Pass-1",
            MessageAction="SUPPRESS",
        )
        idp.admin_set_user_password(
            UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True
        )
        idp.admin_add_user_to_group(UserPoolId=pool_id, Username=email, GroupName="admins")
        tokens = idp.initiate_auth(
            ClientId=client_id,
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
        )["AuthenticationResult"]

        assert httpx.get(f"{lamina.base}/me", timeout=30).status_code == 401
        bearer = {"Authorization": f"Bearer {tokens['AccessToken']}"}
        via_jwt = httpx.get(f"{lamina.base}/me", headers=bearer, timeout=30)
        assert via_jwt.status_code == 200, lamina.output()[-3000:]
        body = via_jwt.json()
        assert body["database_user"] == "app" and body["password_length"] == 24
        assert body["env_has_the_password"] is True  # {{resolve:secretsmanager:...}}

        # REST Cognito authorizers take the ID token as is.
        via_cognito = httpx.get(
            f"{lamina.base}/Prod/me", headers={"Authorization": tokens["IdToken"]}, timeout=30
        )
        assert via_cognito.status_code == 200, lamina.output()[-3000:]
        assert via_cognito.json()["email"] == email
        denied = httpx.get(f"{lamina.base}/Prod/me", headers={"Authorization": "junk"}, timeout=30)
        assert denied.status_code == 401

        kms = _client(lamina.base, "kms")
        aliases = {a["AliasName"]: a["TargetKeyId"] for a in kms.list_aliases()["Aliases"]}
        assert "alias/app" in aliases
    finally:
        lamina.stop()
