"""API keys, usage plans and stage throttle settings, from CloudFormation (and so from
SAM's `Auth.ApiKeyRequired` / `Auth.UsagePlan` / `MethodSettings`, which aws-sam-translator
turns into these resources).

https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-apikey.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-usageplan.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-apigateway-usageplankey.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-stage-methodsetting.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigatewayv2-stage-routesettings.html
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any, Literal, cast

from lamina.config.error import ConfigError
from lamina.config.reference import CfnResource
from lamina.config.stack import Stack
from lamina.config.stage_cache import unescape_method_path
from lamina.gateway.limits.model import (
    UNSET,
    AccessLimits,
    ApiKey,
    MethodThrottle,
    PlanStage,
    Quota,
    StageThrottle,
    Throttle,
    UsagePlan,
)
from lamina.gateway.limits.period import MAX_OFFSET

API_KEY = "AWS::ApiGateway::ApiKey"
USAGE_PLAN = "AWS::ApiGateway::UsagePlan"
USAGE_PLAN_KEY = "AWS::ApiGateway::UsagePlanKey"
TYPES = frozenset({API_KEY, USAGE_PLAN, USAGE_PLAN_KEY})

API_KEY_SOURCE_KEY = "x-amazon-apigateway-api-key-source"
_KEY_SOURCES = ("HEADER", "AUTHORIZER")
# An API key value is 20 to 128 characters; generated ones are 40 alphanumerics.
# https://docs.aws.amazon.com/apigateway/latest/developerguide/api-key-file-format.html
MIN_KEY_LENGTH = 20
MAX_KEY_LENGTH = 128
_KEY_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def build_access_limits(stack: Stack) -> AccessLimits:
    keys: list[ApiKey] = []
    holders: dict[str, str] = {}
    for resource in stack.of_type(API_KEY):
        with stack.blame(resource.logical_id):
            key = _api_key(stack, resource)
            # A key's value is what identifies its caller: a second key with a value in
            # use is refused, as CreateApiKey refuses it (services/apigateway/api_keys.py).
            holder = holders.setdefault(key.value, resource.logical_id)
            if holder != resource.logical_id:
                raise ConfigError(
                    f"API key {resource.logical_id} has the same Value as {holder}: "
                    "API Key already exists (each key needs its own value)"
                )
            keys.append(key)
    attached = _plan_keys(stack, {key.id for key in keys})
    plans = []
    for resource in stack.of_type(USAGE_PLAN):
        with stack.blame(resource.logical_id):
            plans.append(_usage_plan(stack, resource, attached))
    return AccessLimits(
        api_keys=tuple(keys),
        usage_plans=tuple(plans),
        stage_throttles=tuple(_rest_stage_throttles(stack) + _http_stage_throttles(stack)),
    )


def api_key_source(
    stack: Stack, resource: CfnResource, body: Mapping[str, Any] | None
) -> Literal["HEADER", "AUTHORIZER"]:
    """RestApi ApiKeySourceType, else the body's x-amazon-apigateway-api-key-source."""
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-swagger-extensions-api-key-source.html
    value = stack.prop(resource, "ApiKeySourceType")
    if value is None and body is not None:
        value = body.get(API_KEY_SOURCE_KEY)
    source = str(value or "HEADER").upper()
    if source not in _KEY_SOURCES:
        raise ConfigError(f"ApiKeySourceType must be HEADER or AUTHORIZER, not {value!r}")
    return cast(Literal["HEADER", "AUTHORIZER"], source)


def generated_key_value(stack_name: str, logical_id: str, secret_seed: bytes = b"") -> str:
    """The value of an API key the template gives none: 40 alphanumerics derived from the
    stack, the key's logical id and this installation's secret seed
    (aws.credentials.local_secret_seed), so it stays the same across restarts and cannot
    be worked out from the template."""
    message = f"{stack_name}\x00{logical_id}\x00api-key".encode()
    digest = hmac.new(secret_seed or b"lamina", message, hashlib.sha256).digest()
    number = int.from_bytes(digest, "big")
    chars = []
    for _ in range(40):
        number, index = divmod(number, len(_KEY_ALPHABET))
        chars.append(_KEY_ALPHABET[index])
    return "".join(chars)


