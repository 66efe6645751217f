"""HTTP APIs' parameter mapping: change the request before the integration, and the
integration's response before the client.

Request keys: `append|overwrite|remove:header.name`, `append|overwrite|remove:querystring.name`,
`overwrite:path`. Response keys (per backend status code): `append|overwrite|remove:header.name`,
`overwrite:statuscode`. Values: `$request.header.name`, `$request.querystring.name`,
`$request.body.name`, `$request.path`, `$request.path.name`, `$context.name`,
`$stageVariables.name`, `$response.header.name`, `$response.body.name` (each also as
`${...}`), static text, or text mixing them. Repeated headers and query strings read as
their values joined by commas.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-parameter-mapping.html
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson

from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.events.common import parse_query, with_forwarded_headers

if TYPE_CHECKING:
    from lamina.gateway.context import RequestContext

# `${request.header.x}` or `$request.header.x` (the bare form runs to the first character
# that cannot be in a name).
_REFERENCE = re.compile(r"\$\{([^}]*)\}|\$((?:request|response|context|stageVariables)[\w.\-]*)")


class MappingValues:
    """What `$request.*`, `$context.*`, `$stageVariables.*` and `$response.*` read."""

    __slots__ = (
        "_body",
        "_response_body",
        "body",
        "context",
        "headers",
        "path",
        "path_params",
        "query",
        "response_body",
        "response_headers",
        "stage_variables",
    )

    def __init__(
        self,
        *,
        headers: list[tuple[str, str]],
        query_string: str,
        body: bytes,
        path: str,
        path_params: Mapping[str, str],
        context: Mapping[str, Any],
        stage_variables: Mapping[str, str],
    ) -> None:
        self.headers = headers
        self.query = parse_query(query_string)
        self.body = body
        self.path = path
        self.path_params = path_params
        self.context = context
        self.stage_variables = stage_variables
        self.response_headers: list[tuple[str, str]] = []
        self.response_body = b""
        self._body: object = _UNREAD
        self._response_body: object = _UNREAD

    def lookup(self, name: str) -> str | None:
        """One reference's value; None when the request or response lacks it."""
        scope, _, rest = name.partition(".")
        if scope == "request":
            kind, _, key = rest.partition(".")
            if kind == "header":
                return _joined(self.headers, key.lower(), lower=True)
            if kind == "querystring":
                return _joined(self.query, key, lower=False)
            if kind == "path":
                return self.path if not key else self.path_params.get(key)
            if kind == "body":
                self._body = _document(self._body, self.body)
                return _select(self._body, key) if key else self.body.decode(errors="replace")
        elif scope == "response":
            kind, _, key = rest.partition(".")
            if kind == "header":
                return _joined(self.response_headers, key.lower(), lower=True)
            if kind == "body":
                self._response_body = _document(self._response_body, self.response_body)
                if not key:
                    return self.response_body.decode(errors="replace")
                return _select(self._response_body, key)
        elif scope == "context":
            return _select(self.context, rest)
        elif scope == "stageVariables":
            return self.stage_variables.get(rest)
        raise GatewayError(
            ResponseType.DEFAULT_5XX, f"parameter mapping value ${name} is not supported"
        )

    def value(self, template: str) -> str | None:
        """A mapping value: static text with any references replaced; None when it is one
        reference whose value is absent (the parameter is then left alone)."""
        whole = _REFERENCE.fullmatch(template)
        if whole is not None:
            return self.lookup(whole.group(1) or whole.group(2))

        def replace(found: re.Match[str]) -> str:
            return self.lookup(found.group(1) or found.group(2)) or ""

        return _REFERENCE.sub(replace, template)


_UNREAD = object()


def _joined(pairs: list[tuple[str, str]], key: str, *, lower: bool) -> str | None:
    values = [v for n, v in pairs if (n.lower() if lower else n) == key]
    return ",".join(values) if values else None


def _document(cached: object, raw: bytes) -> object:
    if cached is not _UNREAD:
        return cached
    try:
        return orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError:
        return None


def _select(document: object, dotted: str) -> str | None:
    node = document
    for step in dotted.split("."):
        if not isinstance(node, Mapping) or step not in node:
            return None
        node = node[step]
    if node is None:
        return None
    if isinstance(node, str):
        return node
    if isinstance(node, bool):
        return "true" if node else "false"
    if isinstance(node, int | float):
        return str(node)
    return orjson.dumps(node).decode()


class MappedRequest:
    """The request as the integration receives it after `requestParameters`."""

    __slots__ = ("headers", "path", "query")

    def __init__(self, headers: list[tuple[str, str]], query: list[tuple[str, str]]) -> None:
        self.headers = headers
        self.query = query
        self.path: str | None = None
        """`overwrite:path`'s value (None: the integration's own path)."""


