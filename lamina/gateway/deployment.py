"""A deployment: the APIs compiled once for the data plane and swapped in atomically.

The hot path only reads these frozen objects; nothing here touches storage.

A stage may serve its own deployment of the API (`Stage.definition`, e.g. dev and prod of
one REST API on different control-plane deployments) and split its traffic with a canary
(`Stage.canary`). Each distinct definition is compiled once per Deployment; an API whose
stages all serve the API's own definition has no `serving` table and routes as before.
https://docs.aws.amazon.com/apigateway/latest/developerguide/canary-release.html
"""

from __future__ import annotations

import random
from collections.abc import Callable, Set

import msgspec

from lamina.gateway.domain import CustomDomain, DomainTable
from lamina.gateway.events.common import matches_media_type, media_type_patterns
from lamina.gateway.integrations.mock import precompile_templates
from lamina.gateway.limits.model import AccessLimits
from lamina.gateway.limits.policy import CompiledLimits
from lamina.gateway.model import HttpApi, RestApi, Stage, VpcEndpoint
from lamina.gateway.routing.http import HttpRouter
from lamina.gateway.routing.rest import RestRouter


class CompiledRestApi:
    __slots__ = ("_binary_patterns", "api", "authorizers", "private", "router", "serving", "stages")

    def __init__(self, api: RestApi, definitions: Definitions | None = None) -> None:
        self.api = api
        self.private = api.private
        """Reached only through a VPC endpoint (gateway/private.py)."""
        self.router = RestRouter(api)
        self.stages = {stage.name: stage for stage in api.stages}
        self.authorizers = {authorizer.id: authorizer for authorizer in api.authorizers}
        self._binary_patterns = media_type_patterns(api.binary_media_types)
        precompile_templates(api)  # mapping templates are parsed per deployment, not per request
        self.serving = _serving(self, definitions)
        """Stage name -> how it is served, for stages with their own deployment or a
        canary; None when every stage serves `api` itself (templates: the usual case).
        `definitions` compiles the stages' definitions (Deployment passes one for all its
        APIs); without it the stages' definitions are not served."""

    def is_binary(self, content_type: str) -> bool:
        """`content_type` is a lowercased media type (events.common.media_type)."""
        return matches_media_type(content_type, self._binary_patterns)


class CompiledHttpApi:
    __slots__ = ("api", "authorizers", "router", "serving", "stages")
    private = False
    """HTTP APIs have no private endpoint type."""

    def __init__(self, api: HttpApi, definitions: Definitions | None = None) -> None:
        self.api = api
        self.router = HttpRouter(api)
        self.stages = {stage.name: stage for stage in api.stages}
        self.authorizers = {authorizer.id: authorizer for authorizer in api.authorizers}
        self.serving = _serving(self, definitions)
        """As CompiledRestApi.serving."""

    @property
    def default_stage(self) -> Stage | None:
        return self.stages.get("$default")


CompiledApi = CompiledRestApi | CompiledHttpApi


class StageServing:
    """What serves one stage's requests: the stage's own definition, and for a share of
    them its canary's, with the canary's stage variable overrides over the stage's.
    The canary keeps the stage's name: its events say `requestContext.stage` = the stage,
    as AWS's do."""

    __slots__ = ("api", "canary_api", "canary_share", "canary_stage", "has_canary", "stage")

    def __init__(
        self,
        api: CompiledApi,
        stage: Stage,
        canary: tuple[CompiledApi, Stage, float] | None = None,
    ) -> None:
        self.api = api
        self.stage = stage
        self.has_canary = canary is not None
        self.canary_api, self.canary_stage, self.canary_share = canary or (api, stage, 0.0)
        """`canary_share`: the probability (0.0 to 1.0) that a request runs the canary."""

    def pick(self, draw: Callable[[], float]) -> tuple[CompiledApi, Stage]:
        """The API and stage one request runs; `draw()` is uniform on [0, 1)."""
        # percentTraffic 0 never draws the canary, 100 always does (draw() < 1.0).
        if self.canary_share > 0.0 and draw() < self.canary_share:
            return self.canary_api, self.canary_stage
        return self.api, self.stage


