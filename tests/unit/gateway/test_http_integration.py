"""REST HTTP_PROXY and HTTP integrations through the real Gateway, against a loopback backend
(tests/http_backend.py): what the backend receives, what the client gets back, timeouts and
unreachable backends (bodies pinned in tests/fixtures/gateway_errors.json)."""

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
    HttpIntegration,
    IntegrationResponse,
    Method,
    Resource,
    RestApi,
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


def _gateway(routes: dict[str, dict[str, HttpIntegration]], variables: dict[str, str]) -> Gateway:
    resources = tuple(
        Resource(
            id=f"r{i}",
            path=path,
            methods={m: Method(http_method=m, integration=it) for m, it in methods.items()},
        )
        for i, (path, methods) in enumerate(routes.items())
    )
    rest = RestApi(
        id="restapi001",
        logical_id="Rest",
        name="Rest",
        resources=resources,
        stages=(Stage(name="Prod", variables=variables),),
    )
    return Gateway(
        Deployment((rest,), (), account_id="123456789012", region="us-east-1"),
        ScriptedInvoker(InvokeResult(payload=b"{}")),
    )


async def _call(gateway: Gateway, path: str, **kwargs: Any) -> GatewayResponse:
    return await gateway.handle(gateway_request(path, **kwargs), "127.0.0.1:3000")


def _headers(response: GatewayResponse) -> dict[str, str]:
    return {name.decode().lower(): value.decode() for name, value in response.headers}


async def test_http_proxy_forwards_method_path_query_headers_body_and_returns_backend_as_is(
    backend: tuple[EchoBackend, str],
) -> None:
    _, url = backend
    proxy = HttpIntegration(
        uri=url + "/api/{proxy}",
        request_parameters={"integration.request.path.proxy": "method.request.path.proxy"},
    )
    gateway = _gateway({"/{proxy+}": {"ANY": proxy}}, {})
    response = await _call(
        gateway,
        "/Prod/pets/7/toys",
        method="PUT",
        query_string="a=1&b=two%20words",
        headers=[("X-Custom", "c1"), ("Content-Type", "text/plain")],
        body=b"hello",
    )
    assert response.status == 200
    seen = orjson.loads(response.body)
    assert (seen["method"], seen["path"], seen["query"]) == (
        "PUT",
        "/api/pets/7/toys",
        "a=1&b=two%20words",
    )
    headers = dict(seen["headers"])
    assert headers["x-custom"] == "c1"
    assert headers["content-type"] == "text/plain"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert headers["host"] == url.removeprefix("http://")
    assert "user-agent" not in headers  # the client sent none; the gateway adds none
    assert seen["body"] == "hello"
    out = _headers(response)
    assert out["x-backend"] == "yes"
    assert out["content-type"] == "application/json"
    # REST remaps the backend's Server and Content-Length headers.
    assert out["x-amzn-remapped-server"] == "echo-backend"
    assert out["x-amzn-remapped-content-length"] == str(len(response.body))
    assert "server" not in out


async def test_http_proxy_passes_backend_error_status_and_body_through(
    backend: tuple[EchoBackend, str],
) -> None:
    _, url = backend
    gateway = _gateway({"/teapot": {"GET": HttpIntegration(uri=url + "/status/418")}}, {})
    response = await _call(gateway, "/Prod/teapot")
    assert (response.status, orjson.loads(response.body)) == (
        418,
        {"code": 418, "message": "from backend"},
    )


async def test_http_proxy_fixed_method_stage_variable_uri_and_mapped_header(
    backend: tuple[EchoBackend, str],
) -> None:
    server, url = backend
    proxy = HttpIntegration(
        uri="${stageVariables.backend}/items/{id}",
        http_method="POST",
        request_parameters={
            "integration.request.path.id": "method.request.path.id",
            "integration.request.header.X-Stage": "stageVariables.color",
            "integration.request.header.X-Fixed": "'literal'",
            "integration.request.querystring.source": "method.request.header.X-Src",
        },
    )
    gateway = _gateway({"/things/{id}": {"GET": proxy}}, {"backend": url, "color": "blue"})
    response = await _call(gateway, "/Prod/things/42", headers=[("X-Src", "web")])
    assert response.status == 200
    seen = server.requests[-1]
    assert (seen["method"], seen["path"], seen["query"]) == ("POST", "/items/42", "source=web")
    headers = dict(seen["headers"])
    assert (headers["x-stage"], headers["x-fixed"]) == ("blue", "literal")


async def test_http_proxy_pools_connections(backend: tuple[EchoBackend, str]) -> None:
    server, url = backend
    gateway = _gateway({"/a": {"GET": HttpIntegration(uri=url + "/a")}}, {})
    for _ in range(5):
        assert (await _call(gateway, "/Prod/a")).status == 200
    assert server.connections == 1


async def test_http_proxy_timeout_answers_integration_timeout(
    backend: tuple[EchoBackend, str],
) -> None:
    _, url = backend
    slow = HttpIntegration(uri=url + "/slow/2000", timeout_ms=100)
    response = await _call(_gateway({"/slow": {"GET": slow}}, {}), "/Prod/slow")
    expected = ERRORS["rest_http_integration_timeout"]
    assert (response.status, response.body.decode()) == (expected["status"], expected["body"])
    assert _headers(response)["content-type"] == expected["headers"]["content-type"]


