"""HTTP API CorsConfiguration through the pipeline (preflights answered by the gateway, CORS
headers on actual responses), and REST gateway responses the user configured."""

from __future__ import annotations

import orjson
import pytest

from lamina.functions.model import InvokeResult
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.model import (
    CorsConfiguration,
    GatewayResponseSetting,
    HttpApi,
    LambdaIntegration,
    Method,
    Resource,
    RestApi,
    Route,
    Stage,
)
from lamina.gateway.request import GatewayRequest
from tests.gateway_request import gateway_request
from tests.invoker import ScriptedInvoker

ALLOWED = "https://app.example"
CORS = CorsConfiguration(
    allow_origins=(ALLOWED, "http://localhost:5173"),
    allow_methods=("GET", "PUT"),
    allow_headers=("content-type", "x-custom"),
    expose_headers=("x-exposed", "date"),
    max_age=300,
    allow_credentials=True,
)
# The function sets its own CORS headers; an API with CORS configured must drop them.
FUNCTION = InvokeResult(
    payload=b'{"statusCode": 200, "headers": {"Access-Control-Allow-Origin": "*", '
    b'"Access-Control-Allow-Methods": "DELETE", "X-Exposed": "1"}, "body": "ok"}'
)
LAMBDA = LambdaIntegration(function_name="Fn", payload_format="2.0")


def _http(cors: CorsConfiguration | None, *routes: Route) -> Deployment:
    api = HttpApi(
        id="httpapi001",
        logical_id="Http",
        name="Http",
        stages=(Stage(name="$default"),),
        routes=routes
        or (
            Route(route_key="GET /echo", integration=LAMBDA),
            Route(route_key="PUT /echo", integration=LAMBDA),
        ),
        cors=cors,
    )
    return Deployment((), (api,), account_id="123456789012", region="us-east-1")


def _request(method: str, path: str, headers: list[tuple[str, str]]) -> GatewayRequest:
    return gateway_request(path, method=method, headers=headers)


def _preflight(path: str = "/echo", origin: str = ALLOWED) -> GatewayRequest:
    return _request(
        "OPTIONS",
        path,
        [
            ("Origin", origin),
            ("Access-Control-Request-Method", "PUT"),
            ("Access-Control-Request-Headers", "x-custom"),
        ],
    )


async def _call(
    deployment: Deployment, request: GatewayRequest, invoker: ScriptedInvoker | None = None
) -> tuple[int, bytes, dict[bytes, bytes]]:
    gateway = Gateway(deployment, invoker or ScriptedInvoker(FUNCTION))
    response = await gateway.handle(request, "127.0.0.1:3000")
    names = [name for name, _ in response.headers]
    assert len(names) == len(set(names)), f"a header is repeated: {names}"
    return response.status, response.body, dict(response.headers)


def _cors_headers(headers: dict[bytes, bytes]) -> dict[bytes, bytes]:
    return {k: v for k, v in headers.items() if k.startswith(b"access-control-")}


PREFLIGHT_HEADERS = {
    b"access-control-allow-origin": ALLOWED.encode(),
    b"access-control-allow-credentials": b"true",
    b"access-control-allow-methods": b"GET,PUT",
    b"access-control-allow-headers": b"content-type,x-custom",
    b"access-control-expose-headers": b"x-exposed,date",
    b"access-control-max-age": b"300",
}


@pytest.mark.parametrize("path", ["/echo", "/no/such/route"])
async def test_cors_preflight_is_answered_204_by_the_gateway_without_invoking(path: str) -> None:
    invoker = ScriptedInvoker(FUNCTION)
    status, body, headers = await _call(_http(CORS), _preflight(path), invoker)
    assert (status, body) == (204, b"")
    assert _cors_headers(headers) == PREFLIGHT_HEADERS
    assert b"apigw-requestid" in headers
    assert invoker.events == []


async def test_cors_preflight_from_an_origin_not_allowed_has_no_cors_headers() -> None:
    invoker = ScriptedInvoker(FUNCTION)
    preflight = _preflight(origin="https://evil.example")
    status, _, headers = await _call(_http(CORS), preflight, invoker)
    assert status == 204
    assert _cors_headers(headers) == {}
    assert invoker.events == []


async def test_cors_options_without_request_method_is_not_a_preflight() -> None:
    request = _request("OPTIONS", "/echo", [("Origin", ALLOWED)])
    status, _, _ = await _call(_http(CORS), request)
    assert status == 404  # no OPTIONS route: an ordinary request, routed as such


