"""CORS for HTTP APIs, done by the gateway from the API's CorsConfiguration.

https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-cors.html:
- "If you configure CORS for an API, API Gateway automatically sends a response to preflight
  OPTIONS requests, even if there isn't an OPTIONS route configured for your API."
  A preflight is an OPTIONS request with an `Origin` and an `Access-Control-Request-Method`
  header. The page's "$default route and an authorizer" section says a catch-all route
  (`$default`, and likewise an ANY route) with an authorizer catches OPTIONS requests too,
  and that an explicit `OPTIONS /{proxy+}` route (with an integration) answers them
  instead; so the gateway answers a preflight itself unless the route it matched names
  OPTIONS explicitly or requires authorization.
- "For a CORS request, API Gateway adds the configured CORS headers to the response from
  an integration", and "ignores CORS headers returned from your backend integration".
- allowOrigins takes exact origins, `*`, and the prefixes `https://*` and `http://*`.

REST APIs never come here: their CORS headers come only from what the user configured
(SAM `Cors` makes MOCK OPTIONS methods, integration responses, gateway responses).
"""

from __future__ import annotations

import functools

from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import CompiledHttpApi, Deployment
from lamina.gateway.error import GatewayResponse
from lamina.gateway.model import CorsConfiguration
from lamina.gateway.request import GatewayRequest

_CORS_PREFIX = b"access-control-"
_Headers = list[tuple[bytes, bytes]]
_WILDCARD_SCHEMES = ("https://*", "http://*")


def cors_of(ctx: RequestContext) -> CorsConfiguration | None:
    """The CORS configuration of the HTTP API the request is addressed to, if any (known
    from its address even when no route matched, so a 404 gets the headers too)."""
    api = ctx.address.api if ctx.address is not None else ctx.api
    return api.api.cors if isinstance(api, CompiledHttpApi) else None


def is_preflight(request: GatewayRequest) -> bool:
    return (
        request.method == "OPTIONS"
        and request.header("origin") is not None
        and request.header("access-control-request-method") is not None
    )


def allowed_origin(cors: CorsConfiguration, origin: str) -> str | None:
    """The Access-Control-Allow-Origin value for `origin`: `*` when every origin is
    allowed, the origin itself when it matches an entry, None when it is not allowed."""
    lowered = origin.lower()
    for allowed in cors.allow_origins:
        if allowed == "*":
            return "*"
        if allowed in _WILDCARD_SCHEMES:
            if lowered.startswith(allowed[:-1]):
                return origin
        elif allowed.lower() == lowered:
            return origin
    return None


class AnswerPreflight:
    """Answer a CORS preflight without running the authorizer or the integration."""

    def needed(self, deployment: Deployment) -> bool:
        return any(api.cors is not None for api in deployment.http_definitions)

    async def __call__(self, ctx: RequestContext) -> None:
        cors = cors_of(ctx)
        if cors is None or not is_preflight(ctx.request):
            return
        route = ctx.route
        if route is not None and (
            route.route_key.startswith("OPTIONS ") or route.authorization_type != "NONE"
        ):
            return  # the route takes the OPTIONS request (see the module docstring)
        ctx.response = preflight_response(cors, ctx.request)
        ctx.answered = True


def preflight_response(cors: CorsConfiguration, request: GatewayRequest) -> GatewayResponse:
    """204 with the configured headers; for an origin that is not allowed, 204 without any
    CORS header, so the browser refuses the actual request."""
    response = GatewayResponse(204, [], b"")
    origin = allowed_origin(cors, request.header("origin") or "")
    if origin is not None:
        _add_headers(response, cors, origin, preflight=True)
    _vary_on_origin(response, cors)
    return response


def _vary_on_origin(response: GatewayResponse, cors: CorsConfiguration) -> None:
    """`Vary: Origin` when the answer depends on the request's Origin (the allow-list is
    more than `*`), so that a cache (CloudFront, the browser's) never hands one origin's
    answer to another. AWS's page is silent; the Fetch standard asks for it:
    https://fetch.spec.whatwg.org/#cors-protocol-and-http-caches"""
    if "*" in cors.allow_origins:
        return
    for index, (name, value) in enumerate(response.headers):
        if name.lower() == b"vary":
            listed = {part.strip().lower() for part in value.split(b",")}
            if b"origin" not in listed and b"*" not in listed:
                response.headers[index] = (name, value + b", Origin")
            return
    response.headers.append((b"vary", b"Origin"))


@functools.lru_cache(maxsize=256)
def _configured(cors: CorsConfiguration) -> tuple[_Headers, _Headers]:
    """The configuration's own headers, encoded once: (actual response, preflight extras)."""
    actual: _Headers = []
    if cors.allow_credentials:
        actual.append((b"access-control-allow-credentials", b"true"))
    if cors.expose_headers:
        actual.append((b"access-control-expose-headers", ",".join(cors.expose_headers).encode()))
    preflight: _Headers = []
    if cors.allow_methods:
        preflight.append((b"access-control-allow-methods", ",".join(cors.allow_methods).encode()))
    if cors.allow_headers:
        preflight.append((b"access-control-allow-headers", ",".join(cors.allow_headers).encode()))
    if cors.max_age is not None:
        preflight.append((b"access-control-max-age", str(cors.max_age).encode()))
    return actual, preflight


def _add_headers(
    response: GatewayResponse, cors: CorsConfiguration, origin: str, *, preflight: bool
) -> None:
    actual, preflight_only = _configured(cors)
    response.headers.append((b"access-control-allow-origin", origin.encode()))
    response.headers += actual
    if preflight:
        response.headers += preflight_only


def add_cors_headers(ctx: RequestContext, response: GatewayResponse) -> None:
    """On an HTTP API with CORS configured: drop the integration's own CORS headers, and,
    when the request's Origin is allowed, add Allow-Origin, Allow-Credentials and
    Expose-Headers (and, for a preflight a route took, the preflight headers too, so an
    `OPTIONS /{proxy+}` route behind the configuration works in a browser). A preflight the
    gateway answered already has its headers."""
    cors = cors_of(ctx)
    if cors is None or ctx.answered:
        return
    response.headers = [(n, v) for n, v in response.headers if not n.startswith(_CORS_PREFIX)]
    origin = ctx.request.header("origin")
    allowed = allowed_origin(cors, origin) if origin is not None else None
    if allowed is not None:
        _add_headers(response, cors, allowed, preflight=is_preflight(ctx.request))
    _vary_on_origin(response, cors)