async def test_unreachable_backend_answers_500() -> None:
    closed = EchoBackend()
    url = await closed.start()
    await closed.stop()  # nothing listens on that port any more
    response = await _call(
        _gateway({"/x": {"GET": HttpIntegration(uri=url + "/x")}}, {}), "/Prod/x"
    )
    expected = ERRORS["rest_http_endpoint_unreachable"]
    assert (response.status, response.body.decode()) == (expected["status"], expected["body"])


async def test_undefined_stage_variable_in_uri_answers_500() -> None:
    gateway = _gateway({"/x": {"GET": HttpIntegration(uri="${stageVariables.nope}/x")}}, {})
    response = await _call(gateway, "/Prod/x")
    assert (response.status, response.body) == (500, b'{"message": "Internal server error"}')


# REST HTTP (non-proxy): mapped parameters, request templates, responses by backend status.
MAPPED = HttpIntegration(
    type="HTTP",
    uri="URL/orders/{order}",
    http_method="POST",
    request_parameters={
        "integration.request.path.order": "method.request.path.id",
        "integration.request.header.X-Api": "'v2'",
        "integration.request.querystring.mode": "method.request.querystring.m",
    },
    request_templates={
        "application/json": '{"wrapped": $input.json(\'$\'), "stage": "$context.stage"}'
    },
    responses=(
        IntegrationResponse(
            status_code="200",
            response_parameters={
                "method.response.header.X-Method": "integration.response.body.method",
                "method.response.header.X-Backend": "integration.response.header.X-Backend",
            },
            response_templates={"application/json": "{\"sent\": $input.json('$.body')}"},
        ),
        IntegrationResponse(
            selection_pattern="4\\d{2}",
            status_code="400",
            response_templates={"application/json": "{\"error\": $input.json('$.code')}"},
        ),
    ),
)


async def test_http_non_proxy_maps_parameters_template_and_response(
    backend: tuple[EchoBackend, str],
) -> None:
    server, url = backend
    integration = HttpIntegration(**{**_fields(MAPPED), "uri": url + "/orders/{order}"})
    gateway = _gateway({"/orders/{id}": {"PUT": integration}}, {})
    response = await _call(
        gateway,
        "/Prod/orders/9",
        method="PUT",
        query_string="m=fast&ignored=1",
        headers=[("Content-Type", "application/json"), ("X-Not-Mapped", "x")],
        body=b'{"qty": 3}',
    )
    seen = server.requests[-1]
    assert (seen["method"], seen["path"], seen["query"]) == ("POST", "/orders/9", "mode=fast")
    headers = dict(seen["headers"])
    assert headers["x-api"] == "v2" and "x-not-mapped" not in headers
    assert orjson.loads(seen["body"]) == {"wrapped": {"qty": 3}, "stage": "Prod"}
    assert response.status == 200
    assert orjson.loads(response.body) == {"sent": seen["body"]}
    out = _headers(response)
    assert (out["x-method"], out["x-backend"]) == ("POST", "yes")


async def test_http_non_proxy_selects_response_by_backend_status(
    backend: tuple[EchoBackend, str],
) -> None:
    _, url = backend
    integration = HttpIntegration(**{**_fields(MAPPED), "uri": url + "/status/404"})
    gateway = _gateway({"/orders/{id}": {"GET": integration}}, {})
    response = await _call(
        gateway, "/Prod/orders/1", headers=[("Content-Type", "application/json")]
    )
    assert (response.status, orjson.loads(response.body)) == (400, {"error": 404})


async def test_http_non_proxy_no_matching_response_answers_500(
    backend: tuple[EchoBackend, str],
) -> None:
    _, url = backend
    only_ok = HttpIntegration(
        type="HTTP",
        uri=url + "/status/503",
        responses=(IntegrationResponse(selection_pattern="2\\d{2}", status_code="200"),),
    )
    response = await _call(_gateway({"/x": {"GET": only_ok}}, {}), "/Prod/x")
    assert (response.status, response.body) == (500, b'{"message": "Internal server error"}')


async def test_http_non_proxy_never_passthrough_refuses_unmapped_type_with_415(
    backend: tuple[EchoBackend, str],
) -> None:
    server, url = backend
    strict = HttpIntegration(
        type="HTTP",
        uri=url + "/x",
        passthrough_behavior="NEVER",
        request_templates={"application/json": "{}"},
        responses=(IntegrationResponse(status_code="200"),),
    )
    response = await _call(
        _gateway({"/x": {"POST": strict}}, {}),
        "/Prod/x",
        method="POST",
        headers=[("Content-Type", "text/plain")],
        body=b"hi",
    )
    assert response.status == 415
    assert server.requests == []


def _fields(integration: HttpIntegration) -> dict[str, Any]:
    return {name: getattr(integration, name) for name in integration.__struct_fields__}
