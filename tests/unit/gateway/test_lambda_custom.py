"""The Lambda custom (non-proxy) integration through the real Gateway: request in → the event
the function gets and the exact response out. Integration responses are selected by
matching selectionPattern against the function's errorMessage ("" on success), as Java's
`matches()`; without a match the default response carries the error object."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from lamina.functions.error import FunctionNotFoundError
from lamina.functions.model import InvokeResult
from lamina.gateway.app import Gateway
from lamina.gateway.deployment import Deployment
from lamina.gateway.model import (
    IntegrationResponse,
    LambdaCustomIntegration,
    Method,
    Resource,
    RestApi,
    Stage,
)
from tests.gateway_request import REQUEST_ID, gateway_request
from tests.invoker import Invocation, ScriptedInvoker

ACCOUNT = "123456789012"
API_ID = "restapi001"

# A typical request template: body fields, a path and a query parameter, a header, a stage
# variable and a context variable.
EVENT_TEMPLATE = """#set($body = $input.path('$'))
{
  "name": "$util.escapeJavaScript($body.name)",
  "count": $input.json('$.count'),
  "id": "$input.params('id')",
  "q": "$input.params('q')",
  "agent": "$input.params().header.get('User-Agent')",
  "color": "$stageVariables.color",
  "requestId": "$context.requestId",
  "path": "$context.resourcePath"
}"""

ERROR_OBJECT = {
    "errorMessage": "Malformed input: name",
    "errorType": "ValueError",
    "stackTrace": ['  File "/var/task/app.py", line 3, in handler\n'],
}

RESPONSES = (
    IntegrationResponse(
        selection_pattern="Malformed.*",
        status_code="400",
        response_parameters={
            "method.response.header.X-Error-Type": "integration.response.body.errorType"
        },
        response_templates={"application/json": '{"error": "$input.path(\'$.errorMessage\')"}'},
    ),
    IntegrationResponse(
        selection_pattern=r"\[500\].*",
        status_code="500",
        response_templates={"application/json": '{"error": "internal"}'},
    ),
    IntegrationResponse(
        status_code="200",
        response_parameters={
            "method.response.header.X-Greeting": "integration.response.body.greeting",
            "method.response.header.X-Count": "integration.response.body.nested.count",
            "method.response.header.X-Nested": "integration.response.body.nested",
            "method.response.header.X-Missing": "integration.response.body.absent",
            "method.response.header.X-Version": (
                "integration.response.header.X-Amz-Executed-Version"
            ),
            "method.response.header.X-Static": "'static value'",
        },
    ),
)

CUSTOM = LambdaCustomIntegration(
    function_name="Fn",
    request_templates={"application/json": EVENT_TEMPLATE},
    responses=RESPONSES,
)


def result(payload: Any, error: str | None = None) -> InvokeResult:
    return InvokeResult(
        payload=orjson.dumps(payload), function_error=error, executed_version="$LATEST"
    )


class NamingInvoker(ScriptedInvoker):
    """Also records which function (and qualifier) each invocation named."""

    def __init__(self, outcome: InvokeResult | Exception | float) -> None:
        super().__init__(outcome)
        self.targets: list[tuple[str, str | None]] = []

    async def reply(self, call: Invocation) -> InvokeResult:
        self.targets.append((call.name, call.qualifier))
        return await super().reply(call)


async def call(
    integration: LambdaCustomIntegration,
    outcome: InvokeResult | Exception | float,
    *,
    method: str = "POST",
    body: bytes = b'{"name": "Ann \\"A\\"", "count": 3}',
    headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),),
    variables: dict[str, str] | None = None,
) -> tuple[int, bytes, dict[str, str], NamingInvoker]:
    api = RestApi(
        id=API_ID,
        logical_id="Api",
        name="Api",
        stages=(Stage(name="Prod", variables=variables or {"color": "blue"}),),
        resources=(
            Resource(
                id="res001",
                path="/things/{id}",
                methods={method: Method(http_method=method, integration=integration)},
            ),
        ),
    )
    invoker = NamingInvoker(outcome)
    gateway = Gateway(Deployment((api,), (), account_id=ACCOUNT, region="us-east-1"), invoker)
    request = gateway_request(
        "/Prod/things/7",
        method=method,
        query_string="q=x",
        headers=(("User-Agent", "tests/1"), *headers),
        body=body,
    )
    response = await gateway.handle(request, "127.0.0.1:3000")
    named = {
        key.decode(): value.decode()
        for key, value in response.headers
        if key not in (b"x-amzn-requestid", b"x-amz-apigw-id", b"date")
    }
    return response.status, response.body, named, invoker


async def test_request_template_builds_the_event_and_the_result_passes_through() -> None:
    status, body, headers, invoker = await call(
        CUSTOM, result({"greeting": "hi", "nested": {"count": 2, "ok": True}})
    )
    assert invoker.events == [
        {
            "name": 'Ann "A"',
            "count": 3,
            "id": "7",
            "q": "x",
            "agent": "tests/1",
            "color": "blue",
            "requestId": REQUEST_ID,
            "path": "/things/{id}",
        }
    ]
    assert invoker.targets == [("Fn", None)]
    assert status == 200
    assert orjson.loads(body) == {"greeting": "hi", "nested": {"count": 2, "ok": True}}
    assert body == orjson.dumps({"greeting": "hi", "nested": {"count": 2, "ok": True}})
    assert headers == {
        "content-type": "application/json",
        "x-greeting": "hi",
        "x-count": "2",
        "x-nested": '{"count":2,"ok":true}',
        "x-version": "$LATEST",
        "x-static": "static value",
    }


async def test_invocation_names_api_gateway_and_the_method_as_source() -> None:
    *_, invoker = await call(CUSTOM, result({}))
    assert [(s.principal, s.source_arn, s.source_account) for s in invoker.sources if s] == [
        (
            "apigateway.amazonaws.com",
            f"arn:aws:execute-api:us-east-1:{ACCOUNT}:{API_ID}/Prod/POST/things/7",
            ACCOUNT,
        )
    ]


ERROR_CASES = [
    # (errorMessage, function_error, status, body): the first matching pattern wins.
    pytest.param(
        "Malformed input: name", "Unhandled", 400, b'{"error": "Malformed input: name"}',
        id="pattern-matches-unhandled-error",
    ),
    pytest.param(
        "[500] database down", "Unhandled", 500, b'{"error": "internal"}',
        id="second-pattern",
    ),
    pytest.param(
        "Malformed input", "Handled", 400, b'{"error": "Malformed input"}',
        id="handled-error-too",
    ),
    # matches() needs the whole message: "Malformed.*" does not match "Not Malformed".
    pytest.param("Not Malformed", "Unhandled", 200, None, id="whole-message-only"),
    # `.` stops at a newline: a multi-line message misses `\[500\].*`.
    pytest.param("[500] down\nat line 2", "Unhandled", 200, None, id="newline-stops-dot"),
]  # fmt: skip


@pytest.mark.parametrize(("message", "kind", "status", "body"), ERROR_CASES)
async def test_error_message_selects_the_integration_response(
    message: str, kind: str, status: int, body: bytes | None
) -> None:
    error = {**ERROR_OBJECT, "errorMessage": message}
    got_status, got_body, headers, _ = await call(CUSTOM, result(error, kind))
    assert got_status == status
    if body is None:
        # No pattern matched: the default response (200) with the error object as is.
        assert got_body == orjson.dumps(error)
        assert headers["content-type"] == "application/json"
        assert "x-greeting" not in headers
    else:
        assert got_body == body
    if status == 400:
        assert headers["x-error-type"] == "ValueError"


def _patterns(*responses: IntegrationResponse) -> LambdaCustomIntegration:
    return LambdaCustomIntegration(function_name="Fn", responses=responses)


SUCCESS_SELECTION = [
    # On success the patterns see "": `.+` picks errors only, `.*` also takes successes.
    pytest.param(".+", 200, id="dot-plus-skips-success"),
    pytest.param(".*", 418, id="dot-star-takes-success"),
    pytest.param("", 200, id="empty-pattern-is-no-pattern"),
]


@pytest.mark.parametrize(("pattern", "status"), SUCCESS_SELECTION)
async def test_success_is_matched_as_an_empty_message(pattern: str, status: int) -> None:
    integration = _patterns(
        IntegrationResponse(selection_pattern=pattern or None, status_code="418"),
        IntegrationResponse(status_code="200"),
    )
    if not pattern:
        integration = _patterns(IntegrationResponse(status_code="200"))
    got, body, _, _ = await call(integration, result({"ok": 1}))
    assert (got, body) == (status, b'{"ok":1}')


async def test_error_with_multiline_pattern_matches_across_lines() -> None:
    integration = _patterns(
        IntegrationResponse(selection_pattern=r"\[500\](\n|.)*", status_code="500"),
        IntegrationResponse(status_code="200"),
    )
    error = {"errorMessage": "[500] down\nat line 2", "errorType": "E"}
    status, body, _, _ = await call(integration, result(error, "Unhandled"))
    assert (status, body) == (500, orjson.dumps(error))


async def test_no_match_and_no_default_is_500() -> None:
    integration = _patterns(IntegrationResponse(selection_pattern="Malformed.*", status_code="400"))
    status, body, headers, _ = await call(integration, result({"ok": 1}))
    assert (status, body) == (500, b'{"message": "Internal server error"}')
    assert headers["content-type"] == "application/json"


async def test_no_integration_responses_at_all_is_500() -> None:
    status, body, _, _ = await call(_patterns(), result({"ok": 1}))
    assert (status, body) == (500, b'{"message": "Internal server error"}')


async def test_response_override_status_and_header() -> None:
    template = """#set($r = $input.path('$'))
