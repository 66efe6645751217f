"""The Lambda proxy integration: send the event, wait within the integration timeout, map.

How a Lambda failure reaches the client:
https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html
"""

from __future__ import annotations

import asyncio
from typing import Protocol

from lamina.functions.error import FunctionError
from lamina.functions.model import InvokeResult
from lamina.functions.policy import InvokeRequest
from lamina.gateway.error import GatewayError, GatewayResponse, ResponseType
from lamina.gateway.integrations.proxy_response import map_v1_response, map_v2_response
from lamina.gateway.model import LambdaIntegration


class Invoker(Protocol):
    """The slice of FunctionService the gateway uses."""

    async def invoke(
        self,
        name: str,
        payload: bytes,
        *,
        qualifier: str | None = None,
        client_context: str | None = None,
        source: InvokeRequest | None = None,
        trace_id: str | None = None,
    ) -> InvokeResult: ...


async def call_lambda(
    invoker: Invoker,
    integration: LambdaIntegration,
    event: bytes,
    *,
    decode_base64: bool,
    source: InvokeRequest,
    trace_id: str | None = None,
) -> GatewayResponse:
    try:
        async with asyncio.timeout(integration.timeout_ms / 1000):
            result = await invoker.invoke(
                integration.function_name,
                event,
                qualifier=integration.qualifier,
                source=source,
                trace_id=trace_id,
            )
    except TimeoutError as error:
        raise GatewayError(ResponseType.INTEGRATION_TIMEOUT) from error
    except FunctionError as error:
        # Lambda refused or could not start the invocation (no such function, a request
        # over 6 MB, no worker could start); API Gateway answers 500.
        raise GatewayError(ResponseType.DEFAULT_5XX, str(error)) from error
    if result.function_error is not None:
        raise GatewayError(ResponseType.INTEGRATION_FAILURE, "Lambda function error")
    if integration.payload_format == "2.0":
        return map_v2_response(result.payload)
    return map_v1_response(result.payload, decode_base64=decode_base64)
