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

Lambda's invocation type comes from the integration request header X-Amz-Invocation-Type
(`requestParameters` from `'Event'` or a method request header, or the request template's
`$context.requestOverride.header`): `Event` queues the event (Lambda's asynchronous
invocation: retries, destinations) and the method answers at once, with the integration
response for a result without an error and an empty payload (Lambda's 202 has no body);
`DryRun` checks the function and its permission without running it (Lambda's 204);
`RequestResponse` (the default) waits for the result. Another value is refused by Lambda
(InvalidParameterValueException): 500.
https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-integration-async.html
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_RequestSyntax

The event must be JSON, as Lambda's Invoke requires: a passed-through or mapped body that is
not answers 500 (Lambda refused it with InvalidRequestContentException); an empty body is
`{}`, as Lambda reads an empty payload.
https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Mapping
from typing import Protocol

import orjson

from lamina.functions.error import FunctionError
from lamina.functions.model import InvokeResult
from lamina.functions.policy import InvokeRequest
from lamina.gateway.error import GatewayError, GatewayResponse, ResponseType
from lamina.gateway.integrations.http import RestParameters
from lamina.gateway.integrations.lambda_ import (
    Authorize,
    Invoker,
    function_target,
    invoke_function,
)
from lamina.gateway.integrations.responses import (
    IntegrationOutput,
    MappingSource,
    map_request_body,
    method_response,
    select_integration_response,
)
from lamina.gateway.mapping import Rendered
from lamina.gateway.model import LambdaCustomIntegration

_EMPTY_EVENT = b"{}"
INVOCATION_TYPE = "x-amz-invocation-type"
MAX_EVENT_BYTES = 1_048_576
"""An asynchronous invocation's payload limit (1 MB); Lambda refuses more (413), API Gateway
answers 500. https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"""

log = logging.getLogger("lamina.gateway")


class EventQueue(Protocol):
    """Runs `Event` invocations: checks the invocation as Lambda's Invoke does, queues it,
    and returns the invocation's request id."""

    def authorize(self, name: str, qualifier: str | None, source: InvokeRequest | None) -> None:
        """`source` None: the function's resource policy is not consulted (an integration
        with credentials, already allowed by their policies)."""

    async def queue_event(
        self, name: str, qualifier: str | None, payload: bytes, *, source: InvokeRequest | None
    ) -> str: ...


class FunctionChecks(Protocol):
    def authorize_invoke(
        self, name: str, qualifier: str | None, source: InvokeRequest | None
    ) -> None: ...


class EventSubmitter(Protocol):
    async def submit(
        self, function: str, qualifier: str | None, payload: bytes, *, request_id: str
    ) -> object: ...


class QueuedEvents:
    """Event invocations through Lamina's durable asynchronous queue (functions/asynchronous:
    retries, maximum event age, destinations), as Lambda runs them."""

    def __init__(self, functions: FunctionChecks, queue: EventSubmitter) -> None:
        self._functions = functions
        self._queue = queue

    def authorize(self, name: str, qualifier: str | None, source: InvokeRequest | None) -> None:
        self._functions.authorize_invoke(name, qualifier, source)

    async def queue_event(
        self, name: str, qualifier: str | None, payload: bytes, *, source: InvokeRequest | None
    ) -> str:
        self.authorize(name, qualifier, source)
        request_id = str(uuid.uuid4())
        await self._queue.submit(name, qualifier, payload, request_id=request_id)
        return request_id


class BackgroundEvents:
    """Event invocations run as background tasks of this process (no queue is wired in:
    an embedded gateway); the result is logged, not kept."""

    def __init__(self, invoker: Invoker) -> None:
        self._invoker = invoker
        self._running: set[asyncio.Task[None]] = set()

    def authorize(self, name: str, qualifier: str | None, source: InvokeRequest | None) -> None:
        return None  # checked when the invocation runs

    async def queue_event(
        self, name: str, qualifier: str | None, payload: bytes, *, source: InvokeRequest | None
    ) -> str:
        request_id = str(uuid.uuid4())
        task = asyncio.ensure_future(self._run(name, qualifier, payload, source))
        self._running.add(task)
        task.add_done_callback(self._running.discard)
        return request_id

    async def _run(
        self, name: str, qualifier: str | None, payload: bytes, source: InvokeRequest | None
    ) -> None:
        try:
            await self._invoker.invoke(name, payload, qualifier=qualifier, source=source)
        except FunctionError as error:
            log.warning("asynchronous invocation of %s failed: %s", name, error)


async def call_lambda_custom(
    invoker: Invoker,
    integration: LambdaCustomIntegration,
    mapping: MappingSource,
    *,
    source: InvokeRequest,
    stage_variables: Mapping[str, str],
    trace_id: str | None = None,
    events: EventQueue | None = None,
    authorize: Authorize | None = None,
) -> GatewayResponse:
    """Map the method request to an event, invoke the function, map its result back.

    `authorize` (an integration with credentials: integrations/lambda_role.py) replaces the
    function's resource policy, for Event and DryRun invocations as for RequestResponse ones."""
    # Whom Lambda checks against the function's resource policy (no one with credentials).
    policy_source = None if authorize is not None else source
    body, rendered = map_request_body(
        integration.request_templates,
        integration.passthrough_behavior,
        mapping,
        integration.content_handling,
    )
    kind = invocation_type(integration, mapping, rendered)
    if kind not in (None, "RequestResponse"):
        output = await _call_without_result(
            kind,
            integration,
            _event(body),
            events or BackgroundEvents(invoker),
            policy_source,
            mapping,
            authorize,
        )
        chosen = select_integration_response(integration.responses, "", output.status)
        return method_response(chosen, mapping, output.output)
    result = await invoke_function(
        invoker,
        integration.function_name,
        integration.qualifier,
        _event(body),
        timeout_ms=integration.timeout_ms,
        source=policy_source,
        stage_variables=stage_variables,
        trace_id=trace_id,
        authorize=authorize,
    )
    selection = error_message(result) if result.function_error is not None else ""
    # The endpoint response of a completed invocation is Lambda's 200.
    chosen = select_integration_response(integration.responses, selection, 200)
    return method_response(chosen, mapping, IntegrationOutput(result.payload, _headers(result)))


def invocation_type(
    integration: LambdaCustomIntegration, mapping: MappingSource, rendered: Rendered | None
) -> str | None:
    """The X-Amz-Invocation-Type the integration request carries (None: not set)."""
    found: str | None = None
    if integration.request_parameters:
        headers = RestParameters(integration.request_parameters, mapping).headers
        found = next((v for n, v in headers.items() if n.lower() == INVOCATION_TYPE), None)
    if rendered is not None:
        overridden = (v for n, v in rendered.headers.items() if n.lower() == INVOCATION_TYPE)
        found = next(overridden, found)
    return found


class _NoResult:
    __slots__ = ("output", "status")

    def __init__(self, status: int, output: IntegrationOutput) -> None:
        self.status = status
        self.output = output


async def _call_without_result(
    kind: str,
    integration: LambdaCustomIntegration,
    event: bytes,
    events: EventQueue,
    source: InvokeRequest | None,
    mapping: MappingSource,
    authorize: Authorize | None,
) -> _NoResult:
    """An `Event` (202) or `DryRun` (204) invocation: Lambda answers without a payload."""
    if kind not in ("Event", "DryRun"):
        raise GatewayError(
            ResponseType.DEFAULT_5XX,
            "Lambda invocation failed: InvalidParameterValueException: "
            f"invalid InvocationType {kind!r}",
        )
    name, qualifier = function_target(
        integration.function_name, integration.qualifier, mapping.stage_variables
    )
    if authorize is not None:
        authorize(name, qualifier)
    try:
        if kind == "DryRun":
            events.authorize(name, qualifier, source)
            return _NoResult(204, IntegrationOutput(b"", [("x-amzn-RequestId", str(uuid.uuid4()))]))
        if len(event) > MAX_EVENT_BYTES:
            raise GatewayError(
                ResponseType.DEFAULT_5XX,
                f"Lambda invocation failed: RequestEntityTooLargeException: Request must be "
                f"smaller than {MAX_EVENT_BYTES} bytes for the InvokeFunction operation",
            )
        request_id = await events.queue_event(name, qualifier, event, source=source)
    except FunctionError as error:  # no such function, no permission: Lambda refused it
        raise GatewayError(ResponseType.DEFAULT_5XX, str(error)) from error
    return _NoResult(202, IntegrationOutput(b"", [("x-amzn-RequestId", request_id)]))


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
