"""What the management APIs say about access and addresses, for the data plane: API keys,
usage plans and stage throttles (AccessLimits), from the records' AWS shapes (GetUsagePlan,
GetApiKey, GetStage outputs), and `merge_domains` to join the template's custom domains with
the management APIs' (compiled by config/apigateway_domains.py).

The template's own limits and domains come from lamina.config (usage_plan.py, domain.py);
`merge_limits` lays the management API's over them: a key or plan id the API holds
replaces the template's of that id, and a stage whose method settings the API holds
takes its throttles from there.
https://docs.aws.amazon.com/apigateway/latest/api/API_UsagePlan.html
https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, cast

import msgspec

from lamina.config.error import ConfigError
from lamina.config.stage_cache import unescape_method_path
from lamina.gateway.domain import CustomDomain
from lamina.gateway.limits.model import (
    AccessLimits,
    ApiKey,
    MethodThrottle,
    PlanStage,
    Quota,
    StageThrottle,
    Throttle,
    UsagePlan,
)

Record = Mapping[str, Any]


def compile_plans(plans: Iterable[tuple[Record, Sequence[Record]]]) -> AccessLimits:
    """Usage plans (GetUsagePlan) each with the keys attached (GetApiKey includeValue)."""
    keys: dict[str, ApiKey] = {}
    built = []
    for plan, plan_keys in plans:
        for key in plan_keys:
            keys[str(key["id"])] = ApiKey(
                id=str(key["id"]),
                name=str(key.get("name") or key["id"]),
                value=str(key["value"]),
                enabled=bool(key.get("enabled", False)),
                stage_keys=tuple(
                    cast(tuple[str, str], tuple(text.split("/", 1)))
                    for text in key.get("stageKeys") or ()
                    if "/" in text
                ),
            )
        built.append(
            UsagePlan(
                id=str(plan["id"]),
                name=str(plan.get("name") or plan["id"]),
                stages=tuple(_plan_stage(stage) for stage in plan.get("apiStages") or ()),
                throttle=_throttle(plan.get("throttle"), "rateLimit", "burstLimit"),
                quota=_quota(plan.get("quota")),
                key_ids=tuple(str(key["id"]) for key in plan_keys),
            )
        )
    return AccessLimits(api_keys=tuple(keys.values()), usage_plans=tuple(built))


def rest_stage_throttles(api_id: str, stages: Iterable[Record]) -> list[StageThrottle]:
    """GetStage outputs' methodSettings, keyed `{resourcePath}/{httpMethod}` with `/` in
    the path written `~1` ("*/*" for every method)."""
    found = []
    for stage in stages:
        settings = []
        for key, setting in (stage.get("methodSettings") or {}).items():
            path, _, method = str(key).rpartition("/")
            throttle = _throttle(setting, "throttlingRateLimit", "throttlingBurstLimit")
            if throttle is None:
                continue
            resource = "/*" if path == "*" else "/" + unescape_method_path(path).lstrip("/")
            settings.append(
                MethodThrottle(
                    resource_path=resource, http_method=method.upper(), throttle=throttle
                )
            )
        if settings:
            found.append(
                StageThrottle(
                    api_id=api_id, stage=str(stage["stageName"]), settings=tuple(settings)
                )
            )
    return found


def http_stage_throttles(api_id: str, stages: Iterable[Record]) -> list[StageThrottle]:
    """HTTP API stages (GetStage of apigatewayv2): DefaultRouteSettings, RouteSettings."""
    found = []
    for stage in stages:
        settings = []
        default = _throttle(
            stage.get("DefaultRouteSettings"), "ThrottlingRateLimit", "ThrottlingBurstLimit"
        )
        if default is not None:
            settings.append(MethodThrottle(resource_path="*", http_method="*", throttle=default))
        for route_key, setting in (stage.get("RouteSettings") or {}).items():
            throttle = _throttle(setting, "ThrottlingRateLimit", "ThrottlingBurstLimit")
            if throttle is not None:
                settings.append(
                    MethodThrottle(resource_path=str(route_key), http_method="*", throttle=throttle)
                )
        if settings:
            found.append(
                StageThrottle(
                    api_id=api_id, stage=str(stage["StageName"]), settings=tuple(settings)
                )
            )
    return found


def merge_limits(
    template: AccessLimits, managed: AccessLimits, throttles: Sequence[StageThrottle]
) -> AccessLimits:
    """The template's limits with the management API's laid over them (same ids win)."""
    keys = {key.id: key for key in template.api_keys} | {key.id: key for key in managed.api_keys}
    plans = {plan.id: plan for plan in template.usage_plans}
    plans |= {plan.id: plan for plan in managed.usage_plans}
    stages = {(s.api_id, s.stage): s for s in template.stage_throttles}
    stages |= {(s.api_id, s.stage): s for s in throttles}
    return AccessLimits(
        api_keys=tuple(keys.values()),
        usage_plans=tuple(plans.values()),
        stage_throttles=tuple(stages.values()),
        account=template.account,
    )


def merge_domains(*groups: Iterable[CustomDomain]) -> tuple[CustomDomain, ...]:
    """One domain per name, as AWS has one domain-name resource that REST base path
    mappings and HTTP API mappings share: mappings of a name are joined, a later group's
    mapping of the same base path replacing an earlier one's (the template's first)."""
    merged: dict[str, CustomDomain] = {}
    for group in groups:
        for domain in group:
            known = merged.get(domain.name)
            if known is None:
                merged[domain.name] = domain
                continue
            paths = {m.base_path: m for m in known.mappings} | {
                m.base_path: m for m in domain.mappings
            }
            merged[domain.name] = msgspec.structs.replace(
                known,
                mappings=tuple(paths.values()),
                mutual_tls=known.mutual_tls or domain.mutual_tls,
            )
    return tuple(merged.values())


def _plan_stage(stage: Record) -> PlanStage:
    throttles: dict[str, Throttle] = {}
    for key, setting in (stage.get("throttle") or {}).items():
        throttle = _throttle(setting, "rateLimit", "burstLimit")
        if throttle is not None:
            throttles[str(key)] = throttle
    return PlanStage(
        api_id=str(stage["apiId"]), stage=str(stage["stage"]), method_throttles=throttles
    )


def _throttle(spec: object, rate_name: str, burst_name: str) -> Throttle | None:
    """None when neither limit is set; an unset one is UNSET (the account's applies)."""
    if not isinstance(spec, Mapping):
        return None
    rate, burst = spec.get(rate_name), spec.get(burst_name)
    if rate is None and burst is None:
        return None
    return Throttle.partial(
        None if rate is None else float(rate), None if burst is None else float(burst)
    )


def _quota(spec: object) -> Quota | None:
    if not isinstance(spec, Mapping) or spec.get("limit") is None:
        return None
    period = str(spec.get("period") or "").upper()
    if period not in ("DAY", "WEEK", "MONTH"):
        raise ConfigError(f"usage plan quota period {spec.get('period')!r}")
    return Quota(
        limit=int(spec["limit"]),
        period=cast(Literal["DAY", "WEEK", "MONTH"], period),
        offset=int(spec.get("offset") or 0),
    )
