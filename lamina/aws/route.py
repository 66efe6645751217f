"""Operation routing for the REST protocols (rest-json, rest-xml), compiled from the model.

Each operation's `http.requestUri` (e.g. `/2015-03-31/functions/{FunctionName}/invocations`,
`/{Bucket}/{Key+}?uploads`) becomes a path in a segment tree: literal segments, `{Name}`
segments (one segment, or part of one: `{Name}:cancel`) and greedy `{Name+}` segments. A
lookup prefers literal over parameter over greedy at every level, and, among operations on
the same path and method, the one whose required query keys are all present and most
numerous: the most specific template wins, as AWS's own routers do.
https://smithy.io/2.0/spec/http-bindings.html#http-trait
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, unquote

if TYPE_CHECKING:
    from collections.abc import Iterable

_LABEL = re.compile(r"\{([^}]+?)(\+?)\}")


class _Endpoint:
    __slots__ = ("headers", "labels", "method", "operation", "query")

    def __init__(self, route: Route, query: dict[str, str | None], labels: list[str]) -> None:
        self.method = route.method
        self.operation = route.operation
        self.headers = route.headers
        self.query = query
        """Query keys the template requires (`?uploads`), with a value when it names one."""
        self.labels = labels
        """The template's label names in path order. Templates share a tree node for a
        segment that matches alike (`{parent_id}`, `{resource_id}`), so the names come from
        the endpoint the walk ends at, not from the nodes it passed."""

    @property
    def weight(self) -> int:
        return len(self.query) + len(self.headers)

    def accepts(self, method: str, query: dict[str, str], headers: frozenset[str]) -> bool:
        if method != self.method or not self.headers <= headers:
            return False
        for key, value in self.query.items():
            if key not in query or (value is not None and query[key] != value):
                return False
        return True


class Route:
    """One operation's HTTP binding: method, requestUri and the header names it requires
    (S3's CopyObject and PutObject share `PUT /{Bucket}/{Key+}`; `x-amz-copy-source` tells
    them apart)."""

    __slots__ = ("headers", "method", "operation", "query", "uri")

    def __init__(
        self,
        operation: str,
        method: str,
        uri: str,
        headers: frozenset[str] = frozenset(),
        query: frozenset[str] = frozenset(),
    ) -> None:
        self.operation = operation
        self.method = method
        self.uri = uri
        self.headers = headers
        """Required header names, lower-case."""
        self.query = query
        """Required query keys besides those in `uri` (S3 UploadPart's partNumber)."""


class _Node:
    __slots__ = ("endpoints", "greedy", "literal", "patterns")

    def __init__(self) -> None:
        self.literal: dict[str, _Node] = {}
        self.patterns: list[tuple[re.Pattern[str], _Node]] = []
        self.greedy: list[_Node] = []
        self.endpoints: list[_Endpoint] = []

    def child(self, segment: str) -> _Node:
        labels = _LABEL.findall(segment)
        if not labels:
            return self.literal.setdefault(segment, _Node())
        if len(labels) == 1 and labels[0][1] == "+" and segment == f"{{{labels[0][0]}+}}":
            if not self.greedy:
                self.greedy.append(_Node())
            return self.greedy[0]
        return self._pattern_child(segment)

    def _pattern_child(self, segment: str) -> _Node:
        parts = _LABEL.split(segment)
        # split() yields literal, name, plus-flag, literal, ... ; literals sit at i % 3 == 0.
        regex = "".join(
            re.escape(p) if i % 3 == 0 else "([^/]+)" for i, p in enumerate(parts) if i % 3 != 2
        )
        compiled = re.compile(f"^{regex}$")
        for existing, node in self.patterns:
            if existing.pattern == compiled.pattern:
                return node
        node = _Node()
        self.patterns.append((compiled, node))
        # Patterns with more literal text are more specific: try them first.
        self.patterns.sort(key=lambda entry: -len(entry[0].pattern))
        return node


class RouteMatch:
    __slots__ = ("labels", "operation")

    def __init__(self, operation: str, labels: dict[str, str]) -> None:
        self.operation = operation
        self.labels = labels
        """URI label name -> percent-decoded value."""


class RestRouter:
    """Method + raw path + query -> operation name and URI labels."""

    def __init__(self, routes: Iterable[Route]) -> None:
        self._root = _Node()
        for route in routes:
            self._add(route)

    @classmethod
    def from_model(cls, model: Any) -> RestRouter:
        """`model`: a botocore ServiceModel. Deprecated operations come last, so that one
        sharing its route with its successor (S3's GetBucketNotification and
        GetBucketNotificationConfiguration, both `GET /{Bucket}?notification`) loses the tie."""
        operations = [model.operation_model(name) for name in model.operation_names]
        operations.sort(key=lambda operation: bool(operation.deprecated))
        return cls(_model_route(operation) for operation in operations)

    def _add(self, route: Route) -> None:
        path, _, query = route.uri.partition("?")
        required: dict[str, str | None] = dict.fromkeys(route.query)
        for pair in filter(None, query.split("&")):
            key, has_value, value = pair.partition("=")
            if key != "x-id":
                # S3's `?x-id=PutObject` markers are sent by SDKs, but not by curl users.
                required[key] = value if has_value else None
        node = self._root
        for segment in path.lstrip("/").split("/"):
            node = node.child(segment)
        names = [name for name, _ in _LABEL.findall(path)]
        node.endpoints.append(_Endpoint(route, required, names))
        node.endpoints.sort(key=lambda endpoint: -endpoint.weight)

    def match(
        self, method: str, raw_path: str, query_string: str, headers: frozenset[str]
    ) -> RouteMatch | None:
        """`headers`: the request's header names, lower-case."""
        query = dict(parse_qsl(query_string, keep_blank_values=True))
        segments = raw_path.lstrip("/").split("/")
        values: list[str] = []
        ask = _Ask(method, query, headers)
        endpoint = _walk(self._root, segments, 0, ask, values)
        if endpoint is None:
            return None
        # The walk collects label values innermost first.
        labels = dict(zip(endpoint.labels, reversed(values), strict=True))
        return RouteMatch(endpoint.operation, labels)


def _model_route(operation: Any) -> Route:
    http = operation.http
    headers: set[str] = set()
    query: set[str] = set()
    shape = operation.input_shape
    for name in shape.required_members if shape is not None else ():
        serialization = shape.members[name].serialization
        location = serialization.get("location")
        if location == "header":
            headers.add(serialization.get("name", name).lower())
        elif location == "querystring":
            query.add(serialization.get("name", name))
    method = http.get("method", "POST")
    uri = http.get("requestUri", "/")
    return Route(operation.name, method, uri, frozenset(headers), frozenset(query))


class _Ask:
    __slots__ = ("headers", "method", "query")

    def __init__(self, method: str, query: dict[str, str], headers: frozenset[str]) -> None:
        self.method = method
        self.query = query
        self.headers = headers


def _walk(
    node: _Node, segments: list[str], index: int, ask: _Ask, values: list[str]
) -> _Endpoint | None:
    """The endpoint the rest of the path reaches from `node`; `values` gets the label values
    the successful branch matched, appended innermost first."""
    if index >= len(segments) or (index == len(segments) - 1 and segments[index] == ""):
        found = _accepting(node, ask)
        if found is not None or index >= len(segments):
            # A template ending in "/" also serves the path without it, and vice versa.
            return found or _trailing(node, ask)
    segment = segments[index]
    literal = node.literal.get(segment)
    if literal is not None:
        found = _walk(literal, segments, index + 1, ask, values)
        if found is not None:
            return found
    for pattern, child in node.patterns:
        matched = pattern.match(segment)
        if matched is None:
            continue
        found = _walk(child, segments, index + 1, ask, values)
        if found is not None:
            values.extend(reversed([unquote(group) for group in matched.groups()]))
            return found
    return _walk_greedy(node, segments, index, ask, values)


def _walk_greedy(
    node: _Node, segments: list[str], index: int, ask: _Ask, values: list[str]
) -> _Endpoint | None:
    for child in node.greedy:
        # The greedy label takes as many segments as the rest of the template allows.
        for end in range(len(segments), index, -1):
            value = "/".join(segments[index:end])
            if not value:
                continue
            found = _walk(child, segments, end, ask, values)
            if found is not None:
                values.append(unquote(value))
                return found
    return None


def _accepting(node: _Node, ask: _Ask) -> _Endpoint | None:
    for endpoint in node.endpoints:
        if endpoint.accepts(ask.method, ask.query, ask.headers):
            return endpoint
    return None


def _trailing(node: _Node, ask: _Ask) -> _Endpoint | None:
    empty = node.literal.get("")
    return _accepting(empty, ask) if empty is not None else None
