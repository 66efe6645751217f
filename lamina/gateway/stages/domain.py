"""Requests that came through a custom domain name carry it in the event.

API Gateway reports `requestContext.domainName` = the custom domain, and keeps the base
path in the event's `path` (REST; `requestContext.path` too) and `rawPath` (HTTP APIs),
while routing uses the path after it. Captured REST events: base path "service", URL
/service/prod/test → "path": "/service/prod/test" (aws/serverless-java-container#112);
frameworks strip it themselves (Mangum's api_gateway_base_path, serverless-http basePath).
https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-mappings.html
"""

from __future__ import annotations

from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.domain import host_name


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
