"""Lambda authorizers through a real `lamina up`: SAM Auth on a REST API (TOKEN, REQUEST)
and an HTTP API (payload 2.0 simple responses, payload 1.0 IAM policies), with real
authorizer functions invoked under SAM's authorizer permissions."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from lamina.config.ids import physical_id
from tests.conftest import FIXTURES, LaminaProcess

STACK = "authorizers"
REST_HOST = f"{physical_id(STACK, 'AuthRestApi')}.execute-api.localhost"
HTTP_HOST = f"{physical_id(STACK, 'AuthHttpApi')}.execute-api.localhost"


@pytest.fixture(scope="module")
def app() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(FIXTURES / "apps" / "authorizers")
    yield lamina
    lamina.stop()


@pytest.fixture
def client(app: LaminaProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app.base, timeout=30) as client:
        yield client


def rest(
    client: httpx.Client, path: str, token: str | None = None, **kwargs: Any
) -> httpx.Response:
    headers = {"Host": REST_HOST, **kwargs.pop("headers", {})}
    if token is not None:
        headers["Authorization"] = token
    return client.get(f"/prod{path}", headers=headers, **kwargs)


def http(client: httpx.Client, path: str, token: str | None = None) -> httpx.Response:
    headers = {"Host": HTTP_HOST}
    if token is not None:
        headers["Authorization"] = token
    return client.get(path, headers=headers)


def authorizer_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["requestContext"]["authorizer"]
    return found


def test_token_allow_reaches_the_integration_with_principal_and_context(
    client: httpx.Client,
) -> None:
    authorizer = authorizer_of(rest(client, "/token", "Bearer alice"))
    assert authorizer["principalId"] == "user-alice"
    assert (authorizer["number"], authorizer["flag"]) == ("7", "true")
    assert isinstance(authorizer["integrationLatency"], int)
    assert authorizer["invocation"]


def test_token_answer_is_cached_and_reevaluated_per_method(client: httpx.Client) -> None:
    first = authorizer_of(rest(client, "/token", "Bearer cached"))
    second = authorizer_of(rest(client, "/token", "Bearer cached"))
    # The same invocation id: the second request did not call the authorizer.
    assert second["invocation"] == first["invocation"]
    assert second["integrationLatency"] == 0
    # The cached policy names /token only: /other is denied without a new call.
    other = rest(client, "/other", "Bearer cached")
    assert other.status_code == 403
    assert other.json() == {"Message": "User is not authorized to access this resource"}
    assert other.headers["x-amzn-errortype"] == "AccessDeniedException"
    fresh = authorizer_of(rest(client, "/token", "Bearer another"))
    assert fresh["invocation"] != first["invocation"]


def test_token_answer_is_cached_per_stage(client: httpx.Client) -> None:
    """SAM deploys the API to `prod` and `Stage`: the answer cached for one stage (its policy
    names that stage's method ARN) does not serve the other, which asks again."""
    headers = {"Host": REST_HOST, "Authorization": "Bearer staged"}
    prod = authorizer_of(client.get("/prod/token", headers=headers))
    other_stage = authorizer_of(client.get("/Stage/token", headers=headers))
    assert other_stage["invocation"] != prod["invocation"]
    again = authorizer_of(client.get("/Stage/token", headers=headers))
    assert again["invocation"] == other_stage["invocation"]


@pytest.mark.parametrize("token", [None, "", "Basic x"])
def test_token_missing_or_failing_validation_is_401(
    client: httpx.Client, token: str | None
) -> None:
    response = rest(client, "/token", token)
    assert response.status_code == 401
    assert response.content == b'{"message":"Unauthorized"}'
    assert response.headers["x-amzn-errortype"] == "UnauthorizedException"


def test_token_authorizer_raising_unauthorized_is_401(client: httpx.Client) -> None:
    response = rest(client, "/token", "Bearer unauthorized")
    assert response.status_code == 401
    assert response.content == b'{"message":"Unauthorized"}'


def test_token_explicit_deny_is_403(client: httpx.Client) -> None:
    response = rest(client, "/token", "Bearer deny")
    assert response.status_code == 403
    assert response.content == (
        b'{"Message":"User is not authorized to access this resource with an explicit deny"}'
    )
    assert response.headers["x-amzn-errortype"] == "AccessDeniedException"


def test_token_authorizer_crash_is_500_configuration_error(client: httpx.Client) -> None:
    response = rest(client, "/token", "Bearer crash")
    assert response.status_code == 500
    assert response.content == b'{"message": null}'
    assert response.headers["x-amzn-errortype"] == "AuthorizerConfigurationException"


def test_method_with_authorizer_none_is_open(client: httpx.Client) -> None:
    response = rest(client, "/open")
    assert response.status_code == 200
    assert "principalId" not in (response.json()["requestContext"].get("authorizer") or {})


def test_request_authorizer_sees_headers_and_query_and_is_called_every_time(
    client: httpx.Client,
) -> None:
    params = {"tenant": "acme"}
    first = authorizer_of(rest(client, "/request", headers={"X-User": "carol"}, params=params))
    second = authorizer_of(rest(client, "/request", headers={"X-User": "carol"}, params=params))
    assert first["principalId"] == "carol"
    assert (first["tenant"], first["eventType"]) == ("acme", "REQUEST")
    assert second["invocation"] != first["invocation"]  # TTL 0: no caching


@pytest.mark.parametrize(
    ("headers", "params"), [({"X-User": "carol"}, {}), ({}, {"tenant": "acme"})]
)
def test_request_authorizer_missing_identity_is_401(
    client: httpx.Client, headers: dict[str, str], params: dict[str, str]
) -> None:
    response = rest(client, "/request", headers=headers, params=params)
    assert response.status_code == 401
    assert response.headers["x-amzn-errortype"] == "UnauthorizedException"


def test_http_simple_response_allows_and_caches(client: httpx.Client) -> None:
    first = authorizer_of(http(client, "/simple", "dave"))
    second = authorizer_of(http(client, "/simple", "dave"))
    assert first["lambda"]["identity"] == ["dave"]
    assert second["lambda"]["invocation"] == first["lambda"]["invocation"]


def test_http_simple_response_denied_is_403(client: httpx.Client) -> None:
    response = http(client, "/simple", "no")
    assert response.status_code == 403
    assert response.content == b'{"message":"Forbidden"}'
    assert "x-amzn-errortype" not in response.headers


def test_http_missing_identity_is_401(client: httpx.Client) -> None:
    response = http(client, "/simple")
    assert response.status_code == 401
    assert response.content == b'{"message":"Unauthorized"}'


def test_http_payload_1_policy_allow_and_deny(client: httpx.Client) -> None:
    allowed = authorizer_of(http(client, "/policy", "yes"))
    assert allowed["lambda"]["invocation"]
    denied = http(client, "/policy", "nope")
    assert denied.status_code == 403
    assert denied.content == b'{"message":"Forbidden"}'


def test_http_authorizer_without_invoke_permission_is_500(client: httpx.Client) -> None:
    # SAM adds no permission for an HTTP API Lambda authorizer unless asked; AWS then
    # answers 500 ("If API Gateway doesn't have permission to invoke your function").
    host = f"{physical_id(STACK, 'UngrantedHttpApi')}.execute-api.localhost"
    response = client.get("/ungranted", headers={"Host": host, "Authorization": "eve"})
    assert response.status_code == 500
    assert response.content == b'{"message":"Internal Server Error"}'
