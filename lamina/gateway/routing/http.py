"""HTTP API routing: route keys `METHOD /path`, `ANY /path`, and the `$default` catch-all.

API Gateway selects the most specific route: a full match on method and path, then a
greedy path variable, then `$default`; an exact method beats ANY on the same path.
https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-routes.html
"""

from __future__ import annotations

from lamina.gateway.model import HttpApi, Route
from lamina.gateway.routing.trie import Trie, split_path

DEFAULT_ROUTE_KEY = "$default"


class HttpMatch:
    __slots__ = ("path_params", "route")

    def __init__(self, route: Route, path_params: dict[str, str]) -> None:
        self.route = route
        self.path_params = path_params


class _Methods:
    __slots__ = ("by_method",)

    def __init__(self) -> None:
        self.by_method: dict[str, Route] = {}

    def pick(self, method: str) -> Route | None:
        return self.by_method.get(method) or self.by_method.get("ANY")


class HttpRouter:
    def __init__(self, api: HttpApi) -> None:
        self._trie: Trie[_Methods] = Trie()
        self._default: Route | None = None
        for route in api.routes:
            if route.route_key == DEFAULT_ROUTE_KEY:
                self._default = route
                continue
            method, _, path = route.route_key.partition(" ")
            node = self._trie.node_at(path)
            if node.value is None:
                node.value = _Methods()
            node.value.by_method[method.upper()] = route

    def route(self, method: str, path: str) -> HttpMatch | None:
        found = self._trie.find(split_path(path), lambda methods: methods.pick(method) is not None)
        if found is not None:
            chosen = found.value.pick(method)
            assert chosen is not None  # accepted by the predicate above
            return HttpMatch(chosen, found.params)
        if self._default is not None:
            return HttpMatch(self._default, {})
        return None
