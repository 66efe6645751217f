"""AWS service integrations (REST `AWS` type to a service other than Lambda).

The URI names the service and either a path (`arn:aws:apigateway:{region}:s3:path/{bucket}/{key}`,
the request goes to that path with the integration's HTTP method) or an action
(`arn:aws:apigateway:{region}:dynamodb:action/PutItem`, the request template's output is the
action's input). `{name}` path variables are filled from `integration.request.path.name`
parameters. The service is called with the integration's `credentials` role; its HTTP status
selects the integration response, so a service error (S3's 403 AccessDenied when the role may
not read the object) reaches the client as the integration responses map it.
https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-request-basic-setup.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-s3.html

The gateway may not import Lamina's services, so the call goes through an `AwsServiceCaller`
(integrations/aws_caller.py answers it with the in-process AWS endpoint).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from typing import Protocol
from urllib.parse import urlencode

from lamina.gateway.error import GatewayError, GatewayResponse, ResponseType
from lamina.gateway.integrations.http import RestParameters, integration_url
from lamina.gateway.integrations.responses import (
    DEFAULT_MEDIA_TYPE,
    IntegrationOutput,
    MappingSource,
    map_request_body,
    method_response,
    select_integration_response,
)
from lamina.gateway.model import AwsServiceIntegration

# arn:aws:apigateway:{region}:{subdomain.}{service}:{path|action}/{path or action}
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")
_URI = re.compile(r"arn:aws[a-z-]*:apigateway:([a-z0-9-]*):([A-Za-z0-9.-]+):(path|action)/(.+)")


class AwsServiceCall:
    """One request to an AWS service on behalf of an integration."""

    __slots__ = ("action", "body", "headers", "http_method", "path", "query", "role_arn", "service")

    def __init__(
        self,
        *,
        service: str,
        http_method: str,
        path: str | None,
        action: str | None,
        query: str,
        headers: list[tuple[str, str]],
        body: bytes,
        role_arn: str,
    ) -> None:
        self.service = service
        self.http_method = http_method
        self.path = path
        """Path-style URIs: the service path (`/bucket/key`), percent-encoded."""
        self.action = action
        """Action-style URIs: the operation name (`PutItem`)."""
        self.query = query
        self.headers = headers
        self.body = body
        self.role_arn = role_arn


class AwsServiceCaller(Protocol):
    """Calls an AWS service as `call.role_arn`: (status, headers, body) as the service
    answered, errors included. Raises GatewayError when the role cannot be used."""

    async def call(self, call: AwsServiceCall) -> tuple[int, list[tuple[str, str]], bytes]: ...


def parse_service_uri(uri: str) -> tuple[str, str, str]:
    """(service, "path" | "action", the path or action) of an AWS service integration URI."""
    found = _URI.fullmatch(uri)
    if found is None:
        raise GatewayError(
            ResponseType.DEFAULT_5XX,
            f"Execution failed due to configuration error: invalid AWS service URI {uri!r}",
        )
    service = found.group(2).rsplit(".", 1)[-1]  # `{bucket}.s3` names S3
    return service, found.group(3), found.group(4)


def with_stage_variables(text: str, stage_variables: Mapping[str, str]) -> str:
    """`${stageVariables.x}` in an AWS integration's URI (its action or path part) or its
    credentials ARN (`arn:aws:iam::123456789012:role/${stageVariables.role}`), replaced by
    the stage's value; a variable the stage does not define is a configuration error (500).
    https://docs.aws.amazon.com/apigateway/latest/developerguide/aws-api-gateway-stage-variables-reference.html
    """
    if "${" not in text:
        return text

    def variable(found: re.Match[str]) -> str:
        value = stage_variables.get(found.group(1))
        if value is None:
            raise GatewayError(
                ResponseType.DEFAULT_5XX,
                f"Execution failed due to configuration error: stage variable "
                f"{found.group(1)!r} in {text!r} is not defined",
            )
        return value

    return _STAGE_VARIABLE.sub(variable, text)


async def call_aws_service(
    caller: AwsServiceCaller | None,
    integration: AwsServiceIntegration,
    mapping: MappingSource,
    *,
    resource_path_params: Mapping[str, str],
) -> GatewayResponse:
    """Run `integration` for the method request `mapping` describes."""
    if caller is None:
        raise GatewayError(
            ResponseType.DEFAULT_5XX, "this gateway has no AWS endpoint to call services with"
        )
    if not integration.credentials:
        # AWS refuses an AWS integration without a role to call the service as.
        raise GatewayError(
            ResponseType.DEFAULT_5XX,
            "Execution failed due to configuration error: no credentials for the AWS integration",
        )
    variables = mapping.stage_variables
    service, kind, target = parse_service_uri(with_stage_variables(integration.uri, variables))
    mapped = RestParameters(integration.request_parameters, mapping)
    path_values = {**resource_path_params, **mapped.path}
    body, rendered = map_request_body(
        integration.request_templates,
        integration.passthrough_behavior,
        mapping,
        integration.content_handling,
    )
    if rendered is not None:  # $context.requestOverride.*
        mapped.headers.update(rendered.headers)
        mapped.query.update(rendered.querystring)
        path_values.update(rendered.path)
    headers = list(mapped.headers.items())
    if body and not any(n.lower() == "content-type" for n, _ in headers):
        headers.append(
            ("Content-Type", mapping.request.header("content-type") or DEFAULT_MEDIA_TYPE)
        )
    query = urlencode(mapped.query)
    path: str | None = None
    action: str | None = None
    if kind == "path":
        located = integration_url("/" + target, path_values, mapping.stage_variables, query)
        path, _, query = located.partition("?")
    else:
        action, _, extra = target.partition("&")  # `action/ListQueues&Version=...`
        query = "&".join(q for q in (extra, query) if q)
    http_method = integration.http_method.upper()
    if http_method == "ANY":
        http_method = mapping.request.method
    call = AwsServiceCall(
        service=service,
        http_method=http_method,
        path=path,
        action=action,
        query=query,
        headers=headers,
        body=body,
        role_arn=with_stage_variables(integration.credentials, variables),
    )
    try:
        async with asyncio.timeout(integration.timeout_ms / 1000):
            status, answered, payload = await caller.call(call)
    except TimeoutError as error:
        raise GatewayError(
            ResponseType.INTEGRATION_TIMEOUT,
            f"{service}: no answer in {integration.timeout_ms} ms",
        ) from error
    content_type = dict((n.lower(), v) for n, v in answered).get("content-type")
    output = IntegrationOutput(payload, answered, binary=mapping.binary.is_binary(content_type))
    chosen = select_integration_response(integration.responses, str(status), status)
    return method_response(
        chosen,
        mapping,
        output,
        passthrough_type=output.header("content-type") or DEFAULT_MEDIA_TYPE,
    )
