"""The MOCK integration through the pipeline: SAM `Cors`'s OPTIONS methods exactly as the
translator writes them, integration response selection, passthrough, and the refusal to
VTL templates run by lamina.gateway.mapping (status choice, $context, overrides, and a 500
for a template that cannot run)."""

from __future__ import annotations

import orjson
import pytest

from lamina.functions.model import InvokeResult
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.integrations.mock import is_literal_template
from lamina.gateway.mapping import compile_template
from lamina.gateway.model import (
    IntegrationResponse,
    LambdaIntegration,
    Method,
    MockIntegration,
    Resource,
    RestApi,
    Stage,
)
from lamina.gateway.request import GatewayRequest
from tests.invoker import ScriptedInvoker

# What aws-sam-translator generates for `Cors: {AllowOrigin: "'https://app.example'",
# AllowMethods: "'GET,PUT'", AllowHeaders: "'Content-Type,X-Custom'", MaxAge: "'600'",
# AllowCredentials: true}` (captured from its output; see tests/fixtures/apps/cors).
SAM_CORS = MockIntegration(
    request_templates={"application/json": '{\n  "statusCode" : 200\n}\n'},
    responses=(
        IntegrationResponse(
            status_code="200",
            response_parameters={
                "method.response.header.Access-Control-Allow-Headers": "'Content-Type,X-Custom'",
                "method.response.header.Access-Control-Allow-Origin": "'https://app.example'",
                "method.response.header.Access-Control-Max-Age": "'600'",
                "method.response.header.Access-Control-Allow-Methods": "'GET,PUT'",
                "method.response.header.Access-Control-Allow-Credentials": "'true'",
            },
            response_templates={"application/json": "{}\n"},
        ),
    ),
)

OK = InvokeResult(payload=b'{"statusCode": 200, "body": "ok"}')


def _mock_method(integration: MockIntegration, http_method: str = "GET") -> Method:
    return Method(http_method=http_method, integration=integration)


def _deployment(methods: dict[str, dict[str, Method]]) -> Deployment:
    rest = RestApi(
        id="restapi001",
        logical_id="Rest",
        name="Rest",
        stages=(Stage(name="Prod", variables={"color": "blue"}),),
        resources=tuple(
            Resource(id=f"r{i}", path=path, methods=by_method)
            for i, (path, by_method) in enumerate(methods.items())
        ),
    )
    return Deployment((rest,), (), account_id="123456789012", region="us-east-1")


def _request(
    method: str, path: str, headers: list[tuple[str, str]] | None = None, body: bytes = b""
) -> GatewayRequest:
    return GatewayRequest(
        method=method,
        path=path,
        query_string="q=1",
        headers=[("Host", "127.0.0.1:3000"), *(headers or [])],
        body=body,
        source_ip="127.0.0.1",
        protocol="HTTP/1.1",
        domain_name="127.0.0.1:3000",
        request_id="11111111-2222-4333-8444-555555555555",
        extended_request_id="AAAAAAAAAAAAAAA=",
        time_epoch_ms=0,
    )


async def _call(
    methods: dict[str, dict[str, Method]],
    request: GatewayRequest,
    invoker: ScriptedInvoker | None = None,
) -> tuple[int, bytes, dict[bytes, bytes]]:
    gateway = Gateway(_deployment(methods), invoker or ScriptedInvoker(OK))
    response = await gateway.handle(request, "127.0.0.1:3000")
    return response.status, response.body, dict(response.headers)


def _without_ids(headers: dict[bytes, bytes]) -> dict[bytes, bytes]:
    return {k: v for k, v in headers.items() if k not in (b"x-amzn-requestid", b"x-amz-apigw-id")}


async def test_mock_sam_cors_options_answers_the_configured_headers_without_invoking() -> None:
    invoker = ScriptedInvoker(OK)
    methods = {
        "/items": {
            "GET": Method(http_method="GET", integration=LambdaIntegration(function_name="Fn")),
            "OPTIONS": _mock_method(SAM_CORS, "OPTIONS"),
        }
    }
    preflight = _request(
        "OPTIONS",
        "/Prod/items",
        [("Origin", "https://app.example"), ("Access-Control-Request-Method", "PUT")],
    )
    status, body, headers = await _call(methods, preflight, invoker)
    assert (status, body) == (200, b"{}\n")
    assert _without_ids(headers) == {
        b"access-control-allow-headers": b"Content-Type,X-Custom",
        b"access-control-allow-origin": b"https://app.example",
        b"access-control-max-age": b"600",
        b"access-control-allow-methods": b"GET,PUT",
        b"access-control-allow-credentials": b"true",
        b"content-type": b"application/json",
    }
    assert invoker.events == []


