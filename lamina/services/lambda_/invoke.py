"""Invoke: RequestResponse, Event (202, queued durably) and DryRun (204).

https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html
https://docs.aws.amazon.com/lambda/latest/dg/invocation-async.html
"""

from __future__ import annotations

import base64
from typing import Any

import orjson

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput, ServiceError
from lamina.functions import failure
from lamina.functions.asynchronous.queue import QueueError
from lamina.functions.error import (
    FunctionError,
    FunctionNotFoundError,
    FunctionThrottledError,
    RequestTooLargeError,
)
from lamina.functions.model import InvokeResult
from lamina.services.lambda_ import names
from lamina.services.lambda_.error import function_not_found, throttled, too_large
from lamina.services.lambda_.state import LambdaState, Operation

MAX_EVENT_PAYLOAD_BYTES = 1_048_576
"""1 MB: an asynchronous (Event) invocation's payload.
https://docs.aws.amazon.com/lambda/latest/dg/gettingstarted-limits.html"""
MAX_INVOKE_ASYNC_BYTES = 262_144
"""256 KB: the deprecated InvokeAsync kept the old asynchronous payload limit."""
TAIL_BYTES = 4096
"""LogType Tail returns the last 4 KB of the execution log."""


def log_tail(log: str) -> str:
    return base64.b64encode(log.encode()[-TAIL_BYTES:]).decode()


async def invoke(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, qualifier = names.function_name(params["FunctionName"], params.get("Qualifier"))
    state.config(name, qualifier)
    payload = bytes(params.get("Payload") or b"{}")
    kind = params.get("InvocationType", "RequestResponse")
    if kind == "DryRun":
        return {"StatusCode": 204, "Payload": b""}
    if kind == "Event":
        await _enqueue(state, ctx, name, qualifier, payload)
        return {"StatusCode": 202, "Payload": b""}
    result = await _invoke(state, name, qualifier, payload, params.get("ClientContext"))
    answer: dict[str, Any] = {
        "StatusCode": 200,
        "Payload": result.payload,
        "ExecutedVersion": result.executed_version,
    }
    if result.function_error is not None:
        answer["FunctionError"] = result.function_error
    if params.get("LogType") == "Tail":
        answer["LogResult"] = log_tail(result.log)
    return answer


async def _invoke(
    state: LambdaState, name: str, qualifier: str | None, payload: bytes, client: str | None
) -> InvokeResult:
    """One synchronous invocation, the runtime's refusals translated to API errors."""
    try:
        return await state.functions.invoke(
            name, payload, qualifier=qualifier, client_context=client
        )
    except FunctionThrottledError as error:
        raise throttled(error.reason) from error
    except RequestTooLargeError as error:
        raise too_large(failure.MAX_REQUEST_BYTES, "InvokeFunction") from error
    except FunctionNotFoundError as error:
        raise function_not_found(state.function_arn(name, qualifier)) from error
    except FunctionError as error:
        raise _service_exception(error) from error


async def invoke_async(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    """The deprecated InvokeAsync: an Event invocation whose payload limit stayed 256 KB.
    https://docs.aws.amazon.com/lambda/latest/api/API_InvokeAsync.html
    """
    name, qualifier = names.function_name(params["FunctionName"])
    state.config(name, qualifier)
    payload = bytes(params.get("InvokeArgs") or b"{}")
    limit, operation = MAX_INVOKE_ASYNC_BYTES, "InvokeAsync"
    await _enqueue(state, ctx, name, qualifier, payload, limit=limit, operation=operation)
    return {"Status": 202}


async def _enqueue(
    state: LambdaState,
    ctx: AwsRequestContext,
    name: str,
    qualifier: str | None,
    payload: bytes,
    *,
    limit: int = MAX_EVENT_PAYLOAD_BYTES,
    operation: str = "InvokeFunction",
) -> None:
    """Commit the event to the durable queue before answering 202; its request id is the
    x-amzn-RequestId of this answer. Retries, destinations: AsyncInvoker."""
    if len(payload) > limit:
        raise too_large(limit, operation)
    _require_json(payload)
    try:
        await state.async_invoker.submit(name, qualifier, payload, request_id=ctx.request_id)
    except QueueError as error:
        raise _service_exception(error) from error


def _require_json(payload: bytes) -> None:
    """Lambda refuses an event that is not JSON with InvalidRequestContentException.
    https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_Errors
    """
    try:
        orjson.loads(payload)
    except orjson.JSONDecodeError as error:
        raise ServiceError(
            "InvalidRequestContentException",
            f"Could not parse request body into json: {error}",
            status=400,
            fields={"Type": "User"},
        ) from error


def _service_exception(error: Exception) -> ServiceError:
    return ServiceError("ServiceException", str(error), status=500, sender_fault=False)


OPERATIONS: dict[str, Operation] = {"Invoke": invoke, "InvokeAsync": invoke_async}
