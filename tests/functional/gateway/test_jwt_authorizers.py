"""JWT authorizers (HTTP API) and Cognito user pool authorizers (REST API) through a real
`lamina up`, with a local identity provider on 127.0.0.1 serving discovery and keys.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-jwt-authorizer.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-enable-cognito-user-pool.html
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import httpx
import pytest

from lamina.gateway.auth.jwks import REFRESH_INTERVAL_S
from tests.conftest import FIXTURES, LaminaProcess
from tests.jwt_issuer import CLIENT_ID, POOL_ID, IdentityProvider, TokenIssuer

JAVA_DATE = re.compile(r"\w{3} \w{3} \d\d \d\d:\d\d:\d\d UTC \d{4}")


@pytest.fixture(scope="module")
def provider() -> Iterator[IdentityProvider]:
    idp = IdentityProvider()
    idp.pool(POOL_ID)
    yield idp
    idp.close()


@pytest.fixture(scope="module")
def lamina(provider: IdentityProvider) -> Iterator[LaminaProcess]:
    issuer = provider.pool(POOL_ID)
    process = LaminaProcess(
        FIXTURES / "apps" / "jwt",
        "--parameter-overrides",
        f"IssuerUrl={issuer.url}",
        env={"LAMINA_COGNITO_ISSUER_URL": provider.base},
    )
    yield process
    process.stop()


@pytest.fixture
def client(lamina: LaminaProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=lamina.base, timeout=20) as http:
        yield http


@pytest.fixture
def issuer(provider: IdentityProvider) -> TokenIssuer:
    return provider.pool(POOL_ID)


def test_http_api_valid_token_delivers_claims_in_payload_2_0(
    client: httpx.Client, issuer: TokenIssuer
) -> None:
    token = issuer.id_token(**{"cognito:groups": ["admin", "users"]})
    response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    jwt = response.json()["authorizer"]["jwt"]
    assert jwt["scopes"] is None
    claims = jwt["claims"]
    assert claims["iss"] == issuer.url
    assert claims["aud"] == CLIENT_ID
    assert claims["cognito:username"] == "alice"
    assert claims["cognito:groups"] == "[admin users]"
    assert claims["email_verified"] == "true"
    assert claims["exp"].isdigit()


def test_http_api_missing_token_is_401(client: httpx.Client) -> None:
    response = client.get("/me")
    assert response.status_code == 401
    assert response.content == b'{"message":"Unauthorized"}'
    assert "apigw-requestid" in response.headers


def test_http_api_wrong_audience_is_401_with_www_authenticate(
    client: httpx.Client, issuer: TokenIssuer
) -> None:
    token = issuer.id_token(aud="not-our-client")
    response = client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.content == b'{"message":"Unauthorized"}'
    assert response.headers["www-authenticate"] == (
        'Bearer scope="" error="invalid_token" '
        'error_description="the token does not have a valid audience"'
    )


def test_http_api_expired_and_forged_tokens_are_401(
    client: httpx.Client, issuer: TokenIssuer
) -> None:
    expired = issuer.id_token(exp=int(time.time()) - 10)
    response = client.get("/me", headers={"Authorization": f"Bearer {expired}"})
    assert response.status_code == 401
    assert 'error_description="the token has expired"' in response.headers["www-authenticate"]
    forged = TokenIssuer(issuer.url).id_token()  # same kid, another private key
    assert client.get("/me", headers={"Authorization": forged}).status_code == 401


def test_http_api_route_scopes(client: httpx.Client, issuer: TokenIssuer) -> None:
    allowed = issuer.access_token(scope="openid admin")
    response = client.get("/admin", headers={"Authorization": f"Bearer {allowed}"})
    assert response.status_code == 200, response.text
    jwt = response.json()["authorizer"]["jwt"]
    assert jwt["scopes"] == ["openid", "admin"]
    assert jwt["claims"]["client_id"] == CLIENT_ID
    refused = issuer.access_token(scope="openid")
    response = client.get("/admin", headers={"Authorization": f"Bearer {refused}"})
    assert (response.status_code, response.content) == (403, b'{"message":"Forbidden"}')


def test_http_api_payload_1_0_claims_and_scopes(client: httpx.Client, issuer: TokenIssuer) -> None:
    response = client.get("/v1/me", headers={"Authorization": f"Bearer {issuer.id_token()}"})
    assert response.status_code == 200, response.text
    authorizer = response.json()["authorizer"]
    assert authorizer["claims"]["token_use"] == "id"
    assert authorizer["scopes"] is None


def test_http_api_open_route_needs_no_token(client: httpx.Client) -> None:
    assert client.get("/open").status_code == 200


def test_key_rotation_is_picked_up_on_an_unknown_kid(
    client: httpx.Client, issuer: TokenIssuer, provider: IdentityProvider
) -> None:
    jwks_path = f"/{POOL_ID}/.well-known/jwks.json"
    client.get("/me", headers={"Authorization": issuer.id_token()})  # keys cached
    before = provider.requests.get(jwks_path, 0)
    assert before >= 1
    time.sleep(REFRESH_INTERVAL_S + 0.2)  # one refresh per interval: let it pass
    rotated = issuer.rotate()
    token = issuer.mint(rotated, aud=CLIENT_ID, token_use="id", sub="rotated")
    response = client.get("/me", headers={"Authorization": token})
    assert response.status_code == 200, response.text
    assert response.json()["authorizer"]["jwt"]["claims"]["sub"] == "rotated"
    assert provider.requests[jwks_path] == before + 1
    # A burst of unknown kids right after does not reach the issuer again.
    for n in range(20):
        bogus = issuer.mint(aud=CLIENT_ID, headers={"kid": f"bogus-{n}"})
        assert client.get("/me", headers={"Authorization": bogus}).status_code == 401
    assert provider.requests[jwks_path] == before + 1


def test_rest_cognito_id_token_delivers_rest_claims(
    client: httpx.Client, issuer: TokenIssuer
) -> None:
    token = issuer.id_token(**{"cognito:groups": ["team", "ops"]})
    response = client.get("/Prod/profile", headers={"Authorization": token})
    assert response.status_code == 200, response.text
    authorizer = response.json()["authorizer"]
    assert set(authorizer) == {"claims"}
    claims = authorizer["claims"]
    assert claims["iss"] == f"{issuer.url}"
    assert claims["token_use"] == "id"
    assert claims["cognito:groups"] == "team,ops"
    assert claims["email_verified"] == "true"
    assert JAVA_DATE.fullmatch(claims["exp"]) and JAVA_DATE.fullmatch(claims["iat"])
    assert claims["auth_time"].isdigit()


def test_rest_cognito_refusals_are_401_unauthorized_exception(
    client: httpx.Client, issuer: TokenIssuer
) -> None:
    cases = {
        "missing": None,
        "access token without method scopes": issuer.access_token(),
        "expired": issuer.id_token(exp=int(time.time()) - 10),
        "another pool": TokenIssuer(f"{issuer.url}x").id_token(),
    }
    for case, token in cases.items():
        headers = {"Authorization": token} if token else {}
        response = client.get("/Prod/profile", headers=headers)
        assert response.status_code == 401, case
        assert response.content == b'{"message":"Unauthorized"}', case
        assert response.headers["x-amzn-errortype"] == "UnauthorizedException", case


def test_rest_cognito_scoped_method_takes_access_tokens(
    client: httpx.Client, issuer: TokenIssuer
) -> None:
    token = issuer.access_token(scope="shop/orders.read")
    response = client.get("/Prod/orders", headers={"Authorization": token})
    assert response.status_code == 200, response.text
    assert response.json()["authorizer"]["claims"]["scope"] == "shop/orders.read"
    for refused in (issuer.id_token(), issuer.access_token(scope="openid")):
        response = client.get("/Prod/orders", headers={"Authorization": refused})
        assert response.status_code == 401


def test_rest_public_method_has_no_authorizer_claims(client: httpx.Client) -> None:
    response = client.get("/Prod/public")
    assert response.status_code == 200
    assert "claims" not in (response.json()["authorizer"] or {})