async def test_cors_explicit_options_route_takes_the_preflight() -> None:
    invoker = ScriptedInvoker(FUNCTION)
    deployment = _http(CORS, Route(route_key="OPTIONS /{proxy+}", integration=LAMBDA))
    status, body, headers = await _call(deployment, _preflight(), invoker)
    assert (status, body) == (200, b"ok")
    assert [event["routeKey"] for event in invoker.events] == ["OPTIONS /{proxy+}"]
    # Its CORS headers are still the configuration's, not the function's.
    assert _cors_headers(headers) == PREFLIGHT_HEADERS


async def test_cors_catch_all_route_with_an_authorizer_takes_the_preflight() -> None:
    """The doc's "$default route and an authorizer" case: the authorizer runs (here an
    authorization type this build lacks, so 500) instead of a 204."""
    invoker = ScriptedInvoker(FUNCTION)
    guarded = Route(route_key="$default", integration=LAMBDA, authorization_type="NO_SUCH_TYPE")
    status, _, _ = await _call(_http(CORS, guarded), _preflight(), invoker)
    assert status == 500
    assert invoker.events == []


async def test_cors_actual_response_gets_the_configured_headers_and_loses_the_functions() -> None:
    request = _request("GET", "/echo", [("Origin", ALLOWED)])
    status, body, headers = await _call(_http(CORS), request)
    assert (status, body) == (200, b"ok")
    assert _cors_headers(headers) == {
        b"access-control-allow-origin": ALLOWED.encode(),
        b"access-control-allow-credentials": b"true",
        b"access-control-expose-headers": b"x-exposed,date",
    }
    assert headers[b"x-exposed"] == b"1"


@pytest.mark.parametrize("origin", [None, "https://evil.example", "https://app.example.evil"])
async def test_cors_actual_response_without_an_allowed_origin_has_no_cors_headers(
    origin: str | None,
) -> None:
    request = _request("GET", "/echo", [("Origin", origin)] if origin else [])
    status, _, headers = await _call(_http(CORS), request)
    assert status == 200
    assert _cors_headers(headers) == {}


async def test_cors_without_configuration_passes_the_functions_headers_through() -> None:
    request = _request("GET", "/echo", [("Origin", ALLOWED)])
    _, _, headers = await _call(_http(None), request)
    assert headers[b"access-control-allow-origin"] == b"*"
    assert headers[b"access-control-allow-methods"] == b"DELETE"


async def test_cors_gateway_errors_carry_the_headers_too() -> None:
    request = _request("GET", "/missing", [("Origin", ALLOWED)])
    status, body, headers = await _call(_http(CORS), request)
    assert (status, body) == (404, b'{"message":"Not Found"}')
    assert headers[b"access-control-allow-origin"] == ALLOWED.encode()


@pytest.mark.parametrize(
    ("allowed", "origin", "expected"),
    [
        ("*", "https://any.example", b"*"),
        ("https://*", "https://any.example", b"https://any.example"),
        ("https://*", "http://any.example", None),
        ("http://*", "http://localhost:8080", b"http://localhost:8080"),
        ("https://App.Example", "https://app.example", b"https://app.example"),
        # AWS lists exact origins, `*`, `https://*` and `http://*`: no subdomain patterns.
        ("https://*.example.com", "https://app.example.com", None),
    ],
)
async def test_cors_origin_wildcards(allowed: str, origin: str, expected: bytes | None) -> None:
    cors = CorsConfiguration(allow_origins=(allowed,), allow_methods=("*",))
    status, _, headers = await _call(_http(cors), _preflight(origin=origin))
    assert status == 204
    assert headers.get(b"access-control-allow-origin") == expected
    if expected is not None:
        assert headers[b"access-control-allow-methods"] == b"*"
        assert b"access-control-allow-credentials" not in headers


# REST: the gateway adds CORS headers only where the user configured a gateway response.


def _rest(settings: tuple[GatewayResponseSetting, ...]) -> Deployment:
    api = RestApi(
        id="restapi001",
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="Prod"),),
        resources=(
            Resource(
                id="r1",
                path="/items",
                methods={"GET": Method(http_method="GET", integration=LAMBDA)},
            ),
        ),
        gateway_responses=settings,
    )
    return Deployment((api,), (), account_id="123456789012", region="us-east-1")


