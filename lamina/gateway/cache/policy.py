"""Which requests the stage cache serves, under which key, for how long: a `CachePlan` per
request, from the stage's settings and the method's cache key parameters.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-caching.html

- The stage must have its cache cluster enabled (cacheClusterEnabled); a canary request
  uses it only when the canary's useStageCache is set.
- A method's own methodSettings entry (`{resourcePath}/{httpMethod}`) decides for it;
  without one, the stage-wide `*/*` entry enables caching for GET requests only ("When you
  enable caching for a stage, only GET methods have caching enabled by default ... You can
  enable caching for other methods by overriding method settings").
- TTL: the setting's cacheTtlInSeconds (300 by default, at most 3600); 0 disables caching.
- Key: the cache namespace (the integration's cacheNamespace, by default the resource),
  the request's HTTP method and the values of the integration's cacheKeyParameters only.
  Path parameters are not part of the key unless listed (`/pets/1` and `/pets/2` share an
  entry otherwise, as on AWS), and other query strings and headers never are ("the
  response from GET /users?type=admin&department=A ... is used to serve GET
  /users?type=admin&department=B").
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import parse_qsl

import msgspec

from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.error import ApiKind
from lamina.gateway.events.v1 import V1Target
from lamina.gateway.model import Method, MethodCacheSetting, Stage

MAX_TTL_SECONDS = 3600
DEFAULT_CLUSTER_SIZE_GB = "0.5"
"""The smallest cache cluster (cacheClusterSize), what the console proposes.
https://docs.aws.amazon.com/apigateway/latest/api/API_CreateStage.html"""
_GIB = 1 << 30
_KEY_ENCODER = msgspec.json.Encoder()
_MAX_RULES = 10_000


class CachePlan:
    """How one request uses the stage cache; LookupCache makes it, StoreCache finishes it."""

    __slots__ = ("capacity", "encrypted", "hit", "key", "read", "stage", "ttl", "warn")

    def __init__(self, *, stage: str, key: str, ttl: int, encrypted: bool, capacity: int) -> None:
        self.stage = stage
        self.key = key
        self.ttl = ttl
        self.encrypted = encrypted
        self.capacity = capacity
        self.read = True
        """False: the client invalidates the entry (Cache-Control: max-age=0, authorized)."""
        self.warn = False
        """The response carries the warning that Cache-Control was ignored."""
        self.hit = False


def caches_anything(deployment: Deployment) -> bool:
    """Whether any stage of the deployment can cache (else the stages stay out of the path)."""
    return any(
        _stage_caches(stage)
        for compiled in deployment.rest.values()
        for stage in compiled.api.stages
    )


def _stage_caches(stage: Stage) -> bool:
    return stage.cache_cluster_enabled and any(
        setting.caching_enabled and setting.ttl_seconds > 0 for setting in stage.method_cache
    )


def method_setting(stage: Stage, resource_path: str, http_method: str) -> MethodCacheSetting | None:
    """The method's own entry, else the stage-wide one (`*/*`)."""
    fallback = None
    for setting in stage.method_cache:
        if setting.resource_path == resource_path and setting.http_method == http_method:
            return setting
        if setting.resource_path == "*" and setting.http_method == "*":
            fallback = setting
    return fallback


class _Rule(NamedTuple):
    """What a (stage, method, HTTP method) caches with, worked out once."""

    setting: MethodCacheSetting
    stage: str
    ttl: int
    capacity: int
    namespace: str
    parameters: tuple[tuple[str, str], ...]
    """(location, name): `literal` and the text, `path`, `querystring`, `header` (name
    lowered), `multivaluequerystring`, `multivalueheader`."""