async def test_mock_rest_proxy_method_gets_no_cors_header_from_the_gateway() -> None:
    methods = {
        "/items": {
            "GET": Method(http_method="GET", integration=LambdaIntegration(function_name="Fn")),
            "OPTIONS": _mock_method(SAM_CORS, "OPTIONS"),
        }
    }
    request = _request("GET", "/Prod/items", [("Origin", "https://app.example")])
    status, body, headers = await _call(methods, request)
    assert (status, body) == (200, b"ok")
    assert not [name for name in headers if name.startswith(b"access-control-")]


SELECTING = MockIntegration(
    request_templates={
        "application/json": '{"statusCode": 503}',
        "text/plain": '{"statusCode": 404}',
    },
    responses=(
        IntegrationResponse(
            selection_pattern="5\\d{2}",
            status_code="502",
            response_templates={"application/json": '{"down": true}'},
        ),
        IntegrationResponse(
            status_code="200",
            response_parameters={
                "method.response.header.X-Origin": "method.request.header.Origin",
                "method.response.header.X-Q": "method.request.querystring.q",
                "method.response.header.X-Id": "method.request.path.id",
                "method.response.header.X-Color": "stageVariables.color",
                "method.response.header.X-Backend": "integration.response.header.Server",
            },
            response_templates={"application/json": '{"json": 1}', "application/xml": "<x/>"},
        ),
    ),
)


async def test_mock_selection_pattern_matches_the_request_templates_status() -> None:
    methods = {"/things/{id}": {"GET": _mock_method(SELECTING)}}
    status, body, headers = await _call(methods, _request("GET", "/Prod/things/7"))
    assert (status, body) == (502, b'{"down": true}')
    assert headers[b"content-type"] == b"application/json"


async def test_mock_default_response_maps_request_values_into_headers() -> None:
    methods = {"/things/{id}": {"GET": _mock_method(SELECTING)}}
    request = _request(
        "GET",
        "/Prod/things/7",
        [("Content-Type", "text/plain"), ("Origin", "https://o.example")],
    )
    status, body, headers = await _call(methods, request)
    assert (status, body) == (200, b'{"json": 1}')
    assert headers[b"x-origin"] == b"https://o.example"
    assert (headers[b"x-q"], headers[b"x-id"], headers[b"x-color"]) == (b"1", b"7", b"blue")
    assert b"x-backend" not in headers  # a mock integration's response has no headers


async def test_mock_response_template_is_chosen_by_accept() -> None:
    methods = {"/things/{id}": {"GET": _mock_method(SELECTING)}}
    request = _request(
        "GET", "/Prod/things/7", [("Content-Type", "text/plain"), ("Accept", "application/xml")]
    )
    status, body, headers = await _call(methods, request)
    assert (status, body, headers[b"content-type"]) == (200, b"<x/>", b"application/xml")


async def test_mock_without_a_matching_or_default_response_is_500() -> None:
    only_errors = MockIntegration(
        request_templates={"application/json": '{"statusCode": 200}'},
        responses=(IntegrationResponse(selection_pattern="4\\d{2}", status_code="400"),),
    )
    status, body, _ = await _call(
        {"/x": {"GET": _mock_method(only_errors)}}, _request("GET", "/Prod/x")
    )
    assert (status, body) == (500, b'{"message": "Internal server error"}')


