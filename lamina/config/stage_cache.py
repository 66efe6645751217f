"""The stage cache's configuration (G7), from templates and from the management API's
records, into the gateway model's Stage (cacheClusterEnabled, cacheClusterSize, the caching
part of methodSettings) and Method (cacheKeyParameters, cacheNamespace) fields.

Templates: AWS::ApiGateway::Stage `CacheClusterEnabled`, `CacheClusterSize`,
`MethodSettings[].CachingEnabled / CacheTtlInSeconds / CacheDataEncrypted` (SAM's
AWS::Serverless::Api properties of the same names become these), a Deployment's
`StageDescription` (its top-level Caching* apply to every method, `/*` `*`), and the
integration's `CacheKeyParameters` / `CacheNamespace` (x-amazon-apigateway-integration
`cacheKeyParameters` / `cacheNamespace`).
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-stage-methodsetting.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-deployment-stagedescription.html
Records: GetStage's methodSettings keyed `{resourcePath}/{httpMethod}` (`/` in the path
written `~1`, `*/*` for every method), GetIntegration's cacheKeyParameters.
https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, cast

import msgspec

from lamina.config.error import ConfigError
from lamina.config.stack import Stack
from lamina.gateway.model import MethodCacheSetting, Stage

Strategy = Literal[
    "FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER", "SUCCEED_WITHOUT_RESPONSE_HEADER"
]
_STRATEGIES = ("FAIL_WITH_403", "SUCCEED_WITH_RESPONSE_HEADER", "SUCCEED_WITHOUT_RESPONSE_HEADER")
_CACHING_PROPERTIES = ("CachingEnabled", "CacheTtlInSeconds", "CacheDataEncrypted")
MAX_TTL_SECONDS = 3600


def with_stage_cache(stack: Stack, stages: dict[str, Stage], api_id: str) -> dict[str, Stage]:
    """`stages` with the cache settings of their Stage resources and of the Deployment
    whose StageName made them."""
    for resource in stack.of_api("AWS::ApiGateway::Stage", api_id, key="RestApiId"):
        with stack.blame(resource.logical_id):
            name = stack.text(resource, "StageName")
            if name in stages:
                stages[name] = _cached(
                    stages[name],
                    stack.prop(resource, "CacheClusterEnabled"),
                    stack.prop(resource, "CacheClusterSize"),
                    _template_settings(stack.prop(resource, "MethodSettings")),
                )
    for resource in stack.of_api("AWS::ApiGateway::Deployment", api_id, key="RestApiId"):
        with stack.blame(resource.logical_id):
            description = stack.prop(resource, "StageDescription")
            named = stack.prop(resource, "StageName")
            if not isinstance(description, dict) or not isinstance(named, str):
                continue
            settings = _template_settings(description.get("MethodSettings"))
            if any(prop in description for prop in _CACHING_PROPERTIES):
                settings = (_template_setting(description, "/*", "*"), *settings)
            if named in stages:
                stages[named] = _cached(
                    stages[named],
                    description.get("CacheClusterEnabled"),
                    description.get("CacheClusterSize"),
                    settings,
                )
    return stages


def _cached(
    stage: Stage, enabled: object, size: object, settings: tuple[MethodCacheSetting, ...]
) -> Stage:
    return msgspec.structs.replace(
        stage,
        cache_cluster_enabled=_flag(enabled, False),
        cache_cluster_size=None if size in (None, "") else str(size),
        method_cache=settings,
    )


def _template_settings(entries: object) -> tuple[MethodCacheSetting, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise ConfigError("MethodSettings must be a list of mappings")
    return tuple(
        _template_setting(entry, str(entry.get("ResourcePath", "/*")), entry.get("HttpMethod"))
        for entry in entries
        if any(prop in entry for prop in _CACHING_PROPERTIES)
    )


def unescape_method_path(path: str) -> str:
    """MethodSettings keys write `/` inside a resource path as `~1` and `~` as `~0`.

    https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateStage.html
    """
    return path.replace("~1", "/").replace("~0", "~")


def _template_setting(spec: Mapping[str, Any], path: str, method: object) -> MethodCacheSetting:
    unescaped = unescape_method_path(path)
    resource = "*" if unescaped in ("/*", "*") else "/" + unescaped.lstrip("/")
    return _setting(
        resource,
        str(method or "*").upper(),
        enabled=spec.get("CachingEnabled"),
        ttl=spec.get("CacheTtlInSeconds"),
        encrypted=spec.get("CacheDataEncrypted"),
        require_authorization=None,
        strategy=None,
    )


def record_stage_cache(record: Mapping[str, Any]) -> dict[str, Any]:
    """The Stage fields of a GetStage record."""
    settings = []
    for key, spec in (record.get("methodSettings") or {}).items():
        if not isinstance(spec, Mapping):
            continue
        path, _, method = str(key).rpartition("/")
        unescaped = unescape_method_path(path)
        resource = "*" if unescaped == "*" else "/" + unescaped.lstrip("/")
        settings.append(
            _setting(
                resource,
                method.upper() or "*",
                enabled=spec.get("cachingEnabled"),
                ttl=spec.get("cacheTtlInSeconds"),
                encrypted=spec.get("cacheDataEncrypted"),
                require_authorization=spec.get("requireAuthorizationForCacheControl"),
                strategy=spec.get("unauthorizedCacheControlHeaderStrategy"),
                strict=False,
            )
        )
    size = record.get("cacheClusterSize")
    return {
        "cache_cluster_enabled": _flag(record.get("cacheClusterEnabled"), False),
        "cache_cluster_size": None if size in (None, "") else str(size),
        "method_cache": tuple(settings),
    }


def render_stage_cache(stage: Stage) -> dict[str, Any]:
    """The GetStage members of `stage`'s cache settings (inverse of record_stage_cache)."""
    record: dict[str, Any] = {
        "cacheClusterEnabled": stage.cache_cluster_enabled,
        "cacheClusterStatus": "AVAILABLE" if stage.cache_cluster_enabled else "NOT_AVAILABLE",
        "methodSettings": {
            _setting_key(setting): {
                "cachingEnabled": setting.caching_enabled,
                "cacheTtlInSeconds": setting.ttl_seconds,
                "cacheDataEncrypted": setting.data_encrypted,
                "requireAuthorizationForCacheControl": (
                    setting.require_authorization_for_cache_control
                ),
                "unauthorizedCacheControlHeaderStrategy": setting.unauthorized_strategy,
            }
            for setting in stage.method_cache
        },
    }
    if stage.cache_cluster_size is not None:
        record["cacheClusterSize"] = stage.cache_cluster_size
    return record