class Definitions:
    """Compiles each distinct definition (by value, its `stages` aside) once for one
    Deployment: stages, or a stage and its canary, on equal deployments share it."""

    def __init__(self) -> None:
        self._compiled: dict[bytes, CompiledApi] = {}
        self._made: list[CompiledApi] = []

    def register(self, own: CompiledApi) -> None:
        """A stage definition equal to the API's own reuses the API's compilation."""
        self._compiled.setdefault(_key(own.api), own)

    def compile(self, own: CompiledApi, definition: RestApi | HttpApi | None) -> CompiledApi:
        if definition is None or definition is own.api:
            return own
        if type(definition) is not type(own.api):
            raise ValueError(
                f"API {own.api.id}: a stage of a {type(own.api).__name__} cannot serve "
                f"a {type(definition).__name__}"
            )
        if definition.id != own.api.id:
            raise ValueError(f"API {own.api.id}: a stage serves a definition of {definition.id}")
        key = _key(definition)
        found = self._compiled.get(key)
        if found is None:
            if isinstance(definition, RestApi):
                found = CompiledRestApi(definition)
            else:
                found = CompiledHttpApi(definition)
            self._compiled[key] = found
            self._made.append(found)
        return found

    def made(self) -> tuple[CompiledApi, ...]:
        """The definitions compiled here (not the APIs' own)."""
        return tuple(self._made)


def _key(definition: RestApi | HttpApi) -> bytes:
    """Equal definitions have equal keys; stages are not part of what a stage serves."""
    return msgspec.msgpack.encode(msgspec.structs.replace(definition, stages=()))


def _serving(own: CompiledApi, definitions: Definitions | None) -> dict[str, StageServing] | None:
    """`definitions` None: `own` is itself a stage's definition, served under the stages
    of the API it was deployed from (its own `stages` are not looked at)."""
    if definitions is None:
        return None
    stages = [s for s in own.api.stages if s.definition is not None or s.canary is not None]
    if not stages:
        return None
    definitions.register(own)
    serving = {}
    for stage in stages:
        api = definitions.compile(own, stage.definition)
        canary = None
        if stage.canary is None and api is own:
            continue  # its deployment is the API's own: nothing to switch per request
        if stage.canary is not None:
            canary_api = definitions.compile(api, stage.canary.definition)
            canary_stage = msgspec.structs.replace(
                stage,
                variables={**stage.variables, **stage.canary.variable_overrides},
                canary=None,
            )
            canary = (canary_api, canary_stage, stage.canary.percent_traffic / 100.0)
        serving[stage.name] = StageServing(api, stage, canary)
    return serving or None


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
        canary_draw: Callable[[], float] = random.random,
        root_candidates: Set[str] | None = None,
        vpc_endpoints: tuple[VpcEndpoint, ...] = (),
    ) -> None:
        self.account_id = account_id
        self.vpc_endpoints = {endpoint.id: endpoint for endpoint in vpc_endpoints}
        """Interface VPC endpoints for execute-api by id: private REST APIs are reached
        through them (gateway/address.py, gateway/private.py). An endpoint an API names in
        vpcEndpointIds (e.g. one made through the management API) is known too, its VPC not."""
        for api in rest_apis:
            for endpoint_id in api.vpc_endpoint_ids:
                self.vpc_endpoints.setdefault(endpoint_id, VpcEndpoint(id=endpoint_id))
        self.region = region
        definitions = Definitions()
        self.rest = {api.id: CompiledRestApi(api, definitions) for api in rest_apis}
        self.http = {api.id: CompiledHttpApi(api, definitions) for api in http_apis}
        served = definitions.made()
        self.rest_definitions: tuple[RestApi, ...] = (
            *rest_apis,
            *(c.api for c in served if isinstance(c, CompiledRestApi)),
        )
        """Every REST API definition some stage serves (the APIs' own and the stages')."""
        self.http_definitions: tuple[HttpApi, ...] = (
            *http_apis,
            *(c.api for c in served if isinstance(c, CompiledHttpApi)),
        )
        self.canary_draw = canary_draw
        """Uniform on [0, 1): decides whether a request of a stage with a canary runs it
        (random.random; tests pass a seeded generator's)."""
        # At the root URL we serve one REST API (/{stage}/path) and one HTTP API (/path)
        # when the template has exactly one of that kind; `root_candidates` names the
        # template's APIs (None: every API), so an API made through the management API
        # later does not take the template's off the root.
        rest_roots = [
            a for i, a in self.rest.items() if root_candidates is None or i in root_candidates
        ]
        http_roots = [
            a for i, a in self.http.items() if root_candidates is None or i in root_candidates
        ]
        self.root_rest = rest_roots[0] if len(rest_roots) == 1 else None
        self.root_http = http_roots[0] if len(http_roots) == 1 else None
        self.domains = DomainTable(domains)
        """Custom domain names, matched on the Host header (gateway/address.py)."""
        # API keys, usage plans and throttle settings, compiled for the EnforceThrottle and
        # MeterUsage stages.
        self.limits = CompiledLimits(
            limits or AccessLimits(),
            rest_apis,
            http_apis,
            account_id=account_id,
            region=region,
        )
