"""SAM `Auth` forms of Lambda authorizers through a real `lamina up` (fixture app
tests/fixtures/apps/authorizer_forms): what aws-sam-translator writes for each `Identity`
form, and what a client sees when the authorizer's answer is unusable; and an OpenAPI
body's x-amazon-apigateway-authorizer / x-amazon-apigateway-authtype.

https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-property-api-lambdarequestauthorizationidentity.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-lambda-authorizer-input.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-lambda-authorizer.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authorizer.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from lamina.config.ids import physical_id
from tests.conftest import FIXTURES, LaminaProcess

STACK = "authorizer-forms"  # the folder name, as a stack name (no underscores)
REST_HOST = f"{physical_id(STACK, 'FormsApi')}.execute-api.localhost"
HTTP_HOST = f"{physical_id(STACK, 'FormsHttpApi')}.execute-api.localhost"
BODY_HOST = f"{physical_id(STACK, 'BodyApi')}.execute-api.localhost"
CONFIGURATION_ERROR = b'{"message": null}'


@pytest.fixture(scope="module")
def app() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(FIXTURES / "apps" / "authorizer_forms")
    yield lamina
    lamina.stop()


@pytest.fixture
def client(app: LaminaProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=app.base, timeout=30) as client:
        yield client


def rest(client: httpx.Client, method: str, path: str, **headers: str) -> httpx.Response:
    sent = {"Host": REST_HOST, **{k.replace("_", "-"): v for k, v in headers.items()}}
    return client.request(method, f"/prod{path}", headers=sent)


def http(client: httpx.Client, path: str, user: str) -> httpx.Response:
    return client.get(f"/live{path}", headers={"Host": HTTP_HOST, "X-User": user})


def authorizer_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["requestContext"]["authorizer"]
    return found


def test_rest_request_identity_from_headers_query_stage_variables_and_context(
    client: httpx.Client,
) -> None:
    first = authorizer_of(rest(client, "GET", "/all?tenant=t1", X_User="ann"))
    assert first["principalId"] == "p"
    assert first["method"] == "GET"
    again = authorizer_of(rest(client, "GET", "/all?tenant=t1", X_User="ann"))
    assert again["invocation"] == first["invocation"]  # cached on all four values
    assert again["integrationLatency"] == 0
    # Each identity value is part of the key: another tenant, or the context's
    # httpMethod (POST), is another call.
    tenant = authorizer_of(rest(client, "GET", "/all?tenant=t2", X_User="ann"))
    posted = authorizer_of(rest(client, "POST", "/all?tenant=t1", X_User="ann"))
    assert posted["method"] == "POST"
    assert len({first["invocation"], tenant["invocation"], posted["invocation"]}) == 3


@pytest.mark.parametrize("query", ["", "?tenant=", "?other=1"])
def test_rest_request_missing_or_empty_identity_is_401(client: httpx.Client, query: str) -> None:
    response = rest(client, "GET", f"/all{query}", X_User="ann")
    assert response.status_code == 401
    assert response.content == b'{"message":"Unauthorized"}'
    assert response.headers["x-amzn-errortype"] == "UnauthorizedException"


def test_rest_request_without_identity_sources_is_called_every_time(client: httpx.Client) -> None:
    """SAM accepts a REQUEST authorizer with no Identity values when ReauthorizeEvery is 0
    (API_Authorizer: identitySource is required only when caching is enabled)."""
    calls = {authorizer_of(rest(client, "GET", "/bare"))["invocation"] for _ in range(3)}
    assert len(calls) == 3


@pytest.mark.parametrize("mode", ["no-statement", "nested-context"])
def test_rest_unusable_answer_is_500_authorizer_configuration_error(
    client: httpx.Client, mode: str
) -> None:
    response = rest(client, "GET", "/all?tenant=t1", X_User=f"user-{mode}", X_Mode=mode)
    assert response.status_code == 500
    assert response.content == CONFIGURATION_ERROR
    assert response.headers["x-amzn-errortype"] == "AuthorizerConfigurationException"


def test_rest_cors_preflight_is_left_open_when_sam_says_so(client: httpx.Client) -> None:
    response = rest(
        client,
        "OPTIONS",
        "/all",
        Origin="http://elsewhere.test",
        Access_Control_Request_Method="GET",
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == "*"


def test_http_identity_with_stage_variable_and_route_key_caches_per_route(
    client: httpx.Client,
) -> None:
    one = authorizer_of(http(client, "/one", "ann"))["lambda"]
    assert one["identity"] == ["ann", "z1", "GET /one"]
    assert authorizer_of(http(client, "/one", "ann"))["lambda"]["invocation"] == one["invocation"]
    two = authorizer_of(http(client, "/two", "ann"))["lambda"]
    assert two["identity"] == ["ann", "z1", "GET /two"]
    assert two["invocation"] != one["invocation"]


def test_http_missing_identity_header_is_401(client: httpx.Client) -> None:
    response = client.get("/live/one", headers={"Host": HTTP_HOST})
    assert response.status_code == 401
    assert response.content == b'{"message":"Unauthorized"}'


def test_http_cached_policy_answer_is_evaluated_per_route(client: httpx.Client) -> None:
    """One answer (cached on X-User alone) allows only /allowed: the other route sharing
    it is refused from the cache, without calling the authorizer again."""
    allowed = authorizer_of(http(client, "/allowed", "bob"))["lambda"]
    refused = http(client, "/refused", "bob")
    assert refused.status_code == 403
    assert refused.content == b'{"message":"Forbidden"}'
    again = authorizer_of(http(client, "/allowed", "bob"))["lambda"]
    assert again["invocation"] == allowed["invocation"]


def body(client: httpx.Client, path: str, token: str | None = None) -> httpx.Response:
    headers = {"Host": BODY_HOST}
    if token is not None:
        headers["X-Token"] = token
    return client.get(f"/v1{path}", headers=headers)


def test_openapi_token_authorizer_reads_its_apikey_header_and_validation_expression(
    client: httpx.Client,
) -> None:
    """x-amazon-apigateway-authorizer type token: the header is the apiKey scheme's `name`,
    identityValidationExpression refuses before the function is called, the policy decides."""
    admitted = authorizer_of(body(client, "/token", "ok-ann"))
    assert admitted["principalId"] == "user-ann"
    for token in (None, "", "bad", "ok-ANN"):
        refused = body(client, "/token", token)
        assert refused.status_code == 401, token
        assert refused.content == b'{"message":"Unauthorized"}'
    denied = body(client, "/token", "ok-denied")
    assert denied.status_code == 403
    assert denied.headers["x-amzn-errortype"] == "AccessDeniedException"
    assert denied.content == (
        b'{"Message":"User is not authorized to access this resource with an explicit deny"}'
    )


def test_openapi_awssigv4_authtype_makes_the_method_aws_iam(client: httpx.Client) -> None:
    response = body(client, "/iam")
    assert response.status_code == 403
    assert response.content == b'{"message":"Missing Authentication Token"}'
    assert response.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"


def test_rest_method_arn_over_1600_bytes_is_414(client: httpx.Client) -> None:
    """The limits page: "the maximum length of the method's ARN ... is 1600 bytes" when
    authorization is enabled; longer path parameters get 414."""
    api_id = REST_HOST.split(".")[0]
    prefix = f"arn:aws:execute-api:us-east-1:123456789012:{api_id}/prod/GET/items/"
    fits = "a" * (1600 - len(prefix))
    admitted = rest(client, "GET", f"/items/{fits}?tenant=t1", X_User="ann")
    assert admitted.status_code == 200, admitted.text
    refused = rest(client, "GET", f"/items/{fits}b?tenant=t1", X_User="ann")
    assert refused.status_code == 414
    assert refused.content == b'{"message":"Request URI too long"}'
