"""Pieces shared by both payload formats: query parsing, body encoding, media types."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import unquote

from lamina.gateway.request import GatewayRequest


def parse_query(query_string: str) -> list[tuple[str, str]]:
    """Name/value pairs in order, percent-decoded; `a` alone gives ("a", "")."""
    pairs: list[tuple[str, str]] = []
    if not query_string:
        return pairs
    for part in query_string.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((unquote(name), unquote(value)))
    return pairs


def with_forwarded_headers(request: GatewayRequest) -> list[tuple[str, str]]:
    """The client's headers plus those API Gateway adds before calling the integration:
    X-Amzn-Trace-Id, X-Forwarded-For (the client's chain, then the source IP),
    X-Forwarded-Port and X-Forwarded-Proto.
    https://docs.aws.amazon.com/lambda/latest/dg/services-apigateway.html (sample event)
    """
    headers: list[tuple[str, str]] = []
    chain = ""
    for name, value in request.headers:
        lowered = name.lower()
        if lowered == "x-forwarded-for":
            chain = value
        elif lowered not in _ADDED:
            headers.append((name, value))
    forwarded_for = f"{chain}, {request.source_ip}" if chain else request.source_ip
    if request.trace_id:
        headers.append(("X-Amzn-Trace-Id", request.trace_id))
    headers.append(("X-Forwarded-For", forwarded_for))
    headers.append(("X-Forwarded-Port", str(request.server_port)))
    headers.append(("X-Forwarded-Proto", "https" if request.tls is not None else "http"))
    return headers


_ADDED = frozenset({"x-amzn-trace-id", "x-forwarded-port", "x-forwarded-proto"})


def media_type(content_type: str | None) -> str:
    if not content_type:
        return ""
    return content_type.split(";", 1)[0].strip().lower()


def media_type_patterns(types: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    """binaryMediaTypes as lowercased (type, subtype) pairs, split once per deployment."""
    return tuple((kind, sub) for kind, _, sub in (t.lower().partition("/") for t in types))


def matches_media_type(content_type: str, patterns: tuple[tuple[str, str], ...]) -> bool:
    """binaryMediaTypes entries may use wildcards: `*/*`, `image/*`."""
    if not content_type:
        return False
    kind, _, sub = content_type.partition("/")
    return any(p_kind in ("*", kind) and p_sub in ("*", sub) for p_kind, p_sub in patterns)


def encode_body(body: bytes, binary: bool, *, lossy_text: bool) -> tuple[str | None, bool]:
    """The event's (body, isBase64Encoded).

    A text body that is not valid UTF-8: REST APIs pass it as text (`lossy_text`, invalid
    bytes replaced), since only binaryMediaTypes turn on base64
    (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-payload-encodings-workflow.html);
    HTTP APIs decide by content, so such a body is sent base64-encoded.
    """
    if not body:
        return None, False
    if binary:
        return base64.b64encode(body).decode("ascii"), True
    try:
        return body.decode("utf-8"), False
    except UnicodeDecodeError:
        if lossy_text:
            return body.decode("utf-8", errors="replace"), False
        return base64.b64encode(body).decode("ascii"), True


class Admission:
    """What the stages before the integration learned about the caller, for the event."""

    __slots__ = ("authorizer", "client_cert", "identity")

    def __init__(
        self,
        *,
        authorizer: dict[str, Any] | None,
        identity: dict[str, Any],
        client_cert: dict[str, Any] | None,
    ) -> None:
        self.authorizer = authorizer
        """`requestContext.authorizer`, already in the API kind's and payload's shape."""
        self.identity = identity
        """Payload 1.0: set over `requestContext.identity`."""
        self.client_cert = client_cert
        """The mTLS client certificate: 1.0 identity.clientCert, 2.0 authentication.clientCert."""