CORS_4XX = GatewayResponseSetting(
    response_type="DEFAULT_4XX",
    response_parameters={
        "gatewayresponse.header.Access-Control-Allow-Origin": "method.request.header.origin",
        "gatewayresponse.header.Access-Control-Allow-Headers": "'x-custom'",
    },
)


async def test_cors_rest_gateway_response_default_4xx_adds_the_configured_headers() -> None:
    request = _request("GET", "/Prod/nowhere", [("Origin", ALLOWED)])
    status, body, headers = await _call(_rest((CORS_4XX,)), request)
    assert (status, body) == (403, b'{"message":"Missing Authentication Token"}')
    assert _cors_headers(headers) == {
        b"access-control-allow-origin": ALLOWED.encode(),
        b"access-control-allow-headers": b"x-custom",
    }
    assert headers[b"x-amzn-errortype"] == b"MissingAuthenticationTokenException"


async def test_cors_rest_without_gateway_responses_adds_nothing() -> None:
    request = _request("GET", "/Prod/nowhere", [("Origin", ALLOWED)])
    _, _, headers = await _call(_rest(()), request)
    assert _cors_headers(headers) == {}


async def test_cors_rest_5xx_is_untouched_by_a_default_4xx_setting() -> None:
    failed = ScriptedInvoker(InvokeResult(payload=b"{}", function_error="Unhandled"))
    request = _request("GET", "/Prod/items", [("Origin", ALLOWED)])
    status, _, headers = await _call(_rest((CORS_4XX,)), request, failed)
    assert status == 502
    assert _cors_headers(headers) == {}


async def test_cors_rest_typed_setting_wins_with_status_and_template() -> None:
    typed = GatewayResponseSetting(
        response_type="MISSING_AUTHENTICATION_TOKEN",
        status_code=404,
        response_parameters={"gatewayresponse.header.Access-Control-Allow-Origin": "'*'"},
        response_templates={
            "application/json": '{"error": $context.error.messageString, '
            '"type": "$context.error.responseType"}'
        },
    )
    request = _request("GET", "/Prod/nowhere", [])
    status, body, headers = await _call(_rest((CORS_4XX, typed)), request)
    assert status == 404
    assert body == (
        b'{"error": "Missing Authentication Token", "type": "MISSING_AUTHENTICATION_TOKEN"}'
    )
    assert headers[b"access-control-allow-origin"] == b"*"
    assert headers[b"content-type"] == b"application/json"


async def test_rest_gateway_response_body_is_a_vtl_template() -> None:
    """Gateway response templates run as VTL with $context (error.* included),
    $stageVariables and $util.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
    """
    vtl = GatewayResponseSetting(
        response_type="DEFAULT_4XX",
        response_templates={
            "application/json": (
                '{"m": "$util.escapeJavaScript($context.error.message)", '
                '"type": "$context.error.responseType", "quoted": $context.error.messageString, '
                '#if($context.httpMethod == "GET")"read": true#else"read": false#end}'
            )
        },
    )
    status, body, headers = await _call(_rest((vtl,)), _request("GET", "/Prod/nowhere", []))
    assert status == 403
    assert orjson.loads(body) == {
        "m": "Missing Authentication Token",
        "type": "MISSING_AUTHENTICATION_TOKEN",
        "quoted": "Missing Authentication Token",
        "read": True,
    }
    assert headers[b"content-type"] == b"application/json"


async def test_cors_responses_vary_on_origin_when_the_allow_list_names_origins() -> None:
    """The answer depends on Origin, so caches must key on it (and a function's own Vary
    keeps its values); with `*` every origin gets the same answer and nothing varies."""
    _, _, preflight = await _call(_http(CORS), _preflight())
    assert preflight[b"vary"] == b"Origin"
    _, _, refused = await _call(_http(CORS), _preflight(origin="https://evil.example"))
    assert refused[b"vary"] == b"Origin"
    varying = InvokeResult(
        payload=b'{"statusCode": 200, "headers": {"Vary": "Accept-Encoding"}, "body": "ok"}'
    )
    request = _request("GET", "/echo", [("Origin", ALLOWED)])
    _, _, actual = await _call(_http(CORS), request, ScriptedInvoker(varying))
    assert actual[b"vary"] == b"Accept-Encoding, Origin"
    _, _, plain = await _call(_http(CORS), _request("GET", "/echo", []))
    assert plain[b"vary"] == b"Origin"
    every = CorsConfiguration(allow_origins=("*",), allow_methods=("*",))
    _, _, star = await _call(_http(every), _preflight())
    assert b"vary" not in star
