"""REST gateway responses the user configured: AWS::ApiGateway::GatewayResponse resources and
the body's `x-amazon-apigateway-gateway-responses` (where SAM's `GatewayResponses` go).

This is how a REST API's 4XX/5XX answers from the gateway itself (401 from an authorizer,
403 Missing Authentication Token...) carry CORS headers: the user says so here.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-gatewayResponse-definition.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.config.error import ConfigError
from lamina.config.stack import Stack
from lamina.gateway.model import GatewayResponseSetting

BODY_KEY = "x-amazon-apigateway-gateway-responses"
_RESOURCE = "AWS::ApiGateway::GatewayResponse"
_HEADER = "gatewayresponse.header."


def build_gateway_responses(
    stack: Stack, api_id: str, body: Mapping[str, Any] | None
) -> tuple[GatewayResponseSetting, ...]:
    """The API's configured gateway responses by type; a resource overrides the body."""
    found: dict[str, GatewayResponseSetting] = {}
    if body is not None:
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-gateway-responses.html
        declared = body.get(BODY_KEY) or {}
        if not isinstance(declared, dict):
            raise ConfigError(f"{BODY_KEY} must be a mapping")
        for response_type, spec in declared.items():
            found[str(response_type)] = _setting(
                str(response_type), spec, ("statusCode", "responseParameters", "responseTemplates")
            )
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-gatewayresponse.html
    for resource in stack.of_api(_RESOURCE, api_id, key="RestApiId"):
        with stack.blame(resource.logical_id):
            response_type = stack.text(resource, "ResponseType")
            found[response_type] = _setting(
                response_type,
                resource.properties,
                ("StatusCode", "ResponseParameters", "ResponseTemplates"),
                stack,
            )
    return tuple(found[name] for name in sorted(found))


def _setting(
    response_type: str,
    spec: object,
    keys: tuple[str, str, str],
    stack: Stack | None = None,
) -> GatewayResponseSetting:
    if not isinstance(spec, Mapping):
        raise ConfigError(f"gateway response {response_type} must be a mapping")

    def prop(name: str) -> object:
        return stack.resolver.resolve(spec.get(name)) if stack is not None else spec.get(name)

    status_key, parameters_key, templates_key = keys
    status = prop(status_key)
    parameters = _strings(prop(parameters_key), parameters_key)
    for target in parameters:
        if not target.startswith(_HEADER):
            raise ConfigError(f"gateway response parameter {target!r} is not {_HEADER}<name>")
    try:
        status_code = None if status in (None, "") else int(str(status))
    except ValueError:
        raise ConfigError(f"gateway response StatusCode {status!r} is not a number") from None
    return GatewayResponseSetting(
        response_type=response_type,
        status_code=status_code,
        response_parameters=parameters,
        response_templates=_strings(prop(templates_key), templates_key),
    )


def _strings(value: object, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise ConfigError(f"{name} must be a mapping")
    return {str(key): str(item) for key, item in value.items()}
