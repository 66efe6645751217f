"""The per-request state the pipeline stages read and fill in, every field declared."""

from __future__ import annotations

from lamina.gateway.address import ApiAddress
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import ApiKind, GatewayResponse
from lamina.gateway.model import Integration
from lamina.gateway.request import GatewayRequest


class RequestContext:
    __slots__ = (
        "address",
        "decode_base64",
        "deployment",
        "event",
        "host",
        "integration",
        "kind",
        "request",
        "response",
        "source_arn",
    )

    def __init__(self, request: GatewayRequest, deployment: Deployment, host: str) -> None:
        self.request = request
        self.deployment = deployment
        self.host = host
        self.kind = ApiKind.REST
        self.address: ApiAddress | None = None
        self.integration: Integration | None = None
        self.event: bytes = b""
        """The serialized integration request (the Lambda event)."""
        self.response: GatewayResponse | None = None
        self.source_arn = ""
        """execute-api ARN of the method being called: the source Lambda's policy checks."""
        self.decode_base64 = True
        """Whether a base64 proxy response body is decoded (REST: Accept must match)."""
