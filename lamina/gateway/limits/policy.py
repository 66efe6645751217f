"""Access limits compiled per deployment into the lookups EnforceThrottle and MeterUsage make.

Which throttle applies where, in the order API Gateway applies them:
1. per client: the usage plan's throttle for the API key (a per-method override in the
   plan's API stage replaces it for that method);
2. per method: the stage's MethodSettings (REST) or route settings (HTTP APIs), one
   bucket per method or route; `/*` `*` (DefaultRouteSettings) is every method's default;
3. the account: one bucket for every API.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from lamina.gateway.limits.limiter import Bucket
from lamina.gateway.limits.model import (
    AccessLimits,
    ApiKey,
    MethodThrottle,
    Throttle,
    UsagePlan,
    account_throttle,
)
from lamina.gateway.model import HttpApi, RestApi, Stage

ALL = "*"
ALL_PATHS = "/*"


class ClientPlan:
    """A usage plan as one API stage sees it: the per-client throttle for each method."""

    __slots__ = ("_methods", "_throttle", "plan")

    def __init__(
        self, plan: UsagePlan, methods: dict[str, dict[str, Throttle]], account: Throttle
    ) -> None:
        self.plan = plan
        self._methods = methods
        """resource path (or `/*`) -> method (or `*`) -> throttle: the plan's overrides."""
        self._throttle = None if plan.throttle is None else plan.throttle.resolve(account)

    def bucket(self, key_id: str, resource_path: str, http_method: str) -> Bucket | None:
        """The per-client bucket of API key `key_id` for this method, if any throttle.
        An override (exact, or with `/*` / `*`) gives the method a bucket of its own."""
        throttle = self._override(resource_path, http_method)
        if throttle is not None:
            key = f"client/{self.plan.id}/{key_id}/{http_method}{resource_path}"
            return Bucket(key, throttle)
        if self._throttle is None:
            return None
        return Bucket(f"client/{self.plan.id}/{key_id}", self._throttle)

    def _override(self, resource_path: str, http_method: str) -> Throttle | None:
        if not self._methods:
            return None
        for path in (resource_path, ALL_PATHS):
            methods = self._methods.get(path)
            if methods is not None:
                found = methods.get(http_method) or methods.get(ALL)
                if found is not None:
                    return found
        return None


def _served(api: RestApi | HttpApi, stage: Stage) -> tuple[RestApi | HttpApi, ...]:
    own = stage.definition or api
    canary = stage.canary.definition if stage.canary is not None else None
    return (own,) if canary is None else (own, canary)


class StageLimits:
    """The limits of one API stage."""

    __slots__ = ("methods", "plans_by_key")

    def __init__(self) -> None:
        self.methods: dict[str, dict[str, Bucket]] = {}
        """REST: resource path -> HTTP method -> bucket. HTTP APIs: route key -> {"*": bucket}."""
        self.plans_by_key: dict[str, ClientPlan] = {}
        """API key id -> the usage plan that admits it to this stage."""


