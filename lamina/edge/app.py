"""Edge dispatch (DESIGN.md, "Process model"): reserved `/_lamina/...` paths first, then
the AWS API endpoint (SigV4-signed for a service we serve, X-Amz-Target, query Action),
everything else to the gateway.
"""

from __future__ import annotations

import ipaddress
import re
import time
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

import orjson
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest

from lamina.aws import browser_cors
from lamina.aws.dispatch import AwsApi
from lamina.aws.trace import AwsCallTracing
from lamina.core.ids import new_extended_request_id, new_request_id
from lamina.core.trace import header_or_new
from lamina.edge.cdn.site import SiteEdge
from lamina.edge.console.site import Console
from lamina.gateway.app import Gateway
from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.request import GatewayRequest
from lamina.http.message import HttpRequest, HttpResponse

RESERVED_PREFIX = "/_lamina/"
_JSON = [(b"content-type", b"application/json")]
OperatorRoute = Callable[[HttpRequest], Awaitable[HttpResponse]]
# A user pool's public documents: /{region}_{9 alphanumerics}/.well-known/{document}.
# https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
_WELL_KNOWN = re.compile(
    r"/(?P<pool>[a-z]{2}(?:-[a-z]+)+-\d_[A-Za-z0-9]{9})/\.well-known/"
    r"(?P<document>jwks\.json|openid-configuration)"
)


def _names_a_pool(path: str) -> bool:
    """Whether the first path segment could be a user pool id (`us-east-1_AbC123xyz`)."""
    end = path.find("/", 1)
    return "_" in (path[1:end] if end > 0 else path[1:])


def _is_loopback(client: str) -> bool:
    try:
        return ipaddress.ip_address(client).is_loopback
    except ValueError:
        return False


class IdentityDocuments(Protocol):
    """The user pools' key sets and discovery documents (services.cognito_idp)."""

    def jwks(self, pool_id: str) -> dict[str, Any] | None: ...

    def discovery(self, pool_id: str) -> dict[str, Any] | None: ...

    def outbox_messages(self) -> list[dict[str, str]]:
        """Codes the pools would have e-mailed or texted, newest last."""
        ...

    async def hosted(self, request: HttpRequest) -> HttpResponse | None:
        """A user pool domain's sign-in pages and OAuth 2.0 endpoints (`/{poolId}/oauth2/...`,
        `/{poolId}/login`, or any path on `{domain}.auth.localhost`); None otherwise."""
        ...


