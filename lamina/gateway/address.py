"""Which API, stage and path a request is for, from its Host and path.

URL forms (DESIGN.md): host-style `{apiId}.execute-api.localhost/{stage}/path`, path-style
`/restapis/{apiId}/{stage}/_user_request_/path`, the root form for the one REST API
(`/{stage}/path`) and the one HTTP API (`/path` on `$default`), and custom domain names
(the Host names a domain; its base path mappings pick the API and stage).
"""

from __future__ import annotations

from lamina.gateway.deployment import CompiledHttpApi, CompiledRestApi, Deployment
from lamina.gateway.domain import CompiledDomain
from lamina.gateway.model import Stage

_HOST_MARK = ".execute-api."
_PATH_STYLE = "/restapis/"
_USER_REQUEST = "/_user_request_"


class ApiAddress:
    __slots__ = ("api", "base_prefix", "domain", "path", "stage", "stage_prefix")

    def __init__(
        self,
        api: CompiledRestApi | CompiledHttpApi,
        stage: Stage | None,
        path: str,
        stage_prefix: str,
        *,
        domain: CompiledDomain | None = None,
        base_prefix: str = "",
    ) -> None:
        self.api = api
        self.stage = stage
        """None when the path named no stage this API has."""
        self.path = path
        """The path after the stage prefix, still percent-encoded; at least "/"."""
        self.stage_prefix = stage_prefix
        """"/Prod" for a named stage, "" for HTTP API's $default (and on custom domains)."""
        self.domain = domain
        """The custom domain the Host named, if any."""
        self.base_prefix = base_prefix
        """On a custom domain: what of the URL path came before `path` (base path, and the
        stage when the mapping names none), e.g. "/v1". API Gateway's events keep it in
        `path` / `rawPath` (stages/domain.py)."""


def _first_segment(path: str) -> tuple[str, str]:
    """`/Prod/a/b` → ("Prod", "/a/b"); `/Prod` → ("Prod", "/")."""
    head, sep, rest = path[1:].partition("/")
    return head, "/" + rest if sep else "/"


def _on_rest(api: CompiledRestApi, path: str) -> ApiAddress:
    name, rest = _first_segment(path)
    stage = api.stages.get(name)
    return ApiAddress(api, stage, rest, "/" + name) if stage else ApiAddress(api, None, path, "")


def _on_http(api: CompiledHttpApi, path: str) -> ApiAddress:
    name, rest = _first_segment(path)
    stage = api.stages.get(name) if name != "$default" else None
    if stage is not None:
        return ApiAddress(api, stage, rest, "/" + name)
    return ApiAddress(api, api.default_stage, path, "")


def _by_id(deployment: Deployment, api_id: str, path: str) -> ApiAddress | None:
    rest_api = deployment.rest.get(api_id)
    if rest_api is not None:
        return _on_rest(rest_api, path)
    http_api = deployment.http.get(api_id)
    if http_api is not None:
        return _on_http(http_api, path)
    return None


def _path_style(deployment: Deployment, path: str) -> ApiAddress | None:
    # /restapis/{apiId}/{stage}/_user_request_/{path}
    api_id, _, rest = path[len(_PATH_STYLE) :].partition("/")
    stage, _, user_path = rest.partition("/")
    if not user_path.startswith(_USER_REQUEST[1:]):
        return None
    user_path = user_path[len(_USER_REQUEST) - 1 :] or "/"
    return _by_id(deployment, api_id, f"/{stage}{user_path}")


def _on_domain(deployment: Deployment, domain: CompiledDomain, path: str) -> ApiAddress | None:
    """The mapping whose base path starts `path` (longest first); None when none does."""
    found = domain.match(path)
    if found is None:
        return None
    mapping, rest, prefix = found
    api = deployment.rest.get(mapping.api_id) or deployment.http.get(mapping.api_id)
    if api is None:
        return None
    if mapping.stage is None:  # REST: /{basePath}/{stage}/path
        name, rest_after = _first_segment(rest)
        stage = api.stages.get(name)
        prefix, rest = (prefix + "/" + name, rest_after) if stage is not None else (prefix, rest)
    else:
        stage = api.stages.get(mapping.stage)
    return ApiAddress(api, stage, rest, "", domain=domain, base_prefix=prefix)


def resolve_address(deployment: Deployment, host: str, path: str) -> ApiAddress | None:
    if deployment.domains:
        domain = deployment.domains.find(host)
        if domain is not None:
            return _on_domain(deployment, domain, path)
    mark = host.find(_HOST_MARK)
    if mark > 0:
        return _by_id(deployment, host[:mark], path)
    if path.startswith(_PATH_STYLE):
        return _path_style(deployment, path)
    root_rest = deployment.root_rest
    if root_rest is not None:
        name, _ = _first_segment(path)
        if name in root_rest.stages or deployment.root_http is None:
            return _on_rest(root_rest, path)
    if deployment.root_http is not None:
        return _on_http(deployment.root_http, path)
    return None
