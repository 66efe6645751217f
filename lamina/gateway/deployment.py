"""A deployment: the APIs compiled once for the data plane and swapped in atomically.

The hot path only reads these frozen objects; nothing here touches storage.
"""

from __future__ import annotations

from lamina.gateway.domain import CustomDomain, DomainTable
from lamina.gateway.events.common import matches_media_type, media_type_patterns
from lamina.gateway.integrations.mock import precompile_templates
from lamina.gateway.limits.model import AccessLimits
from lamina.gateway.limits.policy import CompiledLimits
from lamina.gateway.model import HttpApi, RestApi, Stage
from lamina.gateway.routing.http import HttpRouter
from lamina.gateway.routing.rest import RestRouter


class CompiledRestApi:
    __slots__ = ("_binary_patterns", "api", "authorizers", "router", "stages")

    def __init__(self, api: RestApi) -> None:
        self.api = api
        self.router = RestRouter(api)
        self.stages = {stage.name: stage for stage in api.stages}
        self.authorizers = {authorizer.id: authorizer for authorizer in api.authorizers}
        self._binary_patterns = media_type_patterns(api.binary_media_types)
        precompile_templates(api)  # mapping templates are parsed per deployment, not per request

    def is_binary(self, content_type: str) -> bool:
        """`content_type` is a lowercased media type (events.common.media_type)."""
        return matches_media_type(content_type, self._binary_patterns)


class CompiledHttpApi:
    __slots__ = ("api", "authorizers", "router", "stages")

    def __init__(self, api: HttpApi) -> None:
        self.api = api
        self.router = HttpRouter(api)
        self.stages = {stage.name: stage for stage in api.stages}
        self.authorizers = {authorizer.id: authorizer for authorizer in api.authorizers}

    @property
    def default_stage(self) -> Stage | None:
        return self.stages.get("$default")


class Deployment:
    """Every API the gateway serves, by id, plus the ones also served at the root URL."""

    def __init__(
        self,
        rest_apis: tuple[RestApi, ...],
        http_apis: tuple[HttpApi, ...],
        *,
        account_id: str,
        region: str,
        limits: AccessLimits | None = None,
        domains: tuple[CustomDomain, ...] = (),
    ) -> None:
        self.account_id = account_id
        self.region = region
        self.rest = {api.id: CompiledRestApi(api) for api in rest_apis}
        self.http = {api.id: CompiledHttpApi(api) for api in http_apis}
        # At the root URL we serve one REST API (/{stage}/path) and one HTTP API (/path)
        # when the template has exactly one of that kind.
        self.root_rest = next(iter(self.rest.values())) if len(self.rest) == 1 else None
        self.root_http = next(iter(self.http.values())) if len(self.http) == 1 else None
        self.domains = DomainTable(domains)
        """Custom domain names, matched on the Host header (gateway/address.py)."""
        # API keys, usage plans and throttle settings, compiled for the MeterUsage stage.
        self.limits = CompiledLimits(
            limits or AccessLimits(),
            rest_apis,
            http_apis,
            account_id=account_id,
            region=region,
        )
