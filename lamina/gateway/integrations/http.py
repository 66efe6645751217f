"""HTTP and HTTP_PROXY integrations: the gateway calls a backend URL.

REST HTTP_PROXY: the client's method (or the integration's `httpMethod`), headers, query
string and body go to the integration URI, whose `{name}` path variables are filled from
`integration.request.path.name` parameters; the backend's status, headers and body come
back as they are (REST remaps a few reserved headers to `x-amzn-Remapped-*`).
REST HTTP (non-proxy): only the mapped parameters and the request template's output are
sent; the backend's status code selects the integration response (integrations/responses.py).
https://docs.aws.amazon.com/apigateway/latest/developerguide/setup-http-integrations.html
HTTP APIs' HTTP_PROXY: the request goes to the URI as written (path variables from the
route), changed by parameter mapping (integrations/parameter_mapping.py).
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-http.html

Failures: a backend slower than `timeoutInMillis` answers INTEGRATION_TIMEOUT (REST 504
"Endpoint request timed out"); one that cannot be reached answers 500 Internal server error
(the execution log says "Execution failed due to configuration error: Invalid endpoint
address").
https://repost.aws/knowledge-center/api-gateway-504-errors
https://repost.aws/knowledge-center/api-gateway-5xx-error

The client is httpx's AsyncClient: one per event loop, pooling connections to backends,
never following redirects (a 3xx reaches the client as API Gateway passes it on), and with
no default headers of its own, so the backend sees the request the gateway built.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote, unquote, urlencode, urlsplit, urlunsplit

import httpx

from lamina.gateway.error import ApiKind, GatewayError, GatewayResponse, ResponseType
from lamina.gateway.events.common import parse_query, with_forwarded_headers
from lamina.gateway.integrations.content_handling import binary_media
from lamina.gateway.integrations.parameter_mapping import (
    encoded_headers,
    http_api_values,
    map_request,
    map_response,
)
from lamina.gateway.integrations.responses import (
    DEFAULT_MEDIA_TYPE,
    IntegrationOutput,
    MappingSource,
    map_request_body,
    method_response,
    parameter_value,
    request_facts,
    select_integration_response,
)
from lamina.gateway.model import HttpIntegration

if TYPE_CHECKING:
    from lamina.gateway.context import RequestContext

# The headers that describe one connection, not the message: never forwarded either way.
# https://www.rfc-editor.org/rfc/rfc9110#section-7.6.1
_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
        "host",
        "content-length",
    }
)
# REST APIs hand these backend response headers to the client renamed (seen on HTTP_PROXY
# responses: x-amzn-Remapped-Content-Length, -Connection, -Date, -Server).
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html
_REMAPPED = frozenset({"authorization", "connection", "content-length", "date", "server"})
# Never sent back as the backend wrote them: the gateway's HTTP server frames the message
# and stamps its own Date.
_FRAMING = frozenset({"transfer-encoding", "keep-alive", "content-length", "connection", "date"})
_URI_VARIABLE = re.compile(r"\{([A-Za-z0-9_.+-]+)\}")
_STAGE_VARIABLE = re.compile(r"\$\{stageVariables\.([A-Za-z0-9_]+)\}")
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
# An integration response over 10 MB is refused (API Gateway's payload quota).
# https://docs.aws.amazon.com/apigateway/latest/developerguide/limits.html
MAX_RESPONSE_BYTES = 10 * 1024 * 1024


class BackendRequest:
    """What the gateway sends to the backend."""

    __slots__ = ("body", "headers", "method", "url")

    def __init__(self, method: str, url: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body


class BackendResponse:
    __slots__ = ("body", "headers", "status")

    def __init__(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status = status
        self.headers = headers
        self.body = body


class Sender(Protocol):
    async def send(self, outgoing: BackendRequest, timeout_ms: int) -> BackendResponse: ...


class HttpBackend:
    """Sends integration requests; one pooled httpx client per event loop."""

    def __init__(self, max_connections: int = 256) -> None:
        self._limits = httpx.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections // 4
        )
        self._clients: dict[asyncio.AbstractEventLoop, httpx.AsyncClient] = {}

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._clients.get(loop)
        if client is None:
            for stale in [other for other in self._clients if other.is_closed()]:
                del self._clients[stale]
            client = httpx.AsyncClient(
                limits=self._limits, follow_redirects=False, trust_env=False, timeout=None
            )
            client.headers.clear()  # no User-Agent / Accept of httpx's own
            self._clients[loop] = client
        return client

    async def send(self, outgoing: BackendRequest, timeout_ms: int) -> BackendResponse:
        """The backend's answer within `timeout_ms` (the whole exchange, body included)."""
        client = self._client()
        request = client.build_request(
            outgoing.method, outgoing.url, headers=outgoing.headers, content=outgoing.body
        )
        try:
            async with asyncio.timeout(timeout_ms / 1000):
                response = await client.send(request, stream=True)
                try:
                    body = bytearray()
                    async for chunk in response.aiter_raw():
                        body += chunk
                        if len(body) > MAX_RESPONSE_BYTES:
                            raise GatewayError(
                                ResponseType.DEFAULT_5XX, "integration response over 10 MB"
                            )
                finally:
                    await response.aclose()
        except TimeoutError as error:
            raise GatewayError(
                ResponseType.INTEGRATION_TIMEOUT, f"{outgoing.url}: no answer in {timeout_ms} ms"
            ) from error
        except httpx.HTTPError as error:
            raise GatewayError(
                ResponseType.DEFAULT_5XX,
                "Execution failed due to configuration error: Invalid endpoint address "
                f"({outgoing.url}: {error.__class__.__name__} {error})",
            ) from error
        headers = [
            (name.decode("latin-1"), value.decode("latin-1"))
            for name, value in response.headers.raw
        ]
        return BackendResponse(response.status_code, headers, bytes(body))


