"""REST API routing: the resource tree, then the method (an explicit method beats ANY).

A path that matches no resource, or a resource without the method, is answered 403
"Missing Authentication Token" by API Gateway.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-method-settings-method-request.html
"""

from __future__ import annotations

from lamina.gateway.model import Method, Resource, RestApi
from lamina.gateway.routing.trie import Trie, split_path


class RestMatch:
    __slots__ = ("method", "path_params", "resource")

    def __init__(self, resource: Resource, method: Method, path_params: dict[str, str]) -> None:
        self.resource = resource
        self.method = method
        self.path_params = path_params


class RestRouter:
    def __init__(self, api: RestApi) -> None:
        self._trie: Trie[Resource] = Trie()
        for resource in api.resources:
            self._trie.insert(resource.path, resource)

    def route(self, method: str, path: str) -> RestMatch | None:
        match = self._trie.find(split_path(path), _always, backtrack=False)
        if match is None:
            return None
        resource = match.value
        chosen = resource.methods.get(method) or resource.methods.get("ANY")
        if chosen is None:
            return None
        return RestMatch(resource, chosen, match.params)


def _always(_: Resource) -> bool:
    return True