def _apply(
    pairs: list[tuple[str, str]],
    action: str,
    name: str,
    value: str | None,
    *,
    fold_case: bool,
) -> list[tuple[str, str]]:
    """One key's change: header names compare case-insensitively, query names exactly."""
    wanted = name.lower() if fold_case else name

    def same(candidate: str) -> bool:
        return (candidate.lower() if fold_case else candidate) == wanted

    if action == "remove":
        return [(n, v) for n, v in pairs if not same(n)]
    if value is None:
        return pairs
    if action == "overwrite":
        return [*((n, v) for n, v in pairs if not same(n)), (name, value)]
    return [*pairs, (name, value)]  # append


def _key(key: str) -> tuple[str, str, str]:
    action, _, target = key.partition(":")
    kind, _, name = target.partition(".")
    if action not in ("append", "overwrite", "remove"):
        raise GatewayError(ResponseType.DEFAULT_5XX, f"parameter mapping key {key!r}")
    return action, kind, name


def map_request(
    parameters: Mapping[str, str],
    values: MappingValues,
    headers: list[tuple[str, str]],
    query: list[tuple[str, str]],
) -> MappedRequest:
    """Apply `requestParameters` to the headers and query pairs the integration gets.
    Every value reads the client's request, not one changed by another key."""
    mapped = MappedRequest(list(headers), list(query))
    for key, template in parameters.items():
        action, kind, name = _key(key)
        value = None if action == "remove" else values.value(template)
        if kind == "header":
            mapped.headers = _apply(mapped.headers, action, name, value, fold_case=True)
        elif kind == "querystring":
            mapped.query = _apply(mapped.query, action, name, value, fold_case=False)
        elif kind == "path" and action == "overwrite" and not name:
            if value is not None:
                mapped.path = value if value.startswith("/") else "/" + value
        else:
            raise GatewayError(ResponseType.DEFAULT_5XX, f"parameter mapping key {key!r}")
    return mapped


def map_response(
    response_parameters: Mapping[str, Mapping[str, str]],
    values: MappingValues,
    status: int,
    headers: list[tuple[str, str]],
    body: bytes,
) -> tuple[int, list[tuple[str, str]]]:
    """Apply the `responseParameters` of the integration's status code: the new status
    and headers."""
    chosen = response_parameters.get(str(status))
    if not chosen:
        return status, headers
    values.response_headers = headers
    values.response_body = body
    mapped = list(headers)
    new_status = status
    for key, template in chosen.items():
        if key == "overwrite:statuscode":
            text = values.value(template)
            if text is not None:
                try:
                    new_status = int(text)
                except ValueError:
                    raise GatewayError(
                        ResponseType.DEFAULT_5XX, f"overwrite:statuscode {text!r} is not a status"
                    ) from None
            continue
        action, kind, name = _key(key)
        if kind != "header":
            raise GatewayError(ResponseType.DEFAULT_5XX, f"response mapping key {key!r}")
        value = None if action == "remove" else values.value(template)
        mapped = _apply(mapped, action, name, value, fold_case=True)
    return new_status, mapped


def encoded_headers(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(n.encode("latin-1"), v.encode("latin-1")) for n, v in headers]


def http_api_values(ctx: RequestContext) -> MappingValues:
    """What an HTTP API's parameter mapping reads for this request. `$request.path` is the
    path without the stage; `$context.path` the one the client sent."""
    request = ctx.request
    target = ctx.target
    stage = ctx.stage
    prefix = ctx.address.stage_prefix if ctx.address is not None else ""
    path = request.path.removeprefix(prefix) if prefix else request.path
    context: dict[str, Any] = {
        "requestId": request.extended_request_id,
        "extendedRequestId": request.extended_request_id,
        "httpMethod": request.method,
        "path": ctx.raw_path,
        "protocol": request.protocol,
        "domainName": request.domain_name,
        "domainPrefix": request.domain_name.split(".", 1)[0],
        "requestTimeEpoch": str(request.time_epoch_ms),
        "identity": {
            "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent") or "",
        },
        "authorizer": ctx.authorizer or {},
    }
    if ctx.route is not None:
        context["routeKey"] = ctx.route.route_key
    if target is not None:  # V2Target, or V1Target for a payload 1.0 Lambda route
        context.update(apiId=target.api_id, stage=target.stage, accountId=target.account_id)
    return MappingValues(
        headers=with_forwarded_headers(request),
        query_string=request.query_string,
        body=request.body,
        path=path or "/",
        path_params=target.path_params if target is not None else {},
        context=context,
        stage_variables=stage.variables if stage is not None else {},
    )
