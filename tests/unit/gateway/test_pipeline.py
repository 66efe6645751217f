"""The gateway pipeline (route → integrate → map → gateway responses) with a scripted
invoker standing in for the runtime, so every outcome of an invocation is reachable."""

from __future__ import annotations

import pytest

from lamina.functions.error import FunctionNotFoundError
from lamina.functions.model import InvokeResult
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.model import (
    HttpApi,
    LambdaIntegration,
    Method,
    Resource,
    RestApi,
    Route,
    Stage,
    UnsupportedIntegration,
)
from lamina.gateway.request import GatewayRequest
from tests.gateway_request import gateway_request
from tests.invoker import ScriptedInvoker


def _deployment() -> Deployment:
    lam = LambdaIntegration(function_name="Fn", timeout_ms=100)
    rest = RestApi(
        id="restapi001",
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="Prod", variables={"alias": "live"}),),
        resources=(
            Resource(
                id="a",
                path="/items/{id}",
                methods={"GET": Method(http_method="GET", integration=lam)},
            ),
            Resource(
                id="b",
                path="/mock",
                methods={
                    "GET": Method(
                        http_method="GET", integration=UnsupportedIntegration(type="MOCK")
                    )
                },
            ),
        ),
    )
    http = HttpApi(
        id="httpapi001",
        logical_id="Http",
        name="Http",
        stages=(Stage(name="$default"),),
        routes=(
            Route(
                route_key="GET /v2/items/{id}",
                integration=LambdaIntegration(function_name="Fn", payload_format="2.0"),
            ),
        ),
    )
    return Deployment((rest,), (http,), account_id="123456789012", region="us-east-1")


def _request(path: str) -> GatewayRequest:
    return gateway_request(path)


async def _handle(
    invoker: ScriptedInvoker, path: str, host: str = "127.0.0.1:3000"
) -> tuple[int, bytes, dict[bytes, bytes]]:
    gateway = Gateway(_deployment(), invoker)
    response = await gateway.handle(_request(path), host)
    return response.status, response.body, dict(response.headers)


OK = InvokeResult(payload=b'{"statusCode": 200, "body": "ok"}')


async def test_pipeline_rest_success_sends_stage_variables_and_maps_body() -> None:
    invoker = ScriptedInvoker(OK)
    status, body, headers = await _handle(invoker, "/Prod/items/7")
    assert (status, body) == (200, b"ok")
    assert invoker.events[0]["stageVariables"] == {"alias": "live"}
    assert headers[b"x-amzn-requestid"] == b"11111111-2222-4333-8444-555555555555"


async def test_pipeline_function_error_is_502_on_rest_and_500_on_http() -> None:
    failed = InvokeResult(payload=b'{"errorMessage": "x"}', function_error="Unhandled")
    assert (await _handle(ScriptedInvoker(failed), "/Prod/items/1"))[0] == 502
    assert (await _handle(ScriptedInvoker(failed), "/v2/items/1"))[0] == 500


async def test_pipeline_runtime_refusal_is_500() -> None:
    invoker = ScriptedInvoker(FunctionNotFoundError("Function not found: Fn"))
    status, body, _ = await _handle(invoker, "/Prod/items/1")
    assert (status, body) == (500, b'{"message": "Internal server error"}')


async def test_pipeline_integration_timeout_is_504() -> None:
    status, _, _ = await _handle(ScriptedInvoker(1.0), "/Prod/items/1")
    assert status == 504


async def test_pipeline_unsupported_integration_is_500_not_silence() -> None:
    status, _, _ = await _handle(ScriptedInvoker(OK), "/Prod/mock")
    assert status == 500


async def test_pipeline_unknown_stage_is_missing_authentication_token() -> None:
    host = "restapi001.execute-api.localhost:3000"
    status, _, headers = await _handle(ScriptedInvoker(OK), "/Dev/items/1", host)
    assert status == 403
    assert headers[b"x-amzn-errortype"] == b"MissingAuthenticationTokenException"


def test_reject_before_routing_uses_the_api_kind() -> None:
    gateway = Gateway(_deployment(), ScriptedInvoker(OK))
    error = GatewayError(ResponseType.REQUEST_TOO_LARGE)
    assert gateway.reject(_request("/Prod/items/1"), "127.0.0.1:3000", error).status == 413
    http = gateway.reject(_request("/v2/items/1"), "127.0.0.1:3000", error)
    assert (http.status, http.body) == (413, b'{"message":"Request Entity Too Large"}')


@pytest.mark.parametrize("path", ["/v2/items/1"])
async def test_pipeline_http_v2_event_has_route_key(path: str) -> None:
    invoker = ScriptedInvoker(InvokeResult(payload=b'{"ok": true}'))
    status, body, _ = await _handle(invoker, path)
    assert (status, body) == (200, b'{"ok": true}')
    assert invoker.events[0]["routeKey"] == "GET /v2/items/{id}"


async def test_pipeline_invocation_carries_the_methods_execute_api_arn() -> None:
    invoker = ScriptedInvoker(OK)
    await _handle(invoker, "/Prod/items/7")
    [source] = invoker.sources
    assert source is not None
    assert source.principal == "apigateway.amazonaws.com"
    assert (
        source.source_arn
        == "arn:aws:execute-api:us-east-1:123456789012:restapi001/Prod/GET/items/7"
    )
