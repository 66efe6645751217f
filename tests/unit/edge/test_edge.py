"""The one-port dispatch: reserved paths, oversized bodies, everything else to the gateway."""

from __future__ import annotations

from lamina.edge.app import Edge
from lamina.functions.model import InvokeResult
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.model import HttpApi, LambdaIntegration, Route, Stage
from lamina.http.message import HttpRequest
from tests.invoker import ScriptedInvoker

_FROM_FUNCTION = InvokeResult(payload=b'{"statusCode": 200, "body": "from function"}')


def _edge() -> Edge:
    route = Route(
        route_key="$default",
        integration=LambdaIntegration(function_name="Fn", payload_format="2.0"),
    )
    api = HttpApi(
        id="h1", logical_id="H", name="H", routes=(route,), stages=(Stage(name="$default"),)
    )
    deployment = Deployment((), (api,), account_id="123456789012", region="us-east-1")
    return Edge(Gateway(deployment, ScriptedInvoker(_FROM_FUNCTION)), public_host="127.0.0.1:3000")


def _request(path: str, *, too_large: bool = False) -> HttpRequest:
    return HttpRequest(
        method="GET",
        path=path,
        query_string="",
        headers=[("Host", "127.0.0.1:3000")],
        body=b"",
        client="127.0.0.1",
        http_version="1.1",
        body_too_large=too_large,
        server_port=3000,
    )


async def test_edge_health_is_reserved() -> None:
    response = await _edge()(_request("/_lamina/health"))
    assert (response.status, response.body) == (200, b'{"status":"ok"}')


async def test_edge_unknown_reserved_path_is_not_found() -> None:
    assert (await _edge()(_request("/_lamina/nothing"))).status == 404


async def test_edge_other_paths_reach_the_gateway() -> None:
    response = await _edge()(_request("/anything"))
    assert (response.status, response.body) == (200, b"from function")


async def test_edge_oversized_body_is_413_without_invoking() -> None:
    response = await _edge()(_request("/anything", too_large=True))
    assert response.status == 413