class Edge:
    def __init__(
        self,
        gateway: Gateway,
        *,
        public_host: str,
        aws: AwsApi | None = None,
        identity: IdentityDocuments | None = None,
    ) -> None:
        self._gateway = gateway
        self._aws = aws
        self._identity = identity
        self._operator: dict[str, OperatorRoute] = {}
        """`/_lamina/...` paths the CLI talks to (`lamina deploy`), each checking its caller."""
        self._public_host = public_host
        """Host[:port] used as the domain name when a client sends no Host header."""
        self.sites: SiteEdge | None = None
        """CloudFront-compatible distributions, answered on their hosts (edge/cdn)."""
        self.aws_tracing: AwsCallTracing | None = None
        """X-Ray subsegments for AWS calls made in a sampled trace (set by `lamina up`)."""
        self.console: Console | None = None
        """The web console's pages under /_lamina/console (edge/console)."""
        self.metrics_loopback_only = False
        """Answer /_lamina/metrics to loopback clients only (`--metrics-loopback-only`)."""

    def serve_operator(self, path: str, route: OperatorRoute) -> None:
        """Answer `path` (under /_lamina/) with `route` from now on."""
        assert path.startswith(RESERVED_PREFIX)
        self._operator[path] = route

    def streams_body(self, head: HttpRequest) -> bool:
        """The HTTP server asks with each request's head: stream its body (S3 uploads, of
        any size) or buffer it (everything else, the gateway's 10 MB limit applying)."""
        if self._aws is None or head.path.startswith(RESERVED_PREFIX):
            return False
        return self._aws.streams_body(head)

    async def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(RESERVED_PREFIX):
            route = self._operator.get(request.path)
            if route is not None:
                return await route(request)
            if self.console is not None and self.console.serves(request.path):
                return await self.console(request)
            return self._reserved(request)
        host = request.header("host") or self._public_host
        if self.sites is not None:  # `{id}.cloudfront.localhost` and the aliases
            distribution = self.sites.distribution_for(host)
            if distribution is not None:
                return await self.sites.serve(request, distribution)
        # User pools answer at /{poolId}/... and on {domain}.auth.localhost; a cheap test
        # first, since every gateway request passes here.
        if self._identity is not None and (_names_a_pool(request.path) or ".auth." in host):
            if "/.well-known/" in request.path:
                found = self._well_known(request.path, self._identity)
                if found is not None:
                    return found
            hosted = await self._identity.hosted(request)
            if hosted is not None:
                return hosted
        if self._aws is not None:
            preflight = browser_cors.preflight(request)  # a page's Cognito call, first asked
            if preflight is not None:
                return preflight
            claim = self._aws.claim(request)
            if claim is not None:
                # X-Ray (aws/trace.py): a call inside a sampled trace gets its subsegment.
                trace = self.aws_tracing.begin(request, claim) if self.aws_tracing else None
                answer = await self._aws.handle(request, claim)
                if trace is not None:
                    trace.end(answer)
                return browser_cors.allowed(request, answer)
        now_ms = time.time_ns() // 1_000_000
        gateway_request = GatewayRequest(
            method=request.method,
            path=request.path,
            query_string=request.query_string,
            headers=request.headers,
            body=request.body,
            source_ip=request.client,
            protocol=f"HTTP/{request.http_version}",
            domain_name=host,
            request_id=new_request_id(),
            extended_request_id=new_extended_request_id(),
            time_epoch_ms=now_ms,
            # The client's X-Ray header when it has a valid Root, else a new trace.
            trace_id=header_or_new(request.header("x-amzn-trace-id"), now_ms // 1000),
            server_port=request.server_port,
            tls=request.tls,
        )
        if request.body_too_large:
            response = self._gateway.reject(
                gateway_request, host, GatewayError(ResponseType.REQUEST_TOO_LARGE)
            )
        else:
            response = await self._gateway.handle(gateway_request, host)
        return HttpResponse(response.status, response.headers, response.body)

    def _well_known(self, path: str, identity: IdentityDocuments) -> HttpResponse | None:
        """A pool's JWKS or discovery document; None lets an unknown pool's path through
        to the gateway (an API may serve such a path)."""
        match = _WELL_KNOWN.fullmatch(path)
        if match is None:
            return None
        pool = match.group("pool")
        if match.group("document") == "jwks.json":
            document = identity.jwks(pool)
        else:
            document = identity.discovery(pool)
        if document is None:
            return None
        return HttpResponse(200, list(_JSON), orjson.dumps(document))

    def _reserved(self, request: HttpRequest) -> HttpResponse:
        if request.path == "/_lamina/health":
            return HttpResponse(200, list(_JSON), orjson.dumps({"status": "ok"}))
        if request.path == "/_lamina/metrics":  # gateway/observe.py, functions/metrics.py
            if self.metrics_loopback_only and not _is_loopback(request.client):
                return HttpResponse(403, list(_JSON), b'{"message":"Forbidden"}')
            content_type = [(b"content-type", CONTENT_TYPE_LATEST.encode())]
            return HttpResponse(200, content_type, generate_latest(REGISTRY))
        if request.path == "/_lamina/cognito/outbox" and self._identity is not None:
            messages = self._identity.outbox_messages()
            return HttpResponse(200, list(_JSON), orjson.dumps({"messages": messages}))
        return HttpResponse(404, list(_JSON), b'{"message":"Not Found"}')
