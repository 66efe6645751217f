"""The per-request state the pipeline stages read and fill in, every field declared."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lamina.gateway.address import ApiAddress
from lamina.gateway.deployment import CompiledHttpApi, CompiledRestApi, Deployment
from lamina.gateway.error import ApiKind, GatewayError, GatewayResponse
from lamina.gateway.events.v1 import V1Target
from lamina.gateway.events.v2 import V2Target
from lamina.gateway.model import Integration, Method, Route, Stage
from lamina.gateway.request import GatewayRequest

if TYPE_CHECKING:
    from lamina.gateway.cache.policy import CachePlan


class RequestContext:
    __slots__ = (
        "address",
        "answered",
        "api",
        "api_key",
        "authorizer",
        "cache",
        "canary",
        "client_cert",
        "decode_base64",
        "deployment",
        "error",
        "event",
        "host",
        "identity",
        "integration",
        "integration_latency_ms",
        "kind",
        "method",
        "raw_path",
        "request",
        "response",
        "route",
        "source_arn",
        "stage",
        "target",
    )

    def __init__(self, request: GatewayRequest, deployment: Deployment, host: str) -> None:
        self.request = request
        self.deployment = deployment
        self.host = host
        self.raw_path = request.path
        """The path as the client sent it (stage and path-style prefix included, still
        percent-encoded): what a SigV4 signature covers (stages rewrite request.path)."""
        self.kind = ApiKind.REST
        self.address: ApiAddress | None = None
        self.api: CompiledRestApi | CompiledHttpApi | None = None
        self.stage: Stage | None = None
        self.method: Method | None = None
        """REST: the resource method routed to."""
        self.route: Route | None = None
        """HTTP APIs: the route selected."""
        self.target: V1Target | V2Target | None = None
        """What routing decided, for the event built once the request is admitted."""
        self.integration: Integration | None = None
        self.source_arn = ""
        """The method ARN, `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`:
        what authorizer policies, resource policies and the function's policy are matched
        against."""
        self.authorizer: dict[str, Any] | None = None
        """`requestContext.authorizer` as the authorizer stage formatted it for this API kind
        and payload format; None leaves the event's default."""
        self.identity: dict[str, Any] = {}
        """Fields set over payload 1.0's `requestContext.identity` (accessKey, user, apiKey...)."""
        self.client_cert: dict[str, Any] | None = None
        """The mTLS client certificate as AWS reports it (REST identity.clientCert, HTTP API
        authentication.clientCert)."""
        self.api_key: str | None = None
        """The API key the request is metered under (x-api-key or an authorizer's
        usageIdentifierKey)."""
        self.event: bytes = b""
        """The serialized integration request (the Lambda event)."""
        self.response: GatewayResponse | None = None
        self.answered = False
        """A stage answered the request itself (a CORS preflight): later stages are skipped."""
        self.decode_base64 = True
        """Whether a base64 proxy response body is decoded (REST: Accept must match)."""
        self.integration_latency_ms = -1.0
        """Milliseconds the integration took (IntegrationLatency); -1: it was not called."""
        self.canary: bool | None = None
        """Whether the request runs its stage's canary; None when the stage has none
        ($context.isCanaryRequest)."""
        self.cache: CachePlan | None = None
        """How the request uses the stage cache (hit or miss); None: it is not cached."""
        self.error: GatewayError | None = None
        """The gateway error the request was answered with ($context.error.* in access logs)."""
