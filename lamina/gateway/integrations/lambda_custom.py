"""The Lambda custom (non-proxy) integration (REST `AWS` type with a Lambda invocation URI).
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-custom-integrations.html

    request template (by Content-Type, passthroughBehavior) → the Lambda event
    → Invoke (as the proxy integration: resource policy, stage-variable names, timeout)
    → integration response chosen by selectionPattern against the function's errorMessage
    → method response: status, responseParameters, response template or the result as is

Selecting the integration response
(https://docs.aws.amazon.com/apigateway/latest/developerguide/handle-errors-in-lambda-integration.html,
https://docs.aws.amazon.com/apigateway/latest/api/API_IntegrationResponse.html):
- When the function failed (Lambda's X-Amz-Function-Error: an unhandled exception, a
  timeout, a crash, or an error the handler returned), each selectionPattern is matched
  against its `errorMessage`; when it succeeded, against the empty string. So `.+` picks
  errors only, while `.*` (or any pattern matching "") also takes successful results.
- The match is Java's `matches()`: the whole message, `.` not crossing a newline (a
  multi-line message needs `(\\n|.)*`).
- Nothing matches: the response without a pattern. "Lambda errors are returned as 200 OK
  responses by default": the default response's status with the error object
  (`{"errorMessage", "errorType", "stackTrace"}`) as the body, unless its template maps it.
- No default either: 500 "Internal server error" (a configuration error on the console).

The event must be JSON, as Lambda's Invoke requires: a passed-through or mapped body that is
not answers 500 (Lambda refused it with InvalidRequestContentException); an empty body is
`{}`, as Lambda reads an empty payload.
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
"""

from __future__ import annotations

from collections.abc import Mapping

import orjson

from lamina.functions.model import InvokeResult
from lamina.functions.policy import InvokeRequest
from lamina.gateway.error import GatewayError, GatewayResponse, ResponseType
from lamina.gateway.integrations.lambda_ import Invoker, invoke_function
from lamina.gateway.integrations.responses import (
    IntegrationOutput,
    MappingSource,
    map_request_body,
    method_response,
    select_integration_response,
)
from lamina.gateway.model import LambdaCustomIntegration

_EMPTY_EVENT = b"{}"


async def call_lambda_custom(
    invoker: Invoker,
    integration: LambdaCustomIntegration,
    mapping: MappingSource,
    *,
    source: InvokeRequest,
    stage_variables: Mapping[str, str],
    trace_id: str | None = None,
) -> GatewayResponse:
    """Map the method request to an event, invoke the function, map its result back."""
    body, _ = map_request_body(
        integration.request_templates,
        integration.passthrough_behavior,
        mapping,
        integration.content_handling,
    )
    result = await invoke_function(
        invoker,
        integration.function_name,
        integration.qualifier,
        _event(body),
        timeout_ms=integration.timeout_ms,
        source=source,
        stage_variables=stage_variables,
        trace_id=trace_id,
    )
    selection = error_message(result) if result.function_error is not None else ""
    # The endpoint response of a completed invocation is Lambda's 200.
    chosen = select_integration_response(integration.responses, selection, 200)
    return method_response(chosen, mapping, IntegrationOutput(result.payload, _headers(result)))


def _event(body: bytes) -> bytes:
    if not body.strip():
        return _EMPTY_EVENT
    try:
        orjson.loads(body)
    except orjson.JSONDecodeError as error:
        # Lambda answers 400 InvalidRequestContentException; API Gateway 500.
        raise GatewayError(
            ResponseType.DEFAULT_5XX,
            f"Lambda invocation failed: Could not parse request body into json: {error}",
        ) from None
    return body


def error_message(result: InvokeResult) -> str:
    """The `errorMessage` of a failed invocation's error object ("" without one); a
    non-string message is matched as its JSON text."""
    try:
        document = orjson.loads(result.payload)
    except orjson.JSONDecodeError:
        return ""
    message = document.get("errorMessage") if isinstance(document, dict) else None
    if message is None:
        return ""
    return message if isinstance(message, str) else orjson.dumps(message).decode()


def _headers(result: InvokeResult) -> list[tuple[str, str]]:
    """The Invoke response's headers, which `integration.response.header.X` reads.
    https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_ResponseSyntax
    """
    headers = [
        ("Content-Type", "application/json"),
        ("X-Amz-Executed-Version", result.executed_version),
    ]
    if result.request_id:
        headers.append(("x-amzn-RequestId", result.request_id))
    if result.function_error is not None:
        headers.append(("X-Amz-Function-Error", result.function_error))
    return headers
