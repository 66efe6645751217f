"""CORS through a real `lamina up` (tests/fixtures/apps/cors): REST gets its CORS headers only
from SAM `Cors`'s MOCK OPTIONS methods, the functions and the DEFAULT_4XX gateway response;
the HTTP API's CorsConfiguration is applied by the gateway."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.conftest import FIXTURES, LaminaProcess

ALLOWED = "http://allowed.example"


@pytest.fixture(scope="module")
def cors_app() -> Iterator[LaminaProcess]:
    lamina = LaminaProcess(FIXTURES / "apps" / "cors")
    yield lamina
    lamina.stop()


@pytest.fixture
def client(cors_app: LaminaProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=cors_app.base, timeout=20) as client:
        yield client


def _cors(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


def _preflight(client: httpx.Client, path: str, origin: str = ALLOWED) -> httpx.Response:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "PUT",
            "Access-Control-Request-Headers": "x-custom",
        },
    )


def test_cors_rest_sam_options_mock_answers_the_configured_headers(client: httpx.Client) -> None:
    response = _preflight(client, "/Prod/items/7")
    assert response.status_code == 200
    assert response.content == b"{}\n"
    assert response.headers["content-type"] == "application/json"
    assert _cors(response) == {
        "access-control-allow-origin": ALLOWED,
        "access-control-allow-methods": "GET,PUT,OPTIONS",
        "access-control-allow-headers": "Content-Type,X-Custom",
        "access-control-max-age": "600",
    }
    assert "x-amzn-requestid" in response.headers


def test_cors_rest_proxy_headers_come_from_the_function(client: httpx.Client) -> None:
    response = client.get("/Prod/items", headers={"Origin": "http://other.example"})
    assert response.status_code == 200
    # The gateway adds nothing and checks nothing: the function said ALLOWED.
    assert _cors(response) == {"access-control-allow-origin": ALLOWED}
    assert response.json()["method"] == "GET"


def test_cors_rest_function_without_cors_headers_gets_none(client: httpx.Client) -> None:
    response = client.get("/Prod/plain", headers={"Origin": ALLOWED})
    assert response.status_code == 200
    assert _cors(response) == {}


def test_cors_rest_default_4xx_gateway_response_carries_the_users_headers(
    client: httpx.Client,
) -> None:
    response = client.get("/Prod/nowhere", headers={"Origin": ALLOWED})
    assert response.status_code == 403
    assert response.json() == {"message": "Missing Authentication Token"}
    assert response.headers["x-amzn-errortype"] == "MissingAuthenticationTokenException"
    assert _cors(response) == {"access-control-allow-origin": ALLOWED}
    assert response.headers["vary"] == "Origin"


@pytest.mark.parametrize("path", ["/echo", "/any/thing", "/not/a/route"])
def test_cors_http_preflight_is_204_from_the_gateway(client: httpx.Client, path: str) -> None:
    response = _preflight(client, path)
    assert response.status_code == 204
    assert response.content == b""
    assert _cors(response) == {
        "access-control-allow-origin": ALLOWED,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "GET,PUT,POST",
        "access-control-allow-headers": "content-type,x-custom",
        "access-control-expose-headers": "x-exposed",
        "access-control-max-age": "300",
    }
    assert "apigw-requestid" in response.headers


def test_cors_http_preflight_from_another_origin_has_no_cors_headers(
    client: httpx.Client,
) -> None:
    response = _preflight(client, "/echo", origin="http://evil.example")
    assert response.status_code == 204
    assert _cors(response) == {}


def test_cors_http_actual_response_has_the_gateways_headers_not_the_functions(
    client: httpx.Client,
) -> None:
    response = client.put("/echo", headers={"Origin": ALLOWED, "X-Custom": "v"})
    assert response.status_code == 200
    assert response.json() == {"method": "PUT", "custom": "v", "cookie": None}
    assert _cors(response) == {
        "access-control-allow-origin": ALLOWED,
        "access-control-allow-credentials": "true",
        "access-control-expose-headers": "x-exposed",
    }


@pytest.mark.parametrize("origin", [None, "http://evil.example"])
def test_cors_http_without_an_allowed_origin_no_cors_header_at_all(
    client: httpx.Client, origin: str | None
) -> None:
    response = client.get("/echo", headers={"Origin": origin} if origin else {})
    assert response.status_code == 200
    assert _cors(response) == {}  # the function's `*` is dropped too


def test_cors_http_not_found_carries_the_cors_headers(client: httpx.Client) -> None:
    response = client.get("/not/a/route", headers={"Origin": ALLOWED})
    assert response.status_code == 404
    assert response.json() == {"message": "Not Found"}
    assert response.headers["access-control-allow-origin"] == ALLOWED


def test_cors_http_answers_vary_on_origin(client: httpx.Client) -> None:
    """allowOrigins names origins, so every answer says it varies with Origin (allowed,
    refused, preflight or not): a shared cache never serves one origin's to another."""
    assert _preflight(client, "/echo").headers["vary"] == "Origin"
    assert _preflight(client, "/echo", origin="http://evil.example").headers["vary"] == "Origin"
    assert client.get("/echo", headers={"Origin": ALLOWED}).headers["vary"] == "Origin"
    assert client.get("/echo").headers["vary"] == "Origin"
    # REST: nothing added by the gateway (the SAM MOCK's headers only).
    assert "vary" not in _preflight(client, "/Prod/items/7").headers
