"""An HTTP API's CORS configuration: the AWS::ApiGatewayV2::Api `CorsConfiguration` property
or the body's `x-amazon-apigateway-cors` (where SAM's HttpApi `CorsConfiguration` goes).

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-cors-configuration.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigatewayv2-api-cors.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.config.error import ConfigError
from lamina.gateway.model import CorsConfiguration

BODY_KEY = "x-amazon-apigateway-cors"

# The same six fields, as CloudFormation and the OpenAPI extension spell them.
_CFN = ("AllowOrigins", "AllowMethods", "AllowHeaders", "ExposeHeaders", "MaxAge")
_OPENAPI = ("allowOrigins", "allowMethods", "allowHeaders", "exposeHeaders", "maxAge")


def build_cors(property_value: object, body: Mapping[str, Any] | None) -> CorsConfiguration | None:
    """The property wins over the body's extension; None when neither configures CORS."""
    if property_value is not None:
        return _cors(property_value, _CFN, "AllowCredentials")
    if body is not None and body.get(BODY_KEY) is not None:
        return _cors(body[BODY_KEY], _OPENAPI, "allowCredentials")
    return None


def _cors(spec: object, keys: tuple[str, ...], credentials_key: str) -> CorsConfiguration:
    if not isinstance(spec, Mapping):
        raise ConfigError("a CORS configuration must be a mapping")
    origins_key, methods_key, headers_key, expose_key, max_age_key = keys
    cors = CorsConfiguration(
        allow_origins=_list(spec.get(origins_key), origins_key),
        allow_methods=tuple(m.upper() for m in _list(spec.get(methods_key), methods_key)),
        allow_headers=_list(spec.get(headers_key), headers_key),
        expose_headers=_list(spec.get(expose_key), expose_key),
        max_age=_max_age(spec.get(max_age_key)),
        allow_credentials=spec.get(credentials_key) in (True, "true", "True"),
    )
    # Browsers never send credentials to `Access-Control-Allow-Origin: *` (Fetch standard,
    # https://fetch.spec.whatwg.org/#cors-protocol-and-credentials) and API Gateway rejects
    # this configuration when it is created (its exact message is not captured here).
    if cors.allow_credentials and "*" in cors.allow_origins:
        raise ConfigError(
            "CORS AllowCredentials cannot be true when AllowOrigins contains '*' "
            "(name the allowed origins instead)"
        )
    return cors


def origin_warnings(cors: CorsConfiguration | None, api: str) -> list[str]:
    """allowOrigins takes exact origins, `*`, and the prefixes `https://*` and `http://*`
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html): an
    entry like `https://*.example.com` is compared as an exact origin, so it admits no
    browser. Said at load, since the user surely meant a subdomain wildcard."""
    if cors is None:
        return []
    return [
        f"{api}: CORS AllowOrigins entry {origin!r} matches only an Origin spelled exactly "
        "so; HTTP APIs take exact origins, '*', 'https://*' or 'http://*' (no subdomain "
        "wildcards: list each origin)"
        for origin in cors.allow_origins
        if "*" in origin and origin not in ("*", "https://*", "http://*")
    ]


def _list(value: object, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise ConfigError(f"CORS {name} must be a list of strings")
    return tuple(item.strip() for item in value)


def _max_age(value: object) -> int | None:
    """-1 to 86400 seconds: botocore's apigatewayv2 model, shape
    IntegerWithLengthBetweenMinus1And86400 (Cors.MaxAge)."""
    if value is None:
        return None
    try:
        seconds = int(str(value))
    except ValueError:
        raise ConfigError(f"CORS MaxAge {value!r} is not a number of seconds") from None
    if not -1 <= seconds <= 86400:
        raise ConfigError(f"CORS MaxAge {seconds} is outside -1..86400")
    return seconds
