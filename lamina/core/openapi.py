"""Where API Gateway's OpenAPI extensions sit in a definition, read one way by the
template loader (lamina.config) and the management API's import (lamina.services)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ENDPOINT_CONFIGURATION = "x-amazon-apigateway-endpoint-configuration"


def endpoint_extension(document: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """`x-amazon-apigateway-endpoint-configuration`: at the top level (Swagger 2.0), else on
    the first Server object that carries it (OpenAPI 3.0); None when neither does or it is
    no object.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-endpoint-configuration.html
    """
    found = document.get(ENDPOINT_CONFIGURATION)
    if found is None:
        servers = document.get("servers")
        for server in servers if isinstance(servers, list) else ():
            if isinstance(server, Mapping) and server.get(ENDPOINT_CONFIGURATION) is not None:
                found = server[ENDPOINT_CONFIGURATION]
                break
    return found if isinstance(found, Mapping) else None
