"""Reading the operations of an OpenAPI 2/3 body with API Gateway's extensions.

https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions.html
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import msgspec

from lamina.config.error import ConfigError

ANY_METHOD_KEY = "x-amazon-apigateway-any-method"
INTEGRATION_KEY = "x-amazon-apigateway-integration"
BINARY_MEDIA_TYPES_KEY = "x-amazon-apigateway-binary-media-types"
# The HTTP API default route is written as the path "$default" in OpenAPI.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
DEFAULT_ROUTE = "$default"

_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch"})

# API Gateway's authorization types for the x-amazon-apigateway-authtype values.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-authtype.html
_AUTH_TYPES = {
    "cognito_user_pools": "COGNITO_USER_POOLS",
    "awssigv4": "AWS_IAM",
    "custom": "CUSTOM",
}


class Operation(msgspec.Struct, frozen=True, kw_only=True):
    """One method of one path in an OpenAPI body."""

    path: str
    method: str
    """Upper case, or ANY for x-amazon-apigateway-any-method."""
    integration: dict[str, Any] | None = None
    authorization_type: str = "NONE"
    api_key_required: bool = False
    security: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """The operation's security requirements as (scheme name, scopes), in order."""


def operations(body: Mapping[str, Any]) -> Iterator[Operation]:
    """Every (path, method) the body declares, in document order."""
    paths = body.get("paths") or {}
    if not isinstance(paths, dict):
        raise ConfigError("the API body's paths must be a mapping")
    schemes = _security_schemes(body)
    for path, item in paths.items():
        if not isinstance(item, dict):
            continue
        for key, operation in item.items():
            method = _method_of(key)
            if method is None or not isinstance(operation, dict):
                continue
            integration = operation.get(INTEGRATION_KEY)
            security = _security_names(operation.get("security", body.get("security")))
            yield Operation(
                path=str(path),
                method=method,
                integration=integration if isinstance(integration, dict) else None,
                authorization_type=_authorization_type(security, schemes),
                api_key_required=any(schemes.get(name) == "API_KEY" for name in security),
                security=_security_entries(operation.get("security", body.get("security"))),
            )


def binary_media_types(values: object) -> list[str]:
    """Media types with CloudFormation's `~1` escape for "/" undone."""
    # https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-restapi.html#cfn-apigateway-restapi-binarymediatypes
    if not isinstance(values, list):
        return []
    return [str(value).replace("~1", "/") for value in values]


def _method_of(key: object) -> str | None:
    if key == ANY_METHOD_KEY:
        return "ANY"
    if isinstance(key, str) and key.lower() in _HTTP_METHODS:
        return key.upper()
    return None


def _security_schemes(body: Mapping[str, Any]) -> dict[str, str]:
    """Scheme name -> API Gateway authorization type (or API_KEY)."""
    swagger2 = body.get("securityDefinitions")
    components = body.get("components")
    openapi3 = components.get("securitySchemes") if isinstance(components, dict) else None
    schemes: dict[str, str] = {}
    for name, scheme in {**(swagger2 or {}), **(openapi3 or {})}.items():
        if not isinstance(scheme, dict):
            continue
        auth_type = str(scheme.get("x-amazon-apigateway-authtype", "")).lower()
        if auth_type in _AUTH_TYPES:
            schemes[name] = _AUTH_TYPES[auth_type]
        elif (
            scheme.get("type") == "apiKey"
            and not auth_type
            and "x-amazon-apigateway-authorizer" not in scheme
        ):
            schemes[name] = "API_KEY"
    return schemes


def _security_names(security: object) -> list[str]:
    if not isinstance(security, list):
        return []
    return [name for entry in security if isinstance(entry, dict) for name in entry]


def _security_entries(security: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(security, list):
        return ()
    return tuple(
        (str(name), tuple(str(scope) for scope in scopes) if isinstance(scopes, list) else ())
        for entry in security
        if isinstance(entry, dict)
        for name, scopes in entry.items()
    )


def _authorization_type(security: list[str], schemes: Mapping[str, str]) -> str:
    for name in security:
        found = schemes.get(name)
        if found and found != "API_KEY":
            return found
    return "NONE"