#if($r.missing)
#set($context.responseOverride.status = 404)
#set($context.responseOverride.header.X-Why = "gone")
{"found": false}
#else
{"found": true}
#end"""
    integration = _patterns(
        IntegrationResponse(
            status_code="200",
            response_parameters={"method.response.header.X-Why": "'mapped'"},
            response_templates={"application/json": template},
        )
    )
    status, body, headers, _ = await call(integration, result({"missing": True}))
    assert (status, body.strip(), headers["x-why"]) == (404, b'{"found": false}', "gone")
    status, body, headers, _ = await call(integration, result({"missing": False}))
    assert (status, body.strip(), headers["x-why"]) == (200, b'{"found": true}', "mapped")


async def test_response_template_chosen_by_accept() -> None:
    integration = _patterns(
        IntegrationResponse(
            status_code="200",
            response_templates={
                "application/json": '{"v": "$input.path(\'$.v\')"}',
                "application/xml": "<v>$input.path('$.v')</v>",
            },
        )
    )
    status, body, headers, _ = await call(
        integration,
        result({"v": "x"}),
        headers=(("Content-Type", "application/json"), ("Accept", "application/xml")),
    )
    assert (status, body, headers["content-type"]) == (200, b"<v>x</v>", "application/xml")


PASSTHROUGH = [
    # (templates, behavior, content type, body) -> (status, event or response body)
    pytest.param({}, "WHEN_NO_MATCH", "application/json", b'{"a": 1}', 200, {"a": 1},
                 id="no-templates-passes-the-body"),
    pytest.param({}, "WHEN_NO_MATCH", "application/json", b"", 200, {},
                 id="empty-body-is-an-empty-object"),
    pytest.param({"application/json": "{}"}, "WHEN_NO_MATCH", "text/plain", b'["t"]', 200, ["t"],
                 id="unmatched-type-passes-when-no-match"),
    pytest.param({"application/json": "{}"}, "WHEN_NO_TEMPLATES", "text/plain", b"[]", 415,
                 b'{"message":"Unsupported Media Type"}', id="when-no-templates-refuses"),
    pytest.param({}, "WHEN_NO_TEMPLATES", "text/plain", b'"s"', 200, "s",
                 id="when-no-templates-without-templates-passes"),
    pytest.param({}, "NEVER", "application/json", b"{}", 415,
                 b'{"message":"Unsupported Media Type"}', id="never-refuses"),
    pytest.param({"application/json": '{"fixed": true}'}, "NEVER", "application/json", b"x", 200,
                 {"fixed": True}, id="never-with-a-template"),
    # Lambda refuses an event that is not JSON (InvalidRequestContentException): 500.
    pytest.param({}, "WHEN_NO_MATCH", "text/plain", b"plain text", 500,
                 b'{"message": "Internal server error"}', id="non-json-event-is-500"),
    pytest.param({"application/json": "not $input.path('$.a') json"}, "WHEN_NO_MATCH",
                 "application/json", b'{"a": "x"}', 500,
                 b'{"message": "Internal server error"}', id="template-output-not-json-is-500"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("templates", "behavior", "content_type", "body", "status", "expected"), PASSTHROUGH
)
async def test_request_templates_and_passthrough(
    templates: dict[str, str],
    behavior: Any,
    content_type: str,
    body: bytes,
    status: int,
    expected: Any,
) -> None:
    integration = LambdaCustomIntegration(
        function_name="Fn",
        request_templates=templates,
        passthrough_behavior=behavior,
        responses=(IntegrationResponse(status_code="200"),),
    )
    got, got_body, _, invoker = await call(
        integration, result({"r": 1}), body=body, headers=(("Content-Type", content_type),)
    )
    assert got == status
    if status == 200:
        assert invoker.events == [expected]
        assert got_body == b'{"r":1}'
    else:
        assert invoker.events == []
        assert got_body == expected


async def test_result_string_passes_through_as_json() -> None:
    status, body, headers, _ = await call(_patterns(IntegrationResponse()), result("hello"))
    assert (status, body, headers["content-type"]) == (200, b'"hello"', "application/json")


async def test_integration_timeout_is_504() -> None:
    integration = LambdaCustomIntegration(
        function_name="Fn", timeout_ms=50, responses=(IntegrationResponse(),)
    )
    status, body, _, _ = await call(integration, 1.0)
    assert (status, body) == (504, b'{"message": "Endpoint request timed out"}')


async def test_function_lambda_refuses_is_500() -> None:
    status, body, _, _ = await call(CUSTOM, FunctionNotFoundError("Function not found: Fn"))
    assert (status, body) == (500, b'{"message": "Internal server error"}')


async def test_stage_variables_name_the_function_and_alias() -> None:
    integration = LambdaCustomIntegration(
        function_name="${stageVariables.fn}",
        qualifier="${stageVariables.alias}",
        responses=(IntegrationResponse(),),
    )
    status, _, _, invoker = await call(
        integration, result({}), variables={"fn": "Orders", "alias": "live"}
    )
    assert (status, invoker.targets) == (200, [("Orders", "live")])
    status, body, _, invoker = await call(integration, result({}), variables={"fn": "Orders"})
    assert (status, body, invoker.targets) == (500, b'{"message": "Internal server error"}', [])