# The documented example: a `scope` query parameter picks the mock's status.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/how-to-mock-integration.html
SCOPED = MockIntegration(
    request_templates={
        "application/json": (
            '{\n  #if( $input.params(\'scope\') == "internal" )\n    "statusCode": 200\n'
            '  #else\n    "statusCode": 500\n  #end\n}'
        )
    },
    responses=(
        IntegrationResponse(
            status_code="200",
            response_templates={
                "application/json": '{"statusCode": 200, "message": "Go ahead without me."}'
            },
        ),
        IntegrationResponse(
            selection_pattern="5\\d{2}",
            status_code="500",
            response_templates={
                "application/json": (
                    '{"statusCode": 500, "message": '
                    '"The invoked method is not supported on the API resource."}'
                )
            },
        ),
    ),
)


@pytest.mark.parametrize(
    ("query", "status", "message"),
    [
        ("scope=internal", 200, "Go ahead without me."),
        ("scope=external", 500, "The invoked method is not supported on the API resource."),
        ("", 500, "The invoked method is not supported on the API resource."),
    ],
)
async def test_mock_vtl_request_template_chooses_the_integration_response(
    query: str, status: int, message: str
) -> None:
    request = _request("GET", "/Prod/x")
    request.query_string = query
    got, body, _ = await _call({"/x": {"GET": _mock_method(SCOPED)}}, request)
    assert got == status
    assert orjson.loads(body) == {"statusCode": status, "message": message}


async def test_mock_vtl_response_template_reads_context_params_and_stage_variables() -> None:
    template = (
        '{"stage": "$context.stage", "api": "$context.apiId", "resource": '
        '"$context.resourcePath", "method": "$context.httpMethod", "id": "$input.params(\'id\')", '
        '"q": "$input.params(\'q\')", "color": "$stageVariables.color", '
        '"requestId": "$context.requestId", "body": $input.body}'
    )
    mock = MockIntegration(
        request_templates={"application/json": '{"statusCode": 200}'},
        responses=(
            IntegrationResponse(
                status_code="200", response_templates={"application/json": template}
            ),
        ),
    )
    status, body, _ = await _call(
        {"/things/{id}": {"GET": _mock_method(mock)}}, _request("GET", "/Prod/things/t1")
    )
    assert status == 200
    assert orjson.loads(body) == {
        "stage": "Prod",
        "api": "restapi001",
        "resource": "/things/{id}",
        "method": "GET",
        "id": "t1",
        "q": "1",
        "color": "blue",
        "requestId": "11111111-2222-4333-8444-555555555555",
        "body": {},
    }


async def test_mock_response_override_replaces_status_and_headers() -> None:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-override-request-response-parameters.html
    template = (
        "#set($context.responseOverride.status = 418)\n"
        '#set($context.responseOverride.header.X-Tea = "earl grey")\n'
        '{"ok": true}'
    )
    mock = MockIntegration(
        request_templates={"application/json": '{"statusCode": 200}'},
        responses=(
            IntegrationResponse(
                status_code="200",
                response_parameters={"method.response.header.X-Tea": "'green'"},
                response_templates={"application/json": template},
            ),
        ),
    )
    status, body, headers = await _call(
        {"/x": {"GET": _mock_method(mock)}}, _request("GET", "/Prod/x")
    )
    assert (status, body, headers[b"x-tea"]) == (418, b'{"ok": true}', b"earl grey")


@pytest.mark.parametrize(
    "template",
    [
        "#if($input.params('a') == 1)",  # no #end: a syntax error
        "#[[unparsed]]#",  # not supported: refused, not guessed
        "$util.base64Decode('***')",  # the Java decoder throws
        "#set($context.responseOverride.status = 400)#set($context.responseOverride.status = 401)",
    ],
)
async def test_mock_template_that_cannot_run_answers_500(template: str) -> None:
    mock = MockIntegration(
        request_templates={"application/json": '{"statusCode": 200}'},
        responses=(
            IntegrationResponse(
                status_code="200", response_templates={"application/json": template}
            ),
        ),
    )
    status, body, _ = await _call({"/x": {"GET": _mock_method(mock)}}, _request("GET", "/Prod/x"))
    assert (status, body) == (500, b'{"message": "Internal server error"}')