def _api_key(stack: Stack, resource: CfnResource) -> ApiKey:
    value = stack.prop(resource, "Value")
    generated = value is None
    if generated:
        value = generated_key_value(
            stack.resources.stack_name, resource.logical_id, stack.resources.secret_seed
        )
    elif not isinstance(value, str) or not MIN_KEY_LENGTH <= len(value) <= MAX_KEY_LENGTH:
        raise ConfigError(
            f"an API key Value must be {MIN_KEY_LENGTH} to {MAX_KEY_LENGTH} characters"
        )
    stage_keys = []
    for entry in _list(stack.prop(resource, "StageKeys"), "StageKeys"):
        stage_keys.append((str(entry.get("RestApiId", "")), str(entry.get("StageName", ""))))
    return ApiKey(
        id=stack.resources.id_of(resource.logical_id),
        name=stack.text(resource, "Name", resource.logical_id),
        value=str(value),
        enabled=_flag(stack.prop(resource, "Enabled", False)),
        stage_keys=tuple(stage_keys),
        generated=generated,
    )


def _plan_keys(stack: Stack, key_ids: set[str]) -> dict[str, list[str]]:
    """Usage plan id -> the API key ids its UsagePlanKey resources attach."""
    attached: dict[str, list[str]] = {}
    for resource in stack.of_type(USAGE_PLAN_KEY):
        with stack.blame(resource.logical_id):
            kind = stack.text(resource, "KeyType", "API_KEY")
            if kind != "API_KEY":
                raise ConfigError(f"KeyType must be API_KEY, not {kind!r}")
            key_id = stack.text(resource, "KeyId")
            if key_id not in key_ids:
                raise ConfigError(f"KeyId {key_id!r} is no API key of this template")
            attached.setdefault(stack.text(resource, "UsagePlanId"), []).append(key_id)
    return attached


def _usage_plan(stack: Stack, resource: CfnResource, attached: dict[str, list[str]]) -> UsagePlan:
    plan_id = stack.resources.id_of(resource.logical_id, 6)
    stages = []
    for entry in _list(stack.prop(resource, "ApiStages"), "ApiStages"):
        overrides = entry.get("Throttle") or {}
        if not isinstance(overrides, dict):
            raise ConfigError("ApiStages Throttle must map {resourcePath}/{httpMethod} to limits")
        stages.append(
            PlanStage(
                api_id=str(entry.get("ApiId", "")),
                stage=str(entry.get("Stage", "")),
                method_throttles={
                    str(name): _throttle(found, "RateLimit", "BurstLimit")
                    for name, found in overrides.items()
                },
            )
        )
    throttle = stack.prop(resource, "Throttle")
    return UsagePlan(
        id=plan_id,
        name=stack.text(resource, "UsagePlanName", resource.logical_id),
        stages=tuple(stages),
        throttle=None if throttle is None else _throttle(throttle, "RateLimit", "BurstLimit"),
        quota=_quota(stack.prop(resource, "Quota")),
        key_ids=tuple(attached.get(plan_id, ())),
    )


def _quota(spec: object) -> Quota | None:
    if spec is None:
        return None
    if not isinstance(spec, dict):
        raise ConfigError("Quota must be a mapping")
    period = str(spec.get("Period", "")).upper()
    if period not in MAX_OFFSET:
        raise ConfigError(f"Quota Period must be DAY, WEEK or MONTH, not {spec.get('Period')!r}")
    limit = _number(spec.get("Limit"), "Quota Limit")
    if limit < 0:
        raise ConfigError("Quota Limit must be 0 or more")
    offset = int(_number(spec.get("Offset", 0), "Quota Offset"))
    if not 0 <= offset <= MAX_OFFSET[period]:
        raise ConfigError(f"Quota Offset of a {period} period is 0 to {MAX_OFFSET[period]}")
    return Quota(
        limit=int(limit),
        period=cast(Literal["DAY", "WEEK", "MONTH"], period),
        offset=offset,
    )


