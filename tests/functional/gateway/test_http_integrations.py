"""HTTP and HTTP_PROXY integrations through a real `lamina up` (tests/fixtures/apps/http_backend)
calling a loopback backend this test serves (tests/http_backend.py), whose URL is passed as the
template's BackendUrl parameter: REST proxy and non-proxy methods, an HTTP API with parameter
mapping from OpenAPI, and one from AWS::ApiGatewayV2 resources."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from lamina.config.load import load_application
from tests.conftest import FIXTURES, LaminaProcess
from tests.http_backend import BackendThread

APP = FIXTURES / "apps" / "http_backend"


class Served:
    def __init__(self, lamina: LaminaProcess, backend: BackendThread, ids: dict[str, str]) -> None:
        self.lamina = lamina
        self.backend = backend
        self.ids = ids

    def client(self, api: str) -> httpx.Client:
        host = f"{self.ids[api]}.execute-api.localhost"
        return httpx.Client(base_url=self.lamina.base, headers={"host": host}, timeout=20)


@pytest.fixture(scope="module")
def served() -> Iterator[Served]:
    with BackendThread() as backend:
        overrides = {"BackendUrl": backend.url}
        app = load_application(APP, parameter_overrides=overrides)
        ids = {api.logical_id: api.id for api in (*app.rest_apis, *app.http_apis)}
        lamina = LaminaProcess(APP, "--parameter-overrides", f"BackendUrl={backend.url}")
        try:
            yield Served(lamina, backend, ids)
        finally:
            lamina.stop()


def test_rest_http_proxy_greedy_resource(served: Served) -> None:
    with served.client("RestProxy") as client:
        response = client.post(
            "/dev/proxy/a/b%20c", params={"x": "1"}, headers={"x-hello": "hi"}, content=b"payload"
        )
    assert response.status_code == 200, served.lamina.output()
    seen = response.json()
    assert (seen["method"], seen["path"], seen["query"]) == ("POST", "/a/b%20c", "x=1")
    assert dict(seen["headers"])["x-hello"] == "hi"
    assert seen["body"] == "payload"
    assert response.headers["x-backend"] == "yes"
    assert response.headers["x-amzn-remapped-server"] == "echo-backend"


def test_rest_http_non_proxy_maps_request_and_response(served: Served) -> None:
    with served.client("RestProxy") as client:
        response = client.post("/dev/orders/17", json={"qty": 2}, headers={"x-dropped": "1"})
    assert response.status_code == 200, served.lamina.output()
    seen = served.backend.backend.requests[-1]
    assert (seen["method"], seen["path"]) == ("PUT", "/store/orders/17")
    headers = dict(seen["headers"])
    assert headers["x-caller"] == "rest-api" and "x-dropped" not in headers
    assert response.json() == {"backendSaw": '{"order": {"qty":2}, "id": "17"}'}
    assert response.headers["x-backend-method"] == "PUT"


def test_rest_http_backend_status_selects_the_integration_response(served: Served) -> None:
    with served.client("RestProxy") as client:
        response = client.get("/dev/fail")
    assert (response.status_code, response.json()) == (400, {"failed": 404})


def test_rest_http_proxy_timeout_is_504(served: Served) -> None:
    with served.client("RestProxy") as client:
        response = client.get("/dev/slow")
    assert (response.status_code, response.text) == (
        504,
        '{"message": "Endpoint request timed out"}',
    )


def test_http_api_parameter_mapping_from_openapi(served: Served) -> None:
    with served.client("HttpProxy") as client:
        response = client.get(
            "/items/42", headers={"x-client-user": "ann", "x-user": "spoof", "x-secret": "s"}
        )
    assert response.status_code == 203, served.lamina.output()
    assert response.headers["x-mapped"] == "yes"
    seen = response.json()
    assert (seen["path"], seen["query"]) == ("/catalog/items/42", "source=http-api")
    headers = dict(seen["headers"])
    assert headers["x-user"] == "ann" and "x-secret" not in headers


def test_http_api_from_apigatewayv2_resources(served: Served) -> None:
    with served.client("V2Api") as client:
        response = client.get("/some/where")
    assert response.status_code == 200, served.lamina.output()
    assert response.json()["path"] == "/v2/some/where"
    assert dict(response.json()["headers"])["x-via"] == "cfn"
    assert response.headers["x-route"] == "ANY /{proxy+}"