class CompiledLimits:
    def __init__(
        self,
        limits: AccessLimits,
        rest_apis: Iterable[RestApi],
        http_apis: Iterable[HttpApi],
        *,
        account_id: str,
        region: str,
    ) -> None:
        # An unset stage, method or plan limit is the account's in effect (the Region's
        # default, or `lamina up --account-throttle`), resolved here once.
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-request-throttling.html
        self._account = limits.account or account_throttle(region)
        self.account = Bucket(f"account/{account_id}/{region}", self._account)
        self.keys_by_value: dict[str, ApiKey] = {key.value: key for key in limits.api_keys}
        self.plans = {plan.id: plan for plan in limits.usage_plans}
        self._stages: dict[str, dict[str, StageLimits]] = {}
        settings = {(s.api_id, s.stage): s.settings for s in limits.stage_throttles}
        # A stage's method settings apply to the resources / routes of what it serves:
        # its own deployment (and its canary's) when it has one, else the API's.
        for api in rest_apis:
            for stage in api.stages:
                found = settings.get((api.id, stage.name), ())
                for served in _served(api, stage):
                    if isinstance(served, RestApi):
                        self._rest_methods(served, stage.name, found)
        for http_api in http_apis:
            for stage in http_api.stages:
                found = settings.get((http_api.id, stage.name), ())
                for served in _served(http_api, stage):
                    if isinstance(served, HttpApi):
                        self._http_routes(served, stage.name, found)
        for plan in limits.usage_plans:
            self._bind(plan)
        self.per_stage = bool(self._stages)
        """Whether any API stage has a throttle or a usage plan (else only the account's
        bucket applies, to every request)."""

    def stage(self, api_id: str, stage: str) -> StageLimits | None:
        stages = self._stages.get(api_id)
        return None if stages is None else stages.get(stage)

    def _stage(self, api_id: str, stage: str) -> StageLimits:
        return self._stages.setdefault(api_id, {}).setdefault(stage, StageLimits())

    def _rest_methods(self, api: RestApi, stage: str, settings: tuple[MethodThrottle, ...]) -> None:
        if not settings:
            return
        compiled = self._stage(api.id, stage)
        for resource in api.resources:
            for http_method in resource.methods:
                throttle = method_throttle(settings, resource.path, http_method)
                if throttle is not None:
                    key = f"method/{api.id}/{stage}/{http_method}{resource.path}"
                    compiled.methods.setdefault(resource.path, {})[http_method] = Bucket(
                        key, throttle.resolve(self._account)
                    )

    def _http_routes(self, api: HttpApi, stage: str, settings: tuple[MethodThrottle, ...]) -> None:
        if not settings:
            return
        compiled = self._stage(api.id, stage)
        for route in api.routes:
            throttle = method_throttle(settings, route.route_key, ALL)
            if throttle is not None:
                key = f"route/{api.id}/{stage}/{route.route_key}"
                compiled.methods[route.route_key] = {
                    ALL: Bucket(key, throttle.resolve(self._account))
                }

    def _bind(self, plan: UsagePlan) -> None:
        for plan_stage in plan.stages:
            compiled = self._stage(plan_stage.api_id, plan_stage.stage)
            client = ClientPlan(
                plan, _overrides(plan_stage.method_throttles, self._account), self._account
            )
            for key_id in plan.key_ids:
                # A key belongs to at most one plan per API stage (CreateUsagePlanKey refuses
                # a second); the first plan read wins.
                compiled.plans_by_key.setdefault(key_id, client)


def method_throttle(
    settings: Iterable[MethodThrottle], resource_path: str, http_method: str
) -> Throttle | None:
    """The most specific setting for the method: exact, then any method of the path, then
    the method on any path, then `/*` `*`."""
    best: tuple[int, Throttle] | None = None
    for setting in settings:
        rank = _rank(setting, resource_path, http_method)
        if rank is not None and (best is None or rank < best[0]):
            best = (rank, setting.throttle)
    return None if best is None else best[1]


def _rank(setting: MethodThrottle, resource_path: str, http_method: str) -> int | None:
    path_exact = setting.resource_path == resource_path
    path_any = setting.resource_path in (ALL_PATHS, ALL)
    method_exact = setting.http_method == http_method
    method_any = setting.http_method == ALL
    if path_exact and method_exact:
        return 0
    if path_exact and method_any:
        return 1
    if path_any and method_exact:
        return 2
    if path_any and method_any:
        return 3
    return None


def _overrides(
    method_throttles: Mapping[str, Throttle], account: Throttle
) -> dict[str, dict[str, Throttle]]:
    """A plan stage's `{resourcePath}/{httpMethod}` overrides by path and method."""
    found: dict[str, dict[str, Throttle]] = {}
    for name, throttle in method_throttles.items():
        path, _, method = name.rpartition("/")
        found.setdefault(path or "/", {})[method.upper()] = throttle.resolve(account)
    return found
