"""The request as the gateway sees it, independent of the HTTP server that received it."""

from __future__ import annotations


class GatewayRequest:
    """One client request. `path` is the raw (still percent-encoded) path after the stage."""

    __slots__ = (
        "body",
        "domain_name",
        "headers",
        "method",
        "path",
        "protocol",
        "query_string",
        "request_id",
        "source_ip",
        "time_epoch_ms",
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
        time_epoch_ms: int,
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
        self.time_epoch_ms = time_epoch_ms

    def header(self, name: str) -> str | None:
        """The last value of a header, compared case-insensitively."""
        lowered = name.lower()
        found = None
        for key, value in self.headers:
            if key.lower() == lowered:
                found = value
        return found
