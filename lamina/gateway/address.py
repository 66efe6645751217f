"""Which API, stage and path a request is for, from its Host and path.

URL forms (DESIGN.md): host-style `{apiId}.execute-api.localhost/{stage}/path`, path-style
`/restapis/{apiId}/{stage}/_user_request_/path`, the root form for the one REST API
(`/{stage}/path`) and the one HTTP API (`/path` on `$default`), and custom domain names
(the Host names a domain; its base path mappings pick the API and stage).

Through an interface VPC endpoint for execute-api (private REST APIs, gateway/private.py):
`{apiId}-{vpceId}.execute-api.localhost` (the Route 53 alias AWS makes for an endpoint
associated with the API) and `{vpceId}.execute-api.vpce.localhost` with the API id in an
`x-apigw-api-id` header (the endpoint's own DNS name).
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-private-api-test-invoke-url.html
"""

from __future__ import annotations

from collections.abc import Callable

from lamina.gateway.deployment import CompiledHttpApi, CompiledRestApi, Deployment
from lamina.gateway.domain import CompiledDomain
from lamina.gateway.model import Stage, VpcEndpoint

_HOST_MARK = ".execute-api."
_PATH_STYLE = "/restapis/"
_USER_REQUEST = "/_user_request_"
_VPCE = "vpce-"
_ALIAS_MARK = "-vpce-"
API_ID_HEADER = "x-apigw-api-id"

Header = Callable[[str], "str | None"]
"""A request's header lookup (GatewayRequest.header)."""


class ApiAddress:
    __slots__ = ("api", "base_prefix", "domain", "endpoint", "path", "stage", "stage_prefix")

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
        self.endpoint: VpcEndpoint | None = None
        """The VPC endpoint the request came through (its host name named one)."""


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


def _through_endpoint(
    deployment: Deployment, name: str, path: str, header: Header | None
) -> ApiAddress | None:
    """`name` (the host's first label) names a VPC endpoint: `{vpceId}` with the API in
    x-apigw-api-id, or `{apiId}-{vpceId}`, which exists only for a private API the endpoint
    is associated with (VpcEndpointIds). None: no such endpoint, or no API named."""
    if name.startswith(_VPCE):
        endpoint = deployment.vpc_endpoints.get(name)
        api_id = header(API_ID_HEADER) if header is not None else None
    else:
        api_id, _, rest = name.partition(_ALIAS_MARK)
        endpoint = deployment.vpc_endpoints.get(_VPCE + rest)
        api = deployment.rest.get(api_id)
        if endpoint is None or api is None or endpoint.id not in api.api.vpc_endpoint_ids:
            return None
    if endpoint is None or not api_id:
        return None
    address = _by_id(deployment, api_id, path)
    if address is not None:
        address.endpoint = endpoint
    return address


def resolve_address(
    deployment: Deployment, host: str, path: str, header: Header | None = None
) -> ApiAddress | None:
    """`header`: the request's header lookup, read only for a VPC endpoint's own host name."""
    if deployment.domains:
        domain = deployment.domains.find(host)
        if domain is not None:
            return _on_domain(deployment, domain, path)
    mark = host.find(_HOST_MARK)
    if mark > 0:
        name = host[:mark]
        if deployment.vpc_endpoints and _VPCE in name:
            return _through_endpoint(deployment, name, path, header)
        return _by_id(deployment, name, path)
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
