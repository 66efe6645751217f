"""The request as AWS WAF inspects it, and the components (FieldToMatch) statements read.

Components are raw bytes as sent (AWS inspects the query string and path before any
decoding; a statement's URL_DECODE transformation decodes them). A component with several
elements (all query arguments, headers, cookies, JSON keys and values) matches when any
element does.
https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-fields-list.html
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from lamina.gateway.waf.model import FieldToMatch


class RequestView:
    """What one request shows the web ACL; each part is computed on first use."""

    __slots__ = (
        "_cookies",
        "_query_args",
        "body",
        "body_limit",
        "headers",
        "labels",
        "method",
        "notes",
        "query_string",
        "source_ip",
        "uri_path",
    )

    def __init__(
        self,
        *,
        method: str,
        uri_path: str,
        query_string: str,
        headers: list[tuple[str, str]],
        body: bytes,
        source_ip: str,
        body_limit: int,
    ) -> None:
        self.method = method.encode()
        self.uri_path = uri_path.encode("utf-8", "surrogateescape")
        self.query_string = query_string.encode("utf-8", "surrogateescape")
        self.headers = [(k.encode(), v.encode("utf-8", "surrogateescape")) for k, v in headers]
        """(name as sent, value); names compare case-insensitively."""
        self.body = body
        self.source_ip = source_ip
        self.body_limit = body_limit
        self._query_args: list[tuple[bytes, bytes]] | None = None
        self._cookies: list[tuple[bytes, bytes]] | None = None
        self.notes: list[str] = []
        self.labels: list[str] = []
        """Fully qualified labels the rules evaluated so far added."""
        """What detectors found (CRS rule ids), for the console line."""

    @property
    def body_oversize(self) -> bool:
        return len(self.body) > self.body_limit

    @property
    def inspected_body(self) -> bytes:
        """Only the first `body_limit` bytes reach AWS WAF."""
        return self.body[: self.body_limit]

    @property
    def query_args(self) -> list[tuple[bytes, bytes]]:
        if self._query_args is None:
            self._query_args = [
                (name, value)
                for name, _, value in (
                    part.partition(b"=") for part in self.query_string.split(b"&") if part
                )
            ]
        return self._query_args

    @property
    def cookies(self) -> list[tuple[bytes, bytes]]:
        if self._cookies is None:
            pairs = []
            for name, value in self.headers:
                if name.lower() == b"cookie":
                    for part in value.split(b";"):
                        key, _, val = part.strip().partition(b"=")
                        if key:
                            pairs.append((key, val))
            self._cookies = pairs
        return self._cookies

    def header(self, name: bytes) -> bytes | None:
        """The first value of a header (names compared case-insensitively)."""
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


class Oversize(Exception):
    """The component is larger than AWS WAF inspects and the statement asked for MATCH or
    NO_MATCH (carried in `matches`)."""

    def __init__(self, matches: bool) -> None:
        super().__init__("oversize")
        self.matches = matches


class InvalidJson(Exception):
    """A JsonBody whose fallback is MATCH or NO_MATCH met a body that is not JSON."""

    def __init__(self, matches: bool) -> None:
        super().__init__("invalid JSON")
        self.matches = matches


def component(field: FieldToMatch, view: RequestView) -> list[bytes]:
    """The elements of `field` in `view` (an empty list when the request has none).

    Raises Oversize / InvalidJson when the field's handling decides the match outright.
    """
    kind = field.kind
    if kind == "UriPath":
        return [view.uri_path]
    if kind == "QueryString":
        return [view.query_string]
    if kind == "Method":
        return [view.method]
    if kind == "SingleHeader":
        name = field.name.lower().encode()
        return [value for key, value in view.headers if key.lower() == name][:1]
    if kind == "SingleQueryArgument":
        name = field.name.lower().encode()
        return [value for key, value in view.query_args if key.lower() == name][:1]
    if kind == "AllQueryArguments":
        return [value for _, value in view.query_args]
    if kind == "Headers":
        return _pairs(field, view.headers)
    if kind == "Cookies":
        return _pairs(field, view.cookies)
    if kind == "Body":
        _check_oversize(field, view)
        return [view.inspected_body]
    _check_oversize(field, view)
    return _json_elements(field, view.inspected_body)


def _check_oversize(field: FieldToMatch, view: RequestView) -> None:
    if view.body_oversize and field.oversize != "CONTINUE":
        raise Oversize(field.oversize == "MATCH")


# API Gateway forwards at most 200 headers (cookies) and 8 KB of their contents to AWS WAF.
# https://docs.aws.amazon.com/waf/latest/developerguide/waf-oversize-request-components.html
_MAX_PAIRS = 200
_MAX_PAIR_BYTES = 8 * 1024


def _forwarded(field: FieldToMatch, pairs: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The pairs AWS WAF gets to see; past the limits the field's oversize handling decides."""
    size = 0
    for count, (key, value) in enumerate(pairs):
        size += len(key) + len(value)
        if count == _MAX_PAIRS or size > _MAX_PAIR_BYTES:
            if field.oversize != "CONTINUE":
                raise Oversize(field.oversize == "MATCH")
            return pairs[:count]
    return pairs


def _pairs(field: FieldToMatch, pairs: list[tuple[bytes, bytes]]) -> list[bytes]:
    """Headers / Cookies: the keys, values or both of the pairs the match pattern selects."""
    pairs = _forwarded(field, pairs)
    included = None if field.included is None else {n.lower().encode() for n in field.included}
    excluded = {n.lower().encode() for n in field.excluded}
    out: list[bytes] = []
    for key, value in pairs:
        folded = key.lower()
        if (included is not None and folded not in included) or folded in excluded:
            continue
        if field.match_scope in ("ALL", "KEY"):
            out.append(key)
        if field.match_scope in ("ALL", "VALUE"):
            out.append(value)
    return out


def _json_elements(field: FieldToMatch, body: bytes) -> list[bytes]:
    """JsonBody: keys and/or values under the included JSON pointers (all of them for All).

    https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-fields-list.html#waf-rule-statement-request-component-json-body
    """
    if not body:
        return []
    try:
        document = json.loads(body)
    except ValueError:
        if field.invalid_fallback in ("MATCH", "NO_MATCH"):
            raise InvalidJson(field.invalid_fallback == "MATCH") from None
        return [body]  # EVALUATE_AS_STRING (and, here, the unset default)
    roots = [document] if field.included is None else _at_pointers(document, field.included)
    out: list[bytes] = []
    for root in roots:
        for key, value in _walk(root):
            if key is not None and field.match_scope in ("ALL", "KEY"):
                out.append(key.encode())
            if value is not None and field.match_scope in ("ALL", "VALUE"):
                out.append(value.encode())
    return out


def _at_pointers(document: Any, pointers: tuple[str, ...]) -> list[Any]:
    found = []
    for pointer in pointers:
        node = document
        for token in pointer.split("/")[1:]:
            token = token.replace("~1", "/").replace("~0", "~")
            if isinstance(node, dict) and token in node:
                node = node[token]
            elif isinstance(node, list) and token.isdigit() and int(token) < len(node):
                node = node[int(token)]
            else:
                break
        else:
            found.append(node)
    return found


def _walk(node: Any) -> Iterator[tuple[str | None, str | None]]:
    """(key, None) for each object key and (None, text) for each scalar, depth first."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, None
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)
    elif isinstance(node, str):
        yield None, node
    else:
        yield None, json.dumps(node)
