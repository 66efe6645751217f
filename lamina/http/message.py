"""HTTP request and response as Lamina's server hands them to the application."""

from __future__ import annotations

from lamina.http.body import BodyReader, StreamedBody


def last_header(headers: list[tuple[str, str]], name: str) -> str | None:
    """The last value of a header, names compared case-insensitively."""
    lowered = name.lower()
    found = None
    for key, value in headers:
        if key.lower() == lowered:
            found = value
    return found


class TlsSession:
    """What the TLS handshake of a request's connection established."""

    __slots__ = ("peer_cert", "requested_name", "server_name")

    def __init__(
        self, *, server_name: str | None, peer_cert: bytes | None, requested_name: str | None = None
    ) -> None:
        self.server_name = server_name
        """The custom domain whose certificate served the connection (chosen by SNI);
        None for the default certificate. A wildcard domain's is `*.` and its parent."""
        self.requested_name = requested_name
        """The server name the client sent (SNI), lowercased; None when it sent none. On
        a wildcard domain it says which host the connection was made for."""
        self.peer_cert = peer_cert
        """The client certificate (DER), verified against that domain's truststore
        (mutual TLS); None when the domain asks for none."""


class HttpRequest:
    __slots__ = (
        "body",
        "body_too_large",
        "client",
        "headers",
        "http_version",
        "method",
        "path",
        "query_string",
        "server_port",
        "stream",
        "tls",
    )

    def __init__(
        self,
        *,
        method: str,
        path: str,
        query_string: str,
        headers: list[tuple[str, str]],
        body: bytes,
        client: str,
        http_version: str,
        body_too_large: bool = False,
        server_port: int = 0,
        tls: TlsSession | None = None,
        stream: BodyReader | None = None,
    ) -> None:
        self.method = method
        self.path = path
        """The raw path, percent-encoding kept, without the query string."""
        self.query_string = query_string
        self.headers = headers
        """(name, value) pairs in arrival order, names in the case the client sent them."""
        self.body = body
        self.client = client
        self.http_version = http_version
        self.body_too_large = body_too_large
        """True when the body exceeded the server's limit; `body` is then empty."""
        self.server_port = server_port
        """The local port the request arrived on."""
        self.tls = tls
        """The connection's TLS session; None for plain HTTP."""
        self.stream = stream
        """The body as it arrives, when the application asked for it streamed (the
        server's `streams_body`); `body` is then empty and no size limit applies."""

    def header(self, name: str) -> str | None:
        return last_header(self.headers, name)

    def replace(
        self,
        *,
        method: str | None = None,
        path: str | None = None,
        query_string: str | None = None,
        headers: list[tuple[str, str]] | None = None,
        body: bytes | None = None,
    ) -> HttpRequest:
        """A copy with the given parts changed and the connection's own (client, version,
        port, TLS, size flag, stream) kept."""
        return HttpRequest(
            method=self.method if method is None else method,
            path=self.path if path is None else path,
            query_string=self.query_string if query_string is None else query_string,
            headers=self.headers if headers is None else headers,
            body=self.body if body is None else body,
            client=self.client,
            http_version=self.http_version,
            body_too_large=self.body_too_large,
            server_port=self.server_port,
            tls=self.tls,
            stream=self.stream,
        )


class HttpResponse:
    __slots__ = ("body", "headers", "length", "status", "stream")

    def __init__(
        self,
        status: int,
        headers: list[tuple[bytes, bytes]],
        body: bytes,
        *,
        stream: StreamedBody | None = None,
        length: int | None = None,
    ) -> None:
        self.status = status
        self.headers = headers
        """(name, value) pairs; the server adds content-length, date and connection."""
        self.body = body
        self.stream = stream
        """A body sent as it is produced, after `body` (which is then usually empty)."""
        self.length = length
        """The Content-Length of a HEAD answer, whose body is not sent (RFC 9110, 9.3.2);
        None: len(body) plus the stream's length."""

    @property
    def chunked(self) -> bool:
        """Whether the body's length is unknown (a stream of unknown length follows)."""
        return self.length is None and self.stream is not None and self.stream.length is None

    @property
    def content_length(self) -> int:
        if self.length is not None:
            return self.length
        streamed = self.stream.length if self.stream is not None else 0
        return len(self.body) + (streamed or 0)
