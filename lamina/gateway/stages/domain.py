"""Requests that came through a custom domain name carry it in the event.

API Gateway reports `requestContext.domainName` = the custom domain, and keeps the base
path in the event's `path` (REST; `requestContext.path` too) and `rawPath` (HTTP APIs),
while routing uses the path after it. Captured REST events: base path "service", URL
/service/prod/test → "path": "/service/prod/test" (aws/serverless-java-container#112);
frameworks strip it themselves (Mangum's api_gateway_base_path, serverless-http basePath).
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html

An API with DisableExecuteApiEndpoint is reached through its custom domain names only;
any other address (root, host-style, path-style, VPC endpoint) answers 403 Forbidden.
"""

from __future__ import annotations

from lamina.gateway.address import resolve_address
from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import CompiledHttpApi, Deployment
from lamina.gateway.domain import host_name
from lamina.gateway.error import ApiKind, GatewayError, ResponseType


class MapCustomDomain:
    def needed(self, deployment: Deployment) -> bool:
        return bool(deployment.domains)

    async def __call__(self, ctx: RequestContext) -> None:
        address = ctx.address
        if address is None or address.domain is None:
            return
        request = ctx.request
        request.domain_name = host_name(ctx.host)  # a wildcard domain reports the host
        if ctx.target is not None:  # routed (a preflight answered early has no target)
            request.path = address.base_prefix + request.path


class RefuseDefaultEndpoint:
    """Before the firewall and routing: "Clients can still connect to your default
    endpoint, but they will receive a 403 Forbidden status code" — whatever the path, so
    a disabled endpoint tells nothing about the API's resources.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-disable-default-endpoint.html
    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-disable-default-endpoint.html
    """

    def needed(self, deployment: Deployment) -> bool:
        rest = (api.api.disable_execute_api_endpoint for api in deployment.rest.values())
        http = (api.api.disable_execute_api_endpoint for api in deployment.http.values())
        return any(rest) or any(http)

    async def __call__(self, ctx: RequestContext) -> None:
        request = ctx.request
        address = resolve_address(ctx.deployment, ctx.host, request.path, request.header)
        api = address.api if address is not None and address.domain is None else None
        if api is not None and api.api.disable_execute_api_endpoint:
            if isinstance(api, CompiledHttpApi):
                ctx.kind = ApiKind.HTTP
            raise GatewayError(
                ResponseType.DEFAULT_ENDPOINT_DISABLED,
                f"API {api.api.id} has its default endpoint disabled "
                "(DisableExecuteApiEndpoint): only its custom domain names reach it",
            )
        ctx.address = address  # the firewall and routing use it
