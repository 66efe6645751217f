"""A Cognito user pool authorizer with a REST resource policy, through a real `lamina up`
and a local identity provider: the token is checked first (401 without a valid one, even
where the policy allows), then "the resource policy is evaluated independently, and an
explicit allow is required".
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from lamina.config.load import load_application
from tests.conftest import FIXTURES, LaminaProcess
from tests.jwt_issuer import POOL_ID, IdentityProvider, TokenIssuer

APP = FIXTURES / "apps" / "resource_policy_cognito"


@pytest.fixture(scope="module")
def provider() -> Iterator[IdentityProvider]:
    idp = IdentityProvider()
    idp.pool(POOL_ID)
    yield idp
    idp.close()


@pytest.fixture(scope="module")
def lamina(provider: IdentityProvider) -> Iterator[LaminaProcess]:
    process = LaminaProcess(APP, env={"LAMINA_COGNITO_ISSUER_URL": provider.base})
    yield process
    process.stop()


@pytest.fixture(scope="module")
def api_id() -> str:
    return load_application(APP).rest_apis[0].id


def _get(lamina: LaminaProcess, path: str, token: str | None) -> httpx.Response:
    headers = {"Authorization": token} if token else {}
    return httpx.get(f"{lamina.base}{path}", headers=headers, timeout=20)


def _denied(api_id: str, path: str, *, explicit: bool) -> dict[str, str]:
    message = (
        "User: anonymous is not authorized to perform: execute-api:Invoke on resource: "
        f"arn:aws:execute-api:us-east-1:********9012:{api_id}/v1/GET/{path}"
    )
    return {"Message": message + (" with an explicit deny" if explicit else "")}


def test_valid_token_and_policy_allow_admit(
    lamina: LaminaProcess, provider: IdentityProvider
) -> None:
    token = provider.pool(POOL_ID).id_token()
    response = _get(lamina, "/v1/allowed", token)
    assert response.status_code == 200, response.text
    assert response.json()["requestContext"]["authorizer"]["claims"]["token_use"] == "id"


def test_token_is_checked_before_the_policy(lamina: LaminaProcess) -> None:
    for path in ("/v1/allowed", "/v1/denied"):
        response = _get(lamina, path, None)
        assert response.status_code == 401, path
        assert response.json() == {"message": "Unauthorized"}
    forged = TokenIssuer("https://elsewhere.example/pool").id_token()
    assert _get(lamina, "/v1/allowed", forged).status_code == 401


def test_valid_token_needs_an_explicit_allow(
    lamina: LaminaProcess, provider: IdentityProvider, api_id: str
) -> None:
    token = provider.pool(POOL_ID).id_token()
    silent = _get(lamina, "/v1/silent", token)
    assert silent.status_code == 403
    assert silent.headers["x-amzn-errortype"] == "AccessDeniedException"
    assert silent.json() == _denied(api_id, "silent", explicit=False)
    denied = _get(lamina, "/v1/denied", token)
    assert denied.status_code == 403
    assert denied.json() == _denied(api_id, "denied", explicit=True)
