"""Whether an API's default `execute-api` endpoint is disabled, from a template.

CloudFormation: `DisableExecuteApiEndpoint` on AWS::ApiGateway::RestApi and
AWS::ApiGatewayV2::Api. OpenAPI: `x-amazon-apigateway-endpoint-configuration`
`disableExecuteApiEndpoint`, at the top of a REST API's definition and under `servers` of
an HTTP API's (where aws-sam-translator writes SAM's `DisableExecuteApiEndpoint`).
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-endpoint-configuration.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.config.error import ConfigError
from lamina.config.reference import CfnResource
from lamina.config.stack import Stack
from lamina.core.openapi import ENDPOINT_CONFIGURATION, endpoint_extension

EXTENSION = ENDPOINT_CONFIGURATION


def _flag(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ConfigError(f"{where} must be true or false (got {value!r})")


def execute_api_disabled(
    stack: Stack, resource: CfnResource, body: Mapping[str, Any] | None
) -> bool:
    """The resource's property wins over its definition's extension, as CloudFormation's
    properties win over the Body's (the property is applied after the import)."""
    given = stack.prop(resource, "DisableExecuteApiEndpoint")
    if given is not None:
        return _flag(given, "DisableExecuteApiEndpoint")
    if body is None:
        return False
    extension = endpoint_extension(body)
    if extension is None or "disableExecuteApiEndpoint" not in extension:
        return False
    return _flag(extension["disableExecuteApiEndpoint"], f"{EXTENSION}.disableExecuteApiEndpoint")
