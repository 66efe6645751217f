"""Locate the API and stage, then route to a resource method or an HTTP API route."""

from __future__ import annotations

import orjson

from lamina.gateway.address import resolve_address
from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import CompiledHttpApi, CompiledRestApi
from lamina.gateway.error import ApiKind, GatewayError, ResponseType
from lamina.gateway.events.common import media_type
from lamina.gateway.events.v1 import V1Target, build_v1_event
from lamina.gateway.events.v2 import V2Target, build_v2_event, is_text_media_type
from lamina.gateway.model import LambdaIntegration
from lamina.gateway.routing.http import DEFAULT_ROUTE_KEY


class RouteRequest:
    """Resolve address and route, and build the proxy event the integration will send."""

    async def __call__(self, ctx: RequestContext) -> None:
        address = resolve_address(ctx.deployment, ctx.host, ctx.request.path)
        if address is None:
            ctx.kind = ApiKind.HTTP
            raise GatewayError(ResponseType.RESOURCE_NOT_FOUND, "no API at this address")
        ctx.address = address
        if isinstance(address.api, CompiledRestApi):
            self._route_rest(ctx, address.api)
        else:
            ctx.kind = ApiKind.HTTP
            self._route_http(ctx, address.api)

    @staticmethod
    def _route_rest(ctx: RequestContext, api: CompiledRestApi) -> None:
        address = ctx.address
        assert address is not None
        request = ctx.request
        match = api.router.route(request.method, address.path) if address.stage else None
        if match is None:
            raise GatewayError(ResponseType.MISSING_AUTHENTICATION_TOKEN)
        assert address.stage is not None
        ctx.integration = match.method.integration
        content_type = media_type(request.header("content-type"))
        target = V1Target(
            account_id=ctx.deployment.account_id,
            api_id=api.api.id,
            stage=address.stage.name,
            stage_path_prefix=address.stage_prefix,
            stage_variables=address.stage.variables,
            resource_id=match.resource.id,
            resource_path=match.resource.path,
            path_params=match.path_params,
            binary=api.is_binary(content_type),
        )
        request.path = address.path
        ctx.event = orjson.dumps(build_v1_event(request, target, http_api=False))
        # Only the first media type of Accept counts.
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html
        accept = (request.header("accept") or "").split(",", 1)[0]
        ctx.decode_base64 = api.is_binary(media_type(accept))

    @staticmethod
    def _route_http(ctx: RequestContext, api: CompiledHttpApi) -> None:
        address = ctx.address
        assert address is not None
        request = ctx.request
        match = api.router.route(request.method, address.path) if address.stage else None
        if match is None:
            raise GatewayError(ResponseType.RESOURCE_NOT_FOUND)
        assert address.stage is not None
        integration = match.route.integration
        ctx.integration = integration
        raw_path = address.stage_prefix + address.path
        route_key = match.route.route_key
        if isinstance(integration, LambdaIntegration) and integration.payload_format == "1.0":
            resource_path = route_key.partition(" ")[2] if route_key != DEFAULT_ROUTE_KEY else ""
            target1 = V1Target(
                account_id=ctx.deployment.account_id,
                api_id=api.api.id,
                stage=address.stage.name,
                stage_path_prefix=address.stage_prefix,
                stage_variables=address.stage.variables,
                resource_id=route_key,
                resource_path=resource_path or route_key,
                path_params=match.path_params,
                binary=not is_text_media_type(media_type(request.header("content-type"))),
            )
            request.path = raw_path
            ctx.event = orjson.dumps(build_v1_event(request, target1, http_api=True))
            return
        target = V2Target(
            account_id=ctx.deployment.account_id,
            api_id=api.api.id,
            stage=address.stage.name,
            stage_variables=address.stage.variables,
            route_key=route_key,
            path_params=match.path_params,
        )
        ctx.event = orjson.dumps(build_v2_event(request, target, raw_path))
