"""The request as the gateway sees it, independent of the HTTP server that received it."""

from __future__ import annotations

from lamina.http.message import TlsSession, last_header


class GatewayRequest:
    """One client request. `path` is the raw (still percent-encoded) path after the stage."""

    __slots__ = (
        "body",
        "domain_name",
        "extended_request_id",
        "headers",
        "method",
        "path",
        "protocol",
        "query_string",
        "request_id",
        "server_port",
        "source_ip",
        "time_epoch_ms",
        "tls",
        "trace_id",
    )

    def __init__(
        self,
        *,
        method: str,
        path: str,
        query_string: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        protocol: str,
        domain_name: str,
        request_id: str,
        extended_request_id: str,
        time_epoch_ms: int,
        trace_id: str = "",
        server_port: int = 80,
        tls: TlsSession | None = None,
    ) -> None:
        self.method = method
        self.path = path
        self.query_string = query_string
        self.headers = headers
        """Header (name, value) pairs in arrival order, names as the client sent them."""
        self.body = body
        self.source_ip = source_ip
        self.protocol = protocol
        self.domain_name = domain_name
        self.request_id = request_id
        """REST APIs: a UUID (x-amzn-RequestId)."""
        self.extended_request_id = extended_request_id
        """Short base64 id: REST's extendedRequestId / x-amz-apigw-id, HTTP APIs' requestId."""
        self.time_epoch_ms = time_epoch_ms
        self.trace_id = trace_id
        """X-Amzn-Trace-Id value, `Root=1-<8 hex>-<24 hex>`."""
        self.server_port = server_port
        self.tls = tls
        """The HTTPS connection's TLS session (custom domain by SNI, mTLS client
        certificate); None over plain HTTP."""

    def header(self, name: str) -> str | None:
        return last_header(self.headers, name)