async def test_mock_passthrough_never_refuses_an_unmapped_content_type_with_415() -> None:
    never = MockIntegration(
        request_templates={"application/json": '{"statusCode": 200}'},
        passthrough_behavior="NEVER",
        responses=(IntegrationResponse(status_code="200"),),
    )
    request = _request("POST", "/Prod/x", [("Content-Type", "text/plain")], b"hi")
    status, body, headers = await _call({"/x": {"POST": _mock_method(never, "POST")}}, request)
    assert (status, body) == (415, b'{"message":"Unsupported Media Type"}')
    assert headers[b"x-amzn-errortype"] == b"UnsupportedMediaTypeException"


async def test_mock_passthrough_when_no_match_reads_the_bodys_status() -> None:
    passthrough = MockIntegration(
        request_templates={"application/json": '{"statusCode": 200}'},
        responses=(
            IntegrationResponse(selection_pattern="201", status_code="201"),
            IntegrationResponse(status_code="200"),
        ),
    )
    request = _request("POST", "/Prod/x", [("Content-Type", "text/plain")], b'{"statusCode": 201}')
    status, body, headers = await _call(
        {"/x": {"POST": _mock_method(passthrough, "POST")}}, request
    )
    assert (status, body, headers[b"content-type"]) == (201, b"", b"application/json")


@pytest.mark.parametrize(
    ("template", "literal"),
    [
        ('{\n  "statusCode" : 200\n}\n', True),
        ('{"rank": "#1", "price": "$5", "pct": "100%"}', True),
        ('{"color": "#fff"}', False),  # could be a macro; left to the VTL engine (#7)
        ("$input.body", False),
        ("$!{x}", False),
        ("#set($a = 1)", False),
        ("## a comment", False),
        ("#* block *#", False),
        ("#[[raw]]#", False),
        ("\\$escaped", False),
    ],
)
def test_mock_literal_template_detection(template: str, literal: bool) -> None:
    assert is_literal_template(template) is literal


async def test_mock_templates_are_parsed_when_the_deployment_is_built(
    caplog: pytest.LogCaptureFixture,
) -> None:
    compile_template.cache_clear()
    broken = MockIntegration(
        request_templates={"application/json": "#if($x) never closed"},
        responses=(IntegrationResponse(status_code="200"),),
    )
    methods = {"/s": {"GET": _mock_method(SCOPED)}, "/b": {"GET": _mock_method(broken)}}
    deployment = _deployment(methods)
    assert compile_template.cache_info().currsize == 1  # SCOPED's request template; the rest
    # are plain text or broken
    parsed = compile_template.cache_info().misses
    assert "mapping template: template syntax error" in caplog.text
    gateway = Gateway(deployment, ScriptedInvoker(OK))
    request = _request("GET", "/Prod/s")
    request.query_string = "scope=internal"
    response = await gateway.handle(request, "127.0.0.1:3000")
    assert response.status == 200
    assert compile_template.cache_info().misses == parsed  # the request parsed nothing


async def test_mock_content_type_override_replaces_the_templates_media_type() -> None:
    template = '#set($context.responseOverride.header.Content-Type = "text/plain")hello'
    mock = MockIntegration(
        request_templates={"application/json": '{"statusCode": 200}'},
        responses=(
            IntegrationResponse(
                status_code="200", response_templates={"application/json": template}
            ),
        ),
    )
    gateway = Gateway(_deployment({"/x": {"GET": _mock_method(mock)}}), ScriptedInvoker(OK))
    response = await gateway.handle(_request("GET", "/Prod/x"), "127.0.0.1:3000")
    content_types = [v for k, v in response.headers if k == b"content-type"]
    assert (response.status, response.body, content_types) == (200, b"hello", [b"text/plain"])


async def test_mock_template_sees_the_forwarded_headers_api_gateway_adds() -> None:
    template = (
        "$input.params('X-Forwarded-For')|$input.params('X-Forwarded-Proto')|"
        "$input.params().header.get('Host')"
    )
    mock = MockIntegration(
        request_templates={"application/json": '{"statusCode": 200}'},
        responses=(
            IntegrationResponse(
                status_code="200", response_templates={"application/json": template}
            ),
        ),
    )
    request = _request("GET", "/Prod/x", [("X-Forwarded-For", "203.0.113.1")])
    status, body, _ = await _call({"/x": {"GET": _mock_method(mock)}}, request)
    assert (status, body) == (200, b"203.0.113.1, 127.0.0.1|http|127.0.0.1:3000")