def _throttle(spec: object, rate_name: str, burst_name: str) -> Throttle:
    """A throttle where a missing (or negative) limit is UNSET: the account's applies."""
    if not isinstance(spec, dict):
        raise ConfigError("a throttle must be a mapping")
    rate = _number(spec.get(rate_name, UNSET), rate_name)
    burst = _number(spec.get(burst_name, UNSET), burst_name)
    return Throttle.partial(rate, burst)


def _rest_stage_throttles(stack: Stack) -> list[StageThrottle]:
    """Stage MethodSettings, and a Deployment's StageDescription (its top-level limits
    apply to every method, as `/*` `*`)."""
    found = []
    for resource in stack.of_type("AWS::ApiGateway::Stage"):
        with stack.blame(resource.logical_id):
            settings = _method_settings(stack.prop(resource, "MethodSettings"))
            if settings:
                found.append(_stage_throttle(stack, resource, "RestApiId", settings))
    for resource in stack.of_type("AWS::ApiGateway::Deployment"):
        with stack.blame(resource.logical_id):
            description = stack.prop(resource, "StageDescription")
            if "StageName" not in resource.properties or not isinstance(description, dict):
                continue
            settings = _method_settings(description.get("MethodSettings"))
            if _has_throttle(description):
                overall = _throttle(description, "ThrottlingRateLimit", "ThrottlingBurstLimit")
                settings.append(
                    MethodThrottle(resource_path="/*", http_method="*", throttle=overall)
                )
            if settings:
                found.append(_stage_throttle(stack, resource, "RestApiId", settings))
    return found


def _http_stage_throttles(stack: Stack) -> list[StageThrottle]:
    """HTTP API stages: DefaultRouteSettings for every route, RouteSettings per route key."""
    found = []
    for resource in stack.of_type("AWS::ApiGatewayV2::Stage"):
        with stack.blame(resource.logical_id):
            settings = []
            default = stack.prop(resource, "DefaultRouteSettings")
            if isinstance(default, dict) and _has_throttle(default):
                throttle = _throttle(default, "ThrottlingRateLimit", "ThrottlingBurstLimit")
                settings.append(
                    MethodThrottle(resource_path="*", http_method="*", throttle=throttle)
                )
            routes = stack.prop(resource, "RouteSettings") or {}
            if not isinstance(routes, dict):
                raise ConfigError("RouteSettings must map route keys to settings")
            for route_key, spec in routes.items():
                if isinstance(spec, dict) and _has_throttle(spec):
                    throttle = _throttle(spec, "ThrottlingRateLimit", "ThrottlingBurstLimit")
                    settings.append(
                        MethodThrottle(
                            resource_path=str(route_key), http_method="*", throttle=throttle
                        )
                    )
            if settings:
                found.append(_stage_throttle(stack, resource, "ApiId", settings))
    return found


def _stage_throttle(
    stack: Stack, resource: CfnResource, api_key: str, settings: list[MethodThrottle]
) -> StageThrottle:
    return StageThrottle(
        api_id=stack.text(resource, api_key),
        stage=stack.text(resource, "StageName"),
        settings=tuple(settings),
    )


def _method_settings(entries: object) -> list[MethodThrottle]:
    settings = []
    for entry in _list(entries, "MethodSettings"):
        if not _has_throttle(entry):
            continue
        settings.append(
            MethodThrottle(
                resource_path=_unescape(str(entry.get("ResourcePath", "/*"))),
                http_method=str(entry.get("HttpMethod", "*")).upper(),
                throttle=_throttle(entry, "ThrottlingRateLimit", "ThrottlingBurstLimit"),
            )
        )
    return settings


def _unescape(path: str) -> str:
    """`/~1pets~1{id}` as `/pets/{id}` (the key's leading `/` and the escaped one merge)."""
    return unescape_method_path(path).replace("//", "/")


def _has_throttle(spec: Mapping[str, Any]) -> bool:
    return "ThrottlingRateLimit" in spec or "ThrottlingBurstLimit" in spec


def _list(value: object, name: str) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(entry, dict) for entry in value):
        raise ConfigError(f"{name} must be a list of mappings")
    return value


def _number(value: object, name: str) -> float:
    if isinstance(value, bool):
        raise ConfigError(f"{name} must be a number")
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a number, not {value!r}") from None


def _flag(value: object) -> bool:
    return value is True or (isinstance(value, str) and value.lower() == "true")