def _setting_key(setting: MethodCacheSetting) -> str:
    if setting.resource_path == "*":
        return f"*/{setting.http_method}"
    escaped = setting.resource_path.lstrip("/").replace("~", "~0").replace("/", "~1")
    return f"~1{escaped}/{setting.http_method}" if escaped else f"~1/{setting.http_method}"


def _setting(
    resource: str,
    method: str,
    *,
    enabled: object,
    ttl: object,
    encrypted: object,
    require_authorization: object,
    strategy: object,
    strict: bool = True,
) -> MethodCacheSetting:
    """`strict` (templates): a value AWS would refuse is a ConfigError; a stored record's is
    brought into range (it must not stop the API from being served)."""
    seconds = _ttl(ttl) if strict else max(0, min(_number(ttl, 300), MAX_TTL_SECONDS))
    chosen = str(strategy) if strategy is not None else "SUCCEED_WITH_RESPONSE_HEADER"
    if chosen not in _STRATEGIES and not strict:
        chosen = "SUCCEED_WITH_RESPONSE_HEADER"
    if chosen not in _STRATEGIES:
        raise ConfigError(
            f"unauthorizedCacheControlHeaderStrategy {chosen!r} is not one of "
            + ", ".join(_STRATEGIES)
        )
    return MethodCacheSetting(
        resource_path=resource,
        http_method=method,
        caching_enabled=_flag(enabled, False),
        ttl_seconds=seconds,
        data_encrypted=_flag(encrypted, False),
        require_authorization_for_cache_control=_flag(require_authorization, True),
        unauthorized_strategy=cast(Strategy, chosen),
    )


def _ttl(value: object) -> int:
    """cacheTtlInSeconds: 300 by default, 0 (caching off) to 3600."""
    if value is None or value == "":
        return 300
    try:
        seconds = int(str(value))
    except ValueError:
        raise ConfigError(f"CacheTtlInSeconds {value!r} is not a number") from None
    if not 0 <= seconds <= MAX_TTL_SECONDS:
        raise ConfigError(f"CacheTtlInSeconds {seconds} is not between 0 and {MAX_TTL_SECONDS}")
    return seconds


def _number(value: object, default: int) -> int:
    try:
        return int(str(value)) if value not in (None, "") else default
    except ValueError:
        return default


def _flag(value: object, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value is True or str(value).lower() == "true"


def cache_keys(
    integration: Mapping[str, Any], *, capitalized: bool = False
) -> tuple[tuple[str, ...], str | None]:
    """(cacheKeyParameters as the gateway reads them, cacheNamespace) of an integration
    record (camelCase) or CloudFormation Integration property (`capitalized`).

    A key parameter names a method request parameter (`method.request.querystring.type`)
    or an integration request parameter, which stands for what it is mapped from (its
    `requestParameters` entry: a method request parameter or a 'literal')."""
    names = ("CacheKeyParameters", "CacheNamespace", "RequestParameters")
    keys, namespace, mapped = names if capitalized else tuple(n[0].lower() + n[1:] for n in names)
    given = integration.get(keys) or []
    if not isinstance(given, list):
        raise ConfigError(f"{keys} must be a list")
    mapping = integration.get(mapped) or {}
    resolved = []
    for parameter in given:
        text = str(parameter)
        if text.startswith("integration.request.") and isinstance(mapping, Mapping):
            text = str(mapping.get(text, text))
        if text.startswith("method.request.") or text.startswith("'"):
            resolved.append(text)
    found = integration.get(namespace)
    return tuple(resolved), None if found in (None, "") else str(found)
