"""The Lambda proxy integration: send the event, wait within the integration timeout, map.

How a Lambda failure reaches the client:
https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway-errors.html

The function name or alias may name stage variables (`function:${stageVariables.fn}`,
`function:name:${stageVariables.alias}`), resolved per request from the stage's variables
(a canary's overrides included).
https://docs.aws.amazon.com/apigateway/latest/developerguide/aws-api-gateway-stage-variables-reference.html
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Mapping
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


Authorize = Callable[[str, str | None], None]
"""Called with the function name and qualifier to invoke; raises GatewayError to refuse."""

_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]*)\}")
# What Lambda's Invoke accepts as FunctionName / Qualifier (the name, its ARN, name:qualifier).
# https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_RequestSyntax
_FUNCTION_ARN = re.compile(
    r"arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]*:\d*:function:(?P<name>[^:]*)(?::(?P<qualifier>.*))?"
)
_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")
_QUALIFIER = re.compile(r"\$LATEST|[a-zA-Z0-9_-]{1,128}")


def function_target(
    function_name: str, qualifier: str | None, stage_variables: Mapping[str, str]
) -> tuple[str, str | None]:
    """The (function name, qualifier) to invoke once `${stageVariables.x}` in either is
    replaced; a name without any is returned as it is (no work on the usual path).

    A variable the stage does not define, or a value that does not make a function name
    (or alias / version) leaves API Gateway with an invalid function ARN: the request
    fails with 500 "Internal server error", as when Lambda refuses the invocation (the
    execution log says why; here the console does).
    https://repost.aws/knowledge-center/api-gateway-lambda-stage-variable-500
    """
    if "${" not in function_name and (qualifier is None or "${" not in qualifier):
        return function_name, qualifier
    name = _substitute(function_name, stage_variables)
    alias = None if qualifier is None else _substitute(qualifier, stage_variables)
    arn = _FUNCTION_ARN.fullmatch(name)
    if arn is not None:
        name, named = arn.group("name"), arn.group("qualifier")
    else:
        name, colon, named = name.partition(":")
        named = named if colon else None
    if named is not None:
        if alias is not None:
            raise _invalid(f"{function_name}:{qualifier} names two qualifiers")
        alias = named
    if _NAME.fullmatch(name) is None:
        raise _invalid(f"{name!r} (from {function_name!r}) is not a function name")
    if alias is not None and _QUALIFIER.fullmatch(alias) is None:
        raise _invalid(f"{alias!r} is not a function version or alias")
    return name, None if alias == "$LATEST" else alias


def substitute_stage_variables(text: str, stage_variables: Mapping[str, str]) -> str:
    """`text` with each `${stageVariables.x}` replaced (a credentials role ARN may hold them);
    an undefined variable is a 500."""
    return _substitute(text, stage_variables) if "${" in text else text


def _substitute(text: str, stage_variables: Mapping[str, str]) -> str:
    def value(found: re.Match[str]) -> str:
        variable = found.group(1)
        if variable not in stage_variables:
            raise _invalid(f"stage variable {variable!r} is not defined on this stage")
        return stage_variables[variable]

    return _STAGE_VARIABLE.sub(value, text)


def _invalid(detail: str) -> GatewayError:
    return GatewayError(ResponseType.DEFAULT_5XX, f"invalid Lambda function: {detail}")


async def call_lambda(
    invoker: Invoker,
    integration: LambdaIntegration,
    event: bytes,
    *,
    decode_base64: bool,
    source: InvokeRequest | None,
    stage_variables: Mapping[str, str],
    trace_id: str | None = None,
    authorize: Authorize | None = None,
) -> GatewayResponse:
    result = await invoke_function(
        invoker,
        integration.function_name,
        integration.qualifier,
        event,
        timeout_ms=integration.timeout_ms,
        source=source,
        stage_variables=stage_variables,
        trace_id=trace_id,
        authorize=authorize,
    )
    if result.function_error is not None:
        raise GatewayError(ResponseType.INTEGRATION_FAILURE, "Lambda function error")
    if integration.payload_format == "2.0":
        return map_v2_response(result.payload)
    return map_v1_response(result.payload, decode_base64=decode_base64)


async def invoke_function(
    invoker: Invoker,
    function_name: str,
    qualifier: str | None,
    event: bytes,
    *,
    timeout_ms: int,
    source: InvokeRequest | None,
    stage_variables: Mapping[str, str],
    trace_id: str | None = None,
    authorize: Authorize | None = None,
) -> InvokeResult:
    """Invoke the integration's function (its name and alias after stage-variable
    substitution) within the integration timeout, as the proxy and the custom (non-proxy)
    Lambda integrations both do: 504 on timeout, 500 when Lambda refuses the invocation.

    An integration with credentials passes `authorize` (raising unless they may invoke the
    function: integrations/lambda_role.py) and no `source`, so the function's resource
    policy is not consulted."""
    name, qualifier = function_target(function_name, qualifier, stage_variables)
    if authorize is not None:
        authorize(name, qualifier)
    try:
        async with asyncio.timeout(timeout_ms / 1000):
            return await invoker.invoke(
                name,
                event,
                qualifier=qualifier,
                source=source,
                trace_id=trace_id,
            )
    except TimeoutError as error:
        raise GatewayError(ResponseType.INTEGRATION_TIMEOUT) from error
    except FunctionError as error:
        # Lambda refused or could not start the invocation (no such function, a request
        # over 6 MB, no worker could start); API Gateway answers 500.
        raise GatewayError(ResponseType.DEFAULT_5XX, str(error)) from error