def integration_url(
    uri: str,
    path_values: Mapping[str, str],
    stage_variables: Mapping[str, str],
    query: str,
) -> str:
    """The URI with `${stageVariables.x}` and `{name}` path variables filled in, and
    `query` (already encoded) as its query string after any the URI has."""

    def variable(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in stage_variables:
            raise GatewayError(
                ResponseType.DEFAULT_5XX,
                f"Execution failed due to configuration error: stage variable {name!r} "
                "in the integration URI is not defined",
            )
        return stage_variables[name]

    def path_variable(found: re.Match[str]) -> str:
        name = found.group(1).removesuffix("+")
        value = path_values.get(name)
        if value is None:
            raise GatewayError(
                ResponseType.DEFAULT_5XX,
                "Execution failed due to configuration error: Illegal character in path / "
                f"no value for {{{name}}} in the integration URI",
            )
        return quote(unquote(value), safe=_PATH_SAFE)

    text = _STAGE_VARIABLE.sub(variable, uri) if "${" in uri else uri
    parts = urlsplit(text)
    path = _URI_VARIABLE.sub(path_variable, parts.path)
    joined = "&".join(q for q in (parts.query, query) if q)
    return urlunsplit((parts.scheme, parts.netloc, path or "/", joined, ""))


def _forwarded(headers: Sequence[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(n, v) for n, v in headers if n.lower() not in _HOP_BY_HOP]


class RestParameters:
    """REST `integration.request.{header,querystring,path}.X` values for this request."""

    __slots__ = ("headers", "path", "query")

    def __init__(self, parameters: Mapping[str, str], mapping: MappingSource) -> None:
        self.headers: dict[str, str] = {}
        self.query: dict[str, str] = {}
        self.path: dict[str, str] = {}
        empty = IntegrationOutput()
        places = {"header": self.headers, "querystring": self.query, "path": self.path}
        for target, source in parameters.items():
            kind, _, name = target.removeprefix("integration.request.").partition(".")
            place = places.get(kind)
            if place is None or not target.startswith("integration.request."):
                raise GatewayError(
                    ResponseType.DEFAULT_5XX, f"request parameter {target!r} is not supported"
                )
            value = parameter_value(source, mapping, empty)
            if value is not None:
                place[name] = value


async def call_rest_http(
    backend: Sender,
    integration: HttpIntegration,
    mapping: MappingSource,
    *,
    resource_path_params: Mapping[str, str],
) -> GatewayResponse:
    """A REST API's HTTP or HTTP_PROXY integration."""
    request = mapping.request
    mapped = RestParameters(integration.request_parameters, mapping)
    # Path variables named by the method path are filled as the console's proxy resources
    # map them (integration.request.path.x <- method.request.path.x) when not mapped.
    path_values = {**resource_path_params, **mapped.path}
    method = integration.http_method.upper()
    if method == "ANY":
        method = request.method
    if integration.type == "HTTP_PROXY":
        query = "&".join(q for q in (request.query_string, urlencode(mapped.query)) if q)
        headers = _forwarded(with_forwarded_headers(request))
        headers = [(n, v) for n, v in headers if n.lower() not in mapped.headers]
        headers += list(mapped.headers.items())
        url = integration_url(integration.uri, path_values, mapping.stage_variables, query)
        answer = await backend.send(
            BackendRequest(method, url, headers, request.body), integration.timeout_ms
        )
        return _proxy_response(answer, remap=True)
    body, rendered = map_request_body(
        integration.request_templates,
        integration.passthrough_behavior,
        mapping,
        integration.content_handling,
    )
    if rendered is not None:  # $context.requestOverride.* replace what parameters mapped
        mapped.headers.update(rendered.headers)
        mapped.query.update(rendered.querystring)
        path_values.update(rendered.path)
    headers = list(mapped.headers.items())
    if body and not any(n.lower() == "content-type" for n, _ in headers):
        sent_type = request.header("content-type") or DEFAULT_MEDIA_TYPE
        headers.append(("Content-Type", sent_type))
    url = integration_url(
        integration.uri, path_values, mapping.stage_variables, urlencode(mapped.query)
    )
    answer = await backend.send(BackendRequest(method, url, headers, body), integration.timeout_ms)
    content_type = dict((n.lower(), v) for n, v in answer.headers).get("content-type")
    output = IntegrationOutput(
        answer.body, answer.headers, binary=mapping.binary.is_binary(content_type)
    )
    chosen = select_integration_response(integration.responses, str(answer.status), answer.status)
    return method_response(
        chosen,
        mapping,
        output,
        passthrough_type=content_type or DEFAULT_MEDIA_TYPE,
    )


def _proxy_response(answer: BackendResponse, *, remap: bool) -> GatewayResponse:
    headers: list[tuple[bytes, bytes]] = []
    for name, value in answer.headers:
        lowered = name.lower()
        if remap and lowered in _REMAPPED:
            headers.append((f"x-amzn-Remapped-{name}".encode(), value.encode("latin-1")))
        elif lowered not in _FRAMING:
            headers.append((name.encode("latin-1"), value.encode("latin-1")))
    return GatewayResponse(answer.status, headers, answer.body)


async def call_http_api_proxy(
    backend: Sender,
    integration: HttpIntegration,
    request_headers: list[tuple[str, str]],
    query: str,
    path: str | None,
    method: str,
    body: bytes,
    *,
    route_path_params: Mapping[str, str],
    stage_variables: Mapping[str, str],
) -> tuple[int, list[tuple[str, str]], bytes]:
    """An HTTP API's HTTP_PROXY integration, after request parameter mapping: `path`
    replaces the URI's path when `overwrite:path` set one. Returns the backend's status,
    headers (framing ones dropped) and body, for response parameter mapping."""
    sent = integration.http_method.upper()
    url = integration_url(integration.uri, route_path_params, stage_variables, query)
    if path is not None:
        parts = urlsplit(url)
        url = urlunsplit(
            (parts.scheme, parts.netloc, quote(unquote(path), safe=_PATH_SAFE), parts.query, "")
        )
    outgoing = BackendRequest(
        method if sent == "ANY" else sent, url, _forwarded(request_headers), body
    )
    answer = await backend.send(outgoing, integration.timeout_ms)
    headers = [(n, v) for n, v in answer.headers if n.lower() not in _FRAMING]
    return answer.status, headers, answer.body


async def answer_http(
    backend: Sender, integration: HttpIntegration, ctx: RequestContext
) -> GatewayResponse:
    """Run `integration` for the request in `ctx` (REST or HTTP API)."""
    variables = ctx.stage.variables if ctx.stage is not None else {}
    target = ctx.target
    request = ctx.request
    path_params = target.path_params if target is not None else {}
    if ctx.kind is ApiKind.REST:
        mapping = MappingSource(request, path_params, variables, request_facts(ctx))
        mapping.binary = binary_media(ctx)
        return await call_rest_http(backend, integration, mapping, resource_path_params=path_params)
    values = http_api_values(ctx)
    headers = with_forwarded_headers(request)
    query = request.query_string
    path = None
    if integration.request_parameters:
        mapped = map_request(
            integration.request_parameters, values, headers, parse_query(request.query_string)
        )
        headers, path = mapped.headers, mapped.path
        query = urlencode(mapped.query, quote_via=quote)
    status, answered, body = await call_http_api_proxy(
        backend,
        integration,
        headers,
        query,
        path,
        request.method,
        request.body,
        route_path_params=path_params,
        stage_variables=variables,
    )
    status, answered = map_response(integration.response_parameters, values, status, answered, body)
    return GatewayResponse(status, encoded_headers(answered), body)