class CachePolicy:
    """Plans requests; the rule of each stage and method is kept until the deployment
    that holds them is gone (held by identity, checked on every use)."""

    def __init__(self) -> None:
        self._rules: dict[tuple[int, int, str, str], tuple[Stage, Method, _Rule | None]] = {}

    def plan(self, ctx: RequestContext) -> tuple[CachePlan, MethodCacheSetting] | None:
        """The request's plan and the setting it follows, or None when it is not cached."""
        stage, method, target = ctx.stage, ctx.method, ctx.target
        if ctx.kind is not ApiKind.REST or stage is None or method is None:
            return None
        if not isinstance(target, V1Target) or not stage.cache_cluster_enabled:
            return None
        if ctx.canary and not _canary_uses_stage_cache(ctx.deployment, target.api_id, stage.name):
            return None
        http_method = ctx.request.method
        memo = (id(stage), id(method), target.resource_id, http_method)
        found = self._rules.get(memo)
        if found is None or found[0] is not stage or found[1] is not method:
            if len(self._rules) >= _MAX_RULES:  # deployments came and went: start again
                self._rules.clear()
            found = (stage, method, _rule(stage, method, target, http_method))
            self._rules[memo] = found
        rule = found[2]
        if rule is None:
            return None
        values = [_value(ctx, target, location, name) for location, name in rule.parameters]
        digest = hashlib.sha256(_KEY_ENCODER.encode([rule.namespace, http_method, values]))
        plan = CachePlan(
            stage=rule.stage,
            key=digest.hexdigest(),
            ttl=rule.ttl,
            encrypted=rule.setting.data_encrypted,
            capacity=rule.capacity,
        )
        return plan, rule.setting


def _rule(stage: Stage, method: Method, target: V1Target, http_method: str) -> _Rule | None:
    setting = method_setting(stage, target.resource_path, method.http_method)
    if setting is None or not setting.caching_enabled:
        return None
    if setting.resource_path == "*" and http_method != "GET":
        return None
    ttl = min(setting.ttl_seconds, MAX_TTL_SECONDS)
    if ttl <= 0:
        return None
    return _Rule(
        setting=setting,
        stage=f"{target.api_id}/{stage.name}",
        ttl=ttl,
        capacity=cluster_bytes(stage.cache_cluster_size),
        namespace=method.cache_namespace or target.resource_id,
        parameters=tuple(_parameter(text) for text in method.cache_key_parameters),
    )


def _parameter(text: str) -> tuple[str, str]:
    if text.startswith("'"):
        return "literal", text.strip("'")
    location, _, name = text.removeprefix("method.request.").partition(".")
    return location, name.lower() if location.endswith("header") else name


def _canary_uses_stage_cache(deployment: Deployment, api_id: str, stage_name: str) -> bool:
    """The canary's useStageCache (a canary request runs a copy of the stage without its
    canary settings, so they are read from the API's stage)."""
    compiled = deployment.rest.get(api_id)
    if compiled is None:
        return False
    for stage in compiled.api.stages:
        if stage.name == stage_name:
            return stage.canary is not None and stage.canary.use_stage_cache
    return False


def cluster_bytes(size: str | None) -> int:
    """A cacheClusterSize ("0.5", "1.6", ... "237" GB) in bytes."""
    try:
        gigabytes = float(size or DEFAULT_CLUSTER_SIZE_GB)
    except ValueError:
        gigabytes = float(DEFAULT_CLUSTER_SIZE_GB)
    return int(gigabytes * _GIB)


def _value(
    ctx: RequestContext, target: V1Target, location: str, name: str
) -> str | list[str] | None:
    """One key parameter's value (None: absent, which keys apart from an empty value)."""
    if location == "literal":
        return name
    if location == "path":
        return target.path_params.get(name)
    if location in ("querystring", "multivaluequerystring"):
        found = [v for k, v in _query_pairs(ctx.request.query_string) if k == name]
        return _pick(found, location == "querystring")
    if location in ("header", "multivalueheader"):
        found = [v for k, v in ctx.request.headers if k.lower() == name]
        return _pick(found, location == "header")
    return None


def _query_pairs(query: str) -> list[tuple[str, str]]:
    """The query's (name, value) pairs, decoded only when they need it."""
    if "%" in query or "+" in query:
        return parse_qsl(query, keep_blank_values=True)
    pairs = []
    for part in query.split("&"):
        if part:
            name, _, value = part.partition("=")
            pairs.append((name, value))
    return pairs


def _pick(values: Iterable[str], single: bool) -> str | list[str] | None:
    """The last value of a repeated parameter (as the proxy event's single-value maps
    keep it), or all of them for the multi-value locations."""
    found = list(values)
    if not found:
        return None
    return found[-1] if single else found
