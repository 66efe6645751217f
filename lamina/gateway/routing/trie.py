"""A path-segment trie shared by REST resources and HTTP API routes.

API Gateway picks the most specific match: a literal segment beats a `{param}`, which
beats a greedy `{proxy+}`. HTTP APIs look for the most specific *route* and so backtrack
when a branch fails (https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html).
REST APIs commit to a literal sibling: `/{proxy+}` covers everything under `/` "except for
the /parent[/*] resources" (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Node(Generic[T]):
    __slots__ = ("greedy", "greedy_name", "literals", "param", "param_name", "value")

    def __init__(self) -> None:
        self.literals: dict[str, Node[T]] = {}
        self.param: Node[T] | None = None
        self.param_name = ""
        self.greedy: Node[T] | None = None
        self.greedy_name = ""
        self.value: T | None = None


class Match(Generic[T]):
    __slots__ = ("params", "value")

    def __init__(self, value: T, params: dict[str, str]) -> None:
        self.value = value
        self.params = params


def split_path(path: str) -> list[str]:
    """`/a/b` → ["a", "b"]; `/` → []."""
    stripped = path.strip("/")
    return stripped.split("/") if stripped else []


class Trie(Generic[T]):
    def __init__(self) -> None:
        self.root: Node[T] = Node()

    def insert(self, template: str, value: T) -> None:
        node = self.root
        for segment in split_path(template):
            node = self._child(node, segment)
        node.value = value

    def node_at(self, template: str) -> Node[T]:
        node = self.root
        for segment in split_path(template):
            node = self._child(node, segment)
        return node

    @staticmethod
    def _child(node: Node[T], segment: str) -> Node[T]:
        if segment.startswith("{") and segment.endswith("+}"):
            if node.greedy is None:
                node.greedy = Node()
            node.greedy_name = segment[1:-2]
            return node.greedy
        if segment.startswith("{") and segment.endswith("}"):
            if node.param is None:
                node.param = Node()
            node.param_name = segment[1:-1]
            return node.param
        return node.literals.setdefault(segment, Node())

    def find(
        self, segments: list[str], accept: Callable[[T], bool], *, backtrack: bool = True
    ) -> Match[T] | None:
        params: dict[str, str] = {}
        value = _search(self.root, segments, 0, params, accept, backtrack)
        return None if value is None else Match(value, params)


def _search(
    node: Node[T],
    segments: list[str],
    index: int,
    params: dict[str, str],
    accept: Callable[[T], bool],
    backtrack: bool,
) -> T | None:
    if index == len(segments):
        if node.value is not None and accept(node.value):
            return node.value
        return None
    segment = segments[index]
    literal = node.literals.get(segment)
    if literal is not None:
        found = _search(literal, segments, index + 1, params, accept, backtrack)
        if found is not None or not backtrack:
            return found
    if node.param is not None and segment:
        params[node.param_name] = segment
        found = _search(node.param, segments, index + 1, params, accept, backtrack)
        if found is not None:
            return found
        del params[node.param_name]
    greedy = node.greedy
    if greedy is not None and greedy.value is not None and accept(greedy.value):
        params[node.greedy_name] = "/".join(segments[index:])
        return greedy.value
    return None
