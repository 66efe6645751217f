"""Locate the API and stage, and route to a resource method or an HTTP API route.

A stage that serves its own deployment, or a canary, swaps the address's API for that
deployment's here, before routing: every later stage (authorize, meter, event, integrate,
gateway responses, CORS, logs) reads `ctx.address.api` / `ctx.api` and `ctx.stage`, so
they all see the definition this request runs (deployment.StageServing).

The proxy event is built later (stages/event.py), once the request has been admitted.
"""

from __future__ import annotations

from urllib.parse import unquote

from lamina.gateway.address import ApiAddress, resolve_address
from lamina.gateway.context import RequestContext
from lamina.gateway.cors import is_preflight
from lamina.gateway.deployment import CompiledHttpApi, CompiledRestApi, StageServing
from lamina.gateway.error import ApiKind, GatewayError, ResponseType
from lamina.gateway.events.common import media_type
from lamina.gateway.events.v1 import V1Target
from lamina.gateway.events.v2 import V2Target, is_text_media_type
from lamina.gateway.model import LambdaIntegration, Stage
from lamina.gateway.private import admit_endpoint
from lamina.gateway.routing.http import DEFAULT_ROUTE_KEY


class RouteRequest:
    async def __call__(self, ctx: RequestContext) -> None:
        # The firewall, when the deployment has one, has already found the address.
        request = ctx.request
        address = ctx.address or resolve_address(
            ctx.deployment, ctx.host, request.path, request.header
        )
        if address is None:
            ctx.kind = ApiKind.HTTP
            raise GatewayError(ResponseType.RESOURCE_NOT_FOUND, "no API at this address")
        ctx.address = address
        if address.endpoint is not None or address.api.private:
            admit_endpoint(ctx, address)  # private APIs only through VPC endpoints
        serving = address.api.serving
        if serving is not None and address.stage is not None:
            _serve_stage(ctx, address, serving)
        if isinstance(address.api, CompiledRestApi):
            _route_rest(ctx, address, address.api)
        else:
            ctx.kind = ApiKind.HTTP
            _route_http(ctx, address, address.api)


def _serve_stage(
    ctx: RequestContext, address: ApiAddress, serving: dict[str, StageServing]
) -> None:
    """The stage's deployment, or its canary's for percentTraffic % of requests (at
    random), with the canary's stage variables; the stage keeps its name.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html
    """
    assert address.stage is not None
    served = serving.get(address.stage.name)
    if served is not None:
        address.api, address.stage = served.pick(ctx.deployment.canary_draw)
        if served.has_canary:
            ctx.canary = address.stage is served.canary_stage


def _route_rest(ctx: RequestContext, address: ApiAddress, api: CompiledRestApi) -> None:
    """REST APIs pass the path as sent (still percent-encoded); `path` has no stage,
    `requestContext.path` has it."""
    request = ctx.request
    stage = address.stage
    match = api.router.route(request.method, address.path) if stage else None
    if match is None or stage is None:
        raise GatewayError(ResponseType.MISSING_AUTHENTICATION_TOKEN)
    ctx.api = api
    ctx.stage = stage
    ctx.method = match.method
    ctx.integration = match.method.integration
    ctx.target = V1Target(
        account_id=ctx.deployment.account_id,
        api_id=api.api.id,
        stage=stage.name,
        stage_path_prefix=address.stage_prefix,
        stage_variables=stage.variables,
        resource_id=match.resource.id,
        resource_path=match.resource.path,
        path_params=match.path_params,
        binary=api.is_binary(media_type(request.header("content-type"))),
    )
    request.path = address.path
    ctx.source_arn = _source_arn(ctx, api.api.id, stage.name, address.path)
    # Only the first media type of Accept counts.
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings.html
    accept = (request.header("accept") or "").split(",", 1)[0]
    ctx.decode_base64 = api.is_binary(media_type(accept))


def _route_http(ctx: RequestContext, address: ApiAddress, api: CompiledHttpApi) -> None:
    """HTTP APIs decode the path before routing; rawPath (and 1.0's path) include a named
    stage. (Captured behaviour; see docs/fidelity/gateway.md, "Payload 2.0".)"""
    request = ctx.request
    stage = address.stage
    path = unquote(address.path)
    match = api.router.route(request.method, path) if stage else None
    if match is None and stage is not None and api.api.cors is not None and is_preflight(request):
        # The gateway answers CORS preflights even where no route matches (cors.py).
        ctx.api, ctx.stage = api, stage
        return
    if match is None or stage is None:
        raise GatewayError(ResponseType.RESOURCE_NOT_FOUND)
    integration = match.route.integration
    ctx.api = api
    ctx.stage = stage
    ctx.route = match.route
    ctx.integration = integration
    request.path = address.stage_prefix + path
    ctx.source_arn = _source_arn(ctx, api.api.id, stage.name, path)
    route_key = match.route.route_key
    if isinstance(integration, LambdaIntegration) and integration.payload_format == "1.0":
        ctx.target = _http_v1_target(ctx, api, stage, route_key, match.path_params)
        return
    ctx.target = V2Target(
        account_id=ctx.deployment.account_id,
        api_id=api.api.id,
        stage=stage.name,
        stage_variables=stage.variables,
        route_key=route_key,
        path_params=match.path_params,
    )


def _http_v1_target(
    ctx: RequestContext,
    api: CompiledHttpApi,
    stage: Stage,
    route_key: str,
    path_params: dict[str, str],
) -> V1Target:
    request = ctx.request
    return V1Target(
        account_id=ctx.deployment.account_id,
        api_id=api.api.id,
        stage=stage.name,
        stage_path_prefix="",  # request.path already carries the stage
        stage_variables=stage.variables,
        resource_id=route_key,
        resource_path=route_key.partition(" ")[2] if route_key != DEFAULT_ROUTE_KEY else route_key,
        path_params=path_params,
        binary=not is_text_media_type(media_type(request.header("content-type"))),
    )


def _source_arn(ctx: RequestContext, api_id: str, stage: str, path: str) -> str:
    """`arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`, what the
    function's resource policy (e.g. SAM's `.../*/GET/hello/*`) is matched against.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/arn-format-reference.html
    """
    deployment = ctx.deployment
    return (
        f"arn:aws:execute-api:{deployment.region}:{deployment.account_id}:"
        f"{api_id}/{stage}/{ctx.request.method}/{path[1:]}"
    )
