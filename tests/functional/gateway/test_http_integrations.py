"""HTTP and HTTP_PROXY integrations through a real `lamina up` (tests/fixtures/apps/http_backend)
calling a loopback backend this test serves (tests/http_backend.py), whose URL is passed as the
template's BackendUrl parameter: REST proxy and non-proxy methods, an HTTP API with parameter
mapping from OpenAPI, and one from AWS::ApiGatewayV2 resources."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import boto3  # type: ignore[import-untyped]
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


def _client_of(service: str, served: Served) -> Any:
    return boto3.client(
        service,
        endpoint_url=served.lamina.base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _when_served(client: httpx.Client, url: str) -> httpx.Response:
    """A deployment reaches the gateway asynchronously: retry a 403/404 for up to 10 s."""
    deadline = time.monotonic() + 10
    while True:
        response = client.get(url)
        if response.status_code not in (403, 404) or time.monotonic() > deadline:
            return response
        time.sleep(0.1)


def test_management_api_put_integration_http_proxy_then_deploy_and_call(served: Served) -> None:
    """CreateResource {proxy+}, PutMethod ANY, PutIntegration HTTP_PROXY with the path
    mapping the console adds, CreateDeployment, call the stage."""
    apigw = _client_of("apigateway", served)
    api_id = apigw.create_rest_api(name="managed-http")["id"]
    root = apigw.get_resources(restApiId=api_id)["items"][0]["id"]
    resource = apigw.create_resource(restApiId=api_id, parentId=root, pathPart="{proxy+}")["id"]
    where = {"restApiId": api_id, "resourceId": resource, "httpMethod": "ANY"}
    apigw.put_method(
        **where, authorizationType="NONE", requestParameters={"method.request.path.proxy": True}
    )
    apigw.put_integration(
        **where,
        type="HTTP_PROXY",
        integrationHttpMethod="ANY",
        uri=served.backend.url + "/managed/{proxy}",
        requestParameters={"integration.request.path.proxy": "method.request.path.proxy"},
    )
    got = apigw.get_integration(**where)
    assert (got["type"], got["uri"]) == ("HTTP_PROXY", served.backend.url + "/managed/{proxy}")
    apigw.create_deployment(restApiId=api_id, stageName="live")
    url = f"{served.lamina.base}/restapis/{api_id}/live/_user_request_/deep/path?k=v"
    with httpx.Client(timeout=30) as client:
        response = _when_served(client, url)
    assert response.status_code == 200, served.lamina.output()
    seen = response.json()
    assert (seen["method"], seen["path"], seen["query"]) == ("GET", "/managed/deep/path", "k=v")


def test_management_api_v2_http_proxy_with_parameter_mapping(served: Served) -> None:
    """apigatewayv2 CreateApi, CreateIntegration HTTP_PROXY with request and response
    parameters, CreateRoute, CreateStage $default (auto-deploy), call it."""
    v2 = _client_of("apigatewayv2", served)
    api_id = v2.create_api(Name="managed-v2", ProtocolType="HTTP")["ApiId"]
    integration = v2.create_integration(
        ApiId=api_id,
        IntegrationType="HTTP_PROXY",
        IntegrationMethod="GET",
        IntegrationUri=served.backend.url + "/v2backend",
        PayloadFormatVersion="1.0",
        RequestParameters={"overwrite:querystring.who": "$request.header.x-who"},
        ResponseParameters={"200": {"overwrite:statuscode": "202"}},
    )
    assert integration["RequestParameters"] == {
        "overwrite:querystring.who": "$request.header.x-who"
    }
    v2.create_route(
        ApiId=api_id, RouteKey="GET /hello", Target=f"integrations/{integration['IntegrationId']}"
    )
    v2.create_stage(ApiId=api_id, StageName="$default", AutoDeploy=True)
    host = f"{api_id}.execute-api.localhost"
    with httpx.Client(base_url=served.lamina.base, headers={"host": host}, timeout=30) as client:
        deadline = time.monotonic() + 10
        while True:
            response = client.get("/hello", headers={"x-who": "bob"})
            if response.status_code not in (403, 404) or time.monotonic() > deadline:
                break
            time.sleep(0.1)
    assert response.status_code == 202, served.lamina.output()
    assert (response.json()["path"], response.json()["query"]) == ("/v2backend", "who=bob")
