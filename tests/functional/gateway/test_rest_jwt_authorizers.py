"""REST API JWT authorizers through a real `lamina up` of tests/fixtures/apps/rest_jwt: a
local identity provider on 127.0.0.1 (discovery and keys, RSA and EC) and Lamina's own
Cognito user pool as issuers.

https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-jwt-authorizer.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from lamina.config.ids import physical_id
from lamina.config.load import load_application
from lamina.config.service_ids import user_pool_client_id, user_pool_id
from tests.clients import aws_client
from tests.conftest import FIXTURES, LaminaProcess
from tests.jwt_issuer import IdentityProvider, TokenIssuer

APP = FIXTURES / "apps" / "rest_jwt"
STACK = "rest-jwt"  # the folder name, as a stack name
BODY_HOST = f"{physical_id(STACK, 'BodyApi')}.execute-api.localhost"
POOL_HOST = f"{physical_id(STACK, 'PoolApi')}.execute-api.localhost"
AUDIENCE = "api://orders"
PASSWORD = "correct-horse-9"


@pytest.fixture(scope="module")
def provider() -> Iterator[IdentityProvider]:
    idp = IdentityProvider()
    idp.pool("idp").rotate("ES256")
    yield idp
    idp.close()


@pytest.fixture(scope="module")
def lamina(provider: IdentityProvider) -> Iterator[LaminaProcess]:
    process = LaminaProcess(APP, "--parameter-overrides", f"IssuerUrl={provider.pool('idp').url}")
    yield process
    process.stop()


@pytest.fixture
def client(lamina: LaminaProcess) -> Iterator[httpx.Client]:
    """The API whose OpenAPI body declares the authorizer."""
    with httpx.Client(base_url=lamina.base, timeout=20, headers={"Host": BODY_HOST}) as http:
        yield http


@pytest.fixture
def pool_client(lamina: LaminaProcess) -> Iterator[httpx.Client]:
    """The API built from CloudFormation resources (AWS::ApiGateway::Authorizer)."""
    with httpx.Client(base_url=lamina.base, timeout=20, headers={"Host": POOL_HOST}) as http:
        yield http


@pytest.fixture
def issuer(provider: IdentityProvider) -> TokenIssuer:
    return provider.pool("idp")


def _token(issuer: TokenIssuer, **claims: Any) -> str:
    return issuer.mint(**{"aud": AUDIENCE, "tenant": "acme", "sub": "svc-1", **claims})


def test_rest_jwt_body_authorizer_admits_a_valid_token_with_typed_claims(
    client: httpx.Client, issuer: TokenIssuer
) -> None:
    token = _token(issuer, version="42", level=7, roles=["user", "editor"])
    response = client.get("/v1/orders", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    claims = response.json()["authorizer"]["claims"]
    assert claims["iss"] == issuer.url and claims["tenant"] == "acme"
    assert claims["version"] == "42" and claims["level"] == 7
    assert claims["roles"] == ["user", "editor"]


def test_rest_jwt_es256_token_passes(client: httpx.Client, issuer: TokenIssuer) -> None:
    ec_key = issuer.keys[1]
    token = issuer.mint(ec_key, algorithm="ES256", aud=AUDIENCE, tenant="acme")
    response = client.get("/v1/orders", headers={"Authorization": token})
    assert response.status_code == 200, response.text


def test_rest_jwt_refusals_are_401_unauthorized_with_a_challenge(
    client: httpx.Client, issuer: TokenIssuer
) -> None:
    missing = client.get("/v1/orders")
    assert (missing.status_code, missing.json()) == (401, {"message": "Unauthorized"})
    assert missing.headers["x-amzn-errortype"] == "UnauthorizedException"
    for token, why in [
        (_token(issuer, aud="api://other"), "valid audience"),
        (_token(issuer, tenant="umbrella"), "tenant"),
        (_token(issuer, tenant=None), "no tenant claim"),
        (_token(issuer, exp=1), "expired"),
    ]:
        response = client.get("/v1/orders", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, why
        assert response.json() == {"message": "Unauthorized"}
        assert why in response.headers["www-authenticate"]


def test_rest_jwt_method_scopes_answer_403_without_one(
    client: httpx.Client, issuer: TokenIssuer
) -> None:
    denied = client.post(
        "/v1/write", headers={"Authorization": _token(issuer, scope="orders:read")}
    )
    assert denied.status_code == 403
    assert denied.headers["x-amzn-errortype"] == "AccessDeniedException"
    allowed = client.post(
        "/v1/write", headers={"Authorization": _token(issuer, scope="orders:read orders:write")}
    )
    assert allowed.status_code == 200, allowed.text


def test_rest_jwt_mapping_template_reads_claims_as_json_text(
    client: httpx.Client, issuer: TokenIssuer
) -> None:
    token = _token(issuer, name='Doe, "Jane"', version="42", roles=["user", "editor"])
    response = client.get("/v1/mapped", headers={"Authorization": token})
    assert response.status_code == 200, response.text
    # The template wrote the claims unquoted: their JSON text made the body valid JSON.
    assert response.json() == {
        "name": 'Doe, "Jane"',
        "version": "42",
        "roles": ["user", "editor"],
    }


def test_rest_jwt_resource_authorizer_trusts_lamina_user_pool_and_local_issuer(
    lamina: LaminaProcess, pool_client: httpx.Client, issuer: TokenIssuer
) -> None:
    client = pool_client
    app = load_application(APP)
    pool_id = user_pool_id(app.stack_name, "UserPool", app.region)
    client_id = user_pool_client_id(app.stack_name, "WebClient")
    idp = aws_client(lamina.base, "cognito-idp")  # Lamina's own Cognito, on its one port
    email = f"ada+{lamina.port}@example.com"
    idp.admin_create_user(
        UserPoolId=pool_id,
        Username=email,
        TemporaryPassword="temp-Pass-123",
        MessageAction="SUPPRESS",
    )
    idp.admin_set_user_password(
        UserPoolId=pool_id, Username=email, Password=PASSWORD, Permanent=True
    )
    tokens = idp.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": email, "PASSWORD": PASSWORD},
    )["AuthenticationResult"]

    for kind in ("IdToken", "AccessToken"):
        response = client.get("/prod/me", headers={"X-Id-Token": f"Bearer {tokens[kind]}"})
        assert response.status_code == 200, (kind, response.text, lamina.output()[-2000:])
        claims = response.json()["authorizer"]["claims"]
        assert claims["iss"].endswith(f"/{pool_id}")
    # The same authorizer's second issuer; the configured header only.
    assert client.get("/prod/me", headers={"X-Id-Token": _token(issuer)}).status_code == 200
    assert client.get("/prod/me", headers={"Authorization": tokens["IdToken"]}).status_code == 401
    # RS256 only on this authorizer: the local issuer's ES256 token is refused.
    ec_token = issuer.mint(issuer.keys[1], algorithm="ES256", aud=AUDIENCE)
    refused = client.get("/prod/me", headers={"X-Id-Token": ec_token})
    assert refused.status_code == 401
    assert "signing method ES256" in refused.headers["www-authenticate"]
