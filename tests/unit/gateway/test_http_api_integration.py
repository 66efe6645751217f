"""HTTP APIs: HTTP_PROXY integrations and parameter mapping (request and response) through
the real Gateway, against a loopback backend (tests/http_backend.py); response mapping over
a Lambda integration too.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import orjson
import pytest

from lamina.functions.model import InvokeResult
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import GatewayResponse
from lamina.gateway.model import (
    HttpApi,
    HttpIntegration,
    Integration,
    LambdaIntegration,
    Route,
    Stage,
)
from tests.gateway_request import gateway_request
from tests.http_backend import EchoBackend
from tests.invoker import ScriptedInvoker

ERRORS = json.loads(
    (Path(__file__).resolve().parents[2] / "fixtures" / "gateway_errors.json").read_text()
)


@pytest.fixture
async def backend() -> AsyncIterator[tuple[EchoBackend, str]]:
    server = EchoBackend()
    url = await server.start()
    yield server, url
    await server.stop()


def _gateway(
    routes: dict[str, Integration],
    variables: dict[str, str] | None = None,
    invoker: ScriptedInvoker | None = None,
    stage: str = "$default",
) -> Gateway:
    api = HttpApi(
        id="httpapi001",
        logical_id="Http",
        name="Http",
        stages=(Stage(name=stage, variables=variables or {}),),
        routes=tuple(Route(route_key=key, integration=it) for key, it in routes.items()),
    )
    return Gateway(
        Deployment((), (api,), account_id="123456789012", region="us-east-1"),
        invoker or ScriptedInvoker(InvokeResult(payload=b"{}")),
    )


async def _call(gateway: Gateway, path: str, **kwargs: Any) -> GatewayResponse:
    return await gateway.handle(gateway_request(path, **kwargs), "127.0.0.1:3000")


def _headers(response: GatewayResponse) -> list[tuple[str, str]]:
    return [(name.decode().lower(), value.decode()) for name, value in response.headers]


async def test_http_proxy_greedy_path_forwards_request_and_returns_backend_as_is(
    backend: tuple[EchoBackend, str],
) -> None:
    _, url = backend
    gateway = _gateway({"ANY /{proxy+}": HttpIntegration(uri=url + "/{proxy}")})
    response = await _call(
        gateway,
        "/pets/7",
        method="DELETE",
        query_string="force=yes&force=no",
        headers=[("X-Trace-Me", "1")],
        body=b"gone",
    )
    assert response.status == 200
    seen = orjson.loads(response.body)
    assert (seen["method"], seen["path"], seen["query"]) == (
        "DELETE",
        "/pets/7",
        "force=yes&force=no",
    )
    assert dict(seen["headers"])["x-trace-me"] == "1"
    assert seen["body"] == "gone"
    headers = dict(_headers(response))
    # HTTP APIs do not remap the backend's headers.
    assert (headers["server"], headers["x-backend"]) == ("echo-backend", "yes")
    assert "apigw-requestid" in headers


async def test_http_proxy_uri_without_variables_is_called_as_written(
    backend: tuple[EchoBackend, str],
) -> None:
    server, url = backend
    gateway = _gateway(
        {"GET /pets": HttpIntegration(uri=url + "/backend/list", http_method="POST")}
    )
    assert (await _call(gateway, "/pets", query_string="limit=2")).status == 200
    seen = server.requests[-1]
    assert (seen["method"], seen["path"], seen["query"]) == ("POST", "/backend/list", "limit=2")


async def test_request_parameter_mapping_headers_query_and_path(
    backend: tuple[EchoBackend, str],
) -> None:
    server, url = backend
    integration = HttpIntegration(
        uri=url + "/unused",
        request_parameters={
            "overwrite:header.x-user": "$request.header.x-client-user",
            "append:header.x-tags": "added",
            "remove:header.x-secret": "''",
            "overwrite:header.x-info": "route ${context.routeKey} on ${stageVariables.env}",
            "append:querystring.page": "$request.path.id",
            "overwrite:querystring.sort": "asc",
            "remove:querystring.debug": "''",
            "overwrite:path": "/v2/items/${request.path.id}",
        },
    )
    gateway = _gateway({"GET /items/{id}": integration}, {"env": "test"})
    response = await _call(
        gateway,
        "/items/5",
        query_string="sort=desc&debug=1&keep=k",
        headers=[
            ("X-Client-User", "ann"),
            ("X-User", "spoofed"),
            ("X-Tags", "first"),
            ("X-Secret", "s3"),
        ],
    )
    assert response.status == 200
    seen = server.requests[-1]
    assert seen["path"] == "/v2/items/5"
    assert sorted(seen["query"].split("&")) == ["keep=k", "page=5", "sort=asc"]
    headers = seen["headers"]
    assert [v for n, v in headers if n == "x-user"] == ["ann"]
    assert [v for n, v in headers if n == "x-tags"] == ["first", "added"]
    assert "x-secret" not in dict(headers)
    assert dict(headers)["x-info"] == "route GET /items/{id} on test"


async def test_request_mapping_of_an_absent_value_leaves_the_parameter_alone(
    backend: tuple[EchoBackend, str],
) -> None:
    server, url = backend
    integration = HttpIntegration(
        uri=url + "/x", request_parameters={"overwrite:header.x-user": "$request.header.x-none"}
    )
    await _call(_gateway({"GET /x": integration}), "/x", headers=[("X-User", "kept")])
    assert dict(server.requests[-1]["headers"])["x-user"] == "kept"


async def test_response_parameter_mapping_by_backend_status(
    backend: tuple[EchoBackend, str],
) -> None:
    _, url = backend
    response_parameters = {
        "200": {
            "overwrite:statuscode": "201",
            "append:header.x-seen-method": "$response.body.method",
            "overwrite:header.x-backend": "mapped-${response.header.x-backend}",
            "remove:header.server": "''",
        },
        "404": {"overwrite:statuscode": "410"},
    }
    integration = HttpIntegration(uri=url + "/{proxy}", response_parameters=response_parameters)
    gateway = _gateway({"ANY /{proxy+}": integration})
    created = await _call(gateway, "/anything", method="PATCH")
    headers = _headers(created)
    assert created.status == 201
    assert ("x-seen-method", "PATCH") in headers
    assert [v for n, v in headers if n == "x-backend"] == ["mapped-yes"]
    assert "server" not in dict(headers)
    gone = await _call(gateway, "/status/404")
    assert (gone.status, orjson.loads(gone.body)["code"]) == (410, 404)
    teapot = await _call(gateway, "/status/418")
    assert teapot.status == 418  # no mapping for 418: as the backend answered


async def test_response_parameter_mapping_over_a_lambda_integration() -> None:
    lambda_answer = InvokeResult(
        payload=b'{"statusCode": 200, "headers": {"x-fn": "f"}, "body": "{\\"ok\\": true}"}'
    )
    integration = LambdaIntegration(
        function_name="Fn",
        payload_format="2.0",
        response_parameters={
            "200": {
                "overwrite:statuscode": "202",
                "overwrite:header.x-copied": "$response.header.x-fn",
                "append:header.x-ok": "$response.body.ok",
            }
        },
    )
    gateway = _gateway({"POST /jobs": integration}, invoker=ScriptedInvoker(lambda_answer))
    response = await _call(gateway, "/jobs", method="POST")
    headers = dict(_headers(response))
    assert (response.status, headers["x-copied"], headers["x-ok"]) == (202, "f", "true")
    assert response.body == b'{"ok": true}'


async def test_http_api_timeout_and_unreachable_backend(backend: tuple[EchoBackend, str]) -> None:
    _, url = backend
    closed = EchoBackend()
    closed_url = await closed.start()
    await closed.stop()
    gateway = _gateway(
        {
            "GET /slow": HttpIntegration(uri=url + "/slow/2000", timeout_ms=100),
            "GET /down": HttpIntegration(uri=closed_url + "/down"),
        }
    )
    for path, case in (
        ("/slow", "http_api_http_integration_timeout"),
        ("/down", "http_api_http_endpoint_unreachable"),
    ):
        response = await _call(gateway, path)
        expected = ERRORS[case]
        assert (response.status, response.body.decode()) == (expected["status"], expected["body"])


@pytest.mark.parametrize("payload_format", ["2.0", "1.0"])
async def test_request_parameter_mapping_changes_the_lambda_event(payload_format: str) -> None:
    invoker = ScriptedInvoker(InvokeResult(payload=b'{"statusCode": 200, "body": "ok"}'))
    integration = LambdaIntegration(
        function_name="Fn",
        payload_format="2.0" if payload_format == "2.0" else "1.0",
        request_parameters={
            "append:header.x-tenant": "${stageVariables.tenant}",
            "remove:header.x-secret": "''",
            "overwrite:querystring.limit": "10",
            "remove:querystring.debug": "''",
            "overwrite:path": "/rewritten/${request.path.id}",
        },
    )
    gateway = _gateway({"GET /things/{id}": integration}, {"tenant": "t1"}, invoker)
    response = await _call(
        gateway,
        "/things/3",
        query_string="debug=1&keep=a&keep=b",
        headers=[("X-Secret", "s"), ("X-Tenant", "t0")],
    )
    assert (response.status, response.body) == (200, b"ok")
    event: dict[str, Any] = invoker.events[-1]
    if payload_format == "2.0":
        assert event["headers"]["x-tenant"] == "t0,t1"
        assert "x-secret" not in event["headers"]
        assert event["queryStringParameters"] == {"keep": "a,b", "limit": "10"}
        assert event["rawQueryString"] == "keep=a&keep=b&limit=10"
        assert event["rawPath"] == "/rewritten/3"
    else:
        assert event["multiValueHeaders"]["x-tenant"] == ["t0", "t1"]
        assert "x-secret" not in event["headers"]
        assert event["multiValueQueryStringParameters"] == {"keep": ["a", "b"], "limit": ["10"]}
        assert event["queryStringParameters"] == {"keep": "b", "limit": "10"}
        assert event["path"] == "/rewritten/3"


async def test_request_path_is_without_the_stage_and_context_path_with_it(
    backend: tuple[EchoBackend, str],
) -> None:
    server, url = backend
    integration = HttpIntegration(
        uri=url + "/x",
        request_parameters={
            "overwrite:header.x-path": "$request.path",
            "overwrite:header.x-full": "$context.path",
            "overwrite:header.x-stage": "$context.stage",
        },
    )
    gateway = _gateway({"GET /items/{id}": integration}, stage="dev")
    assert (await _call(gateway, "/dev/items/5")).status == 200
    headers = dict(server.requests[-1]["headers"])
    assert (headers["x-path"], headers["x-full"], headers["x-stage"]) == (
        "/items/5",
        "/dev/items/5",
        "dev",
    )
