"""UpdateStage's patch operations: the paths a stage takes, what each op does, and the errors
API Gateway answers for the others.

    /deploymentId                     replace; copy from /canarySettings/deploymentId
    /description /clientCertificateId replace, remove
    /cacheClusterEnabled /cacheClusterSize /tracingEnabled      replace
    /accessLogSettings                remove;  /accessLogSettings/{format,destinationArn} replace
    /variables/{name}                 add, replace, remove; /variables copy from
                                      /canarySettings/stageVariableOverrides
    /canarySettings                   remove
    /canarySettings/{percentTraffic,deploymentId,useStageCache,stageVariableOverrides/{name}}
                                      replace
    /{resourcePath}/{httpMethod}/{metrics,logging,throttling,caching}/{setting}
                                      replace (methodSettings["{resourcePath}/{httpMethod}"]);
                                      "*/*" is every method; remove /{resourcePath}/{httpMethod}

Promoting a canary is `replace /deploymentId` with the canary's deployment (plus the
overrides copied into /variables when wanted) and `remove /canarySettings`.
https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/promote-canary-deployment.html
https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html
"""

from __future__ import annotations

import re
from collections.abc import Callable

from lamina.services.apigateway.deploy_records import (
    AccessLogSettings,
    CanarySettings,
    MethodSetting,
    Stage,
)
from lamina.services.apigateway.error import bad_request
from lamina.services.apigateway.patch import unescape
from lamina.services.apigateway.patching import (
    Patch,
    invalid_op,
    required,
    to_bool,
    to_float,
    to_int,
)

# AWS lists the paths a stage takes when it refuses one, in this exact wording (three of
# the method setting paths run together without a separator, as AWS prints them).
_VALID_PATHS = (
    "[/deploymentId, /description, /cacheClusterEnabled, /cacheClusterSize, "
    "/clientCertificateId, /accessLogSettings, /accessLogSettings/destinationArn, "
    "/accessLogSettings/format, /{resourcePath}/{httpMethod}/metrics/enabled, "
    "/{resourcePath}/{httpMethod}/logging/dataTrace, "
    "/{resourcePath}/{httpMethod}/logging/loglevel, "
    "/{resourcePath}/{httpMethod}/throttling/burstLimit"
    "/{resourcePath}/{httpMethod}/throttling/rateLimit"
    "/{resourcePath}/{httpMethod}/caching/ttlInSeconds, "
    "/{resourcePath}/{httpMethod}/caching/enabled, "
    "/{resourcePath}/{httpMethod}/caching/dataEncrypted, "
    "/{resourcePath}/{httpMethod}/caching/requireAuthorizationForCacheControl, "
    "/{resourcePath}/{httpMethod}/caching/unauthorizedCacheControlHeaderStrategy, "
    "/*/*/metrics/enabled, /*/*/logging/dataTrace, /*/*/logging/loglevel, "
    "/*/*/throttling/burstLimit /*/*/throttling/rateLimit /*/*/caching/ttlInSeconds, "
    "/*/*/caching/enabled, /*/*/caching/dataEncrypted, "
    "/*/*/caching/requireAuthorizationForCacheControl, "
    "/*/*/caching/unauthorizedCacheControlHeaderStrategy, /variables/{variable_name}, "
    "/tracingEnabled]"
)

_BOOL, _INT, _FLOAT, _TEXT = "bool", "int", "float", "text"
# "{group}/{name}" of a method setting path -> (MethodSetting field, value type)
_SETTINGS: dict[str, tuple[str, str]] = {
    "metrics/enabled": ("metrics_enabled", _BOOL),
    "logging/dataTrace": ("data_trace_enabled", _BOOL),
    "logging/loglevel": ("logging_level", _TEXT),
    "throttling/burstLimit": ("throttling_burst_limit", _INT),
    "throttling/rateLimit": ("throttling_rate_limit", _FLOAT),
    "caching/ttlInSeconds": ("cache_ttl_in_seconds", _INT),
    "caching/enabled": ("caching_enabled", _BOOL),
    "caching/dataEncrypted": ("cache_data_encrypted", _BOOL),
    "caching/requireAuthorizationForCacheControl": (
        "require_authorization_for_cache_control",
        _BOOL,
    ),
    "caching/unauthorizedCacheControlHeaderStrategy": (
        "unauthorized_cache_control_header_strategy",
        _TEXT,
    ),
}
_LOG_LEVELS = ("OFF", "ERROR", "INFO")
_CANARY_LEAVES = ("percentTraffic", "deploymentId", "useStageCache")
_COPY_PATHS = ("/deploymentId", "/variables")
_COPY_SOURCES = ("/canarySettings/deploymentId", "/canarySettings/stageVariableOverrides")

DeploymentExists = Callable[[str], bool]

# Stage variable names are word characters; values a restricted set (AWS's messages, the
# odd quoting included).
# https://docs.aws.amazon.com/apigateway/latest/developerguide/aws-api-gateway-stage-variables-reference.html
_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_]+")
_VARIABLE_VALUE = re.compile(r"[A-Za-z0-9 \-._~:/?#&=,]+")


def check_percent(percent: float) -> float:
    """A canary's percentTraffic: 0.0-100.0."""
    if not 0.0 <= percent <= 100.0:
        raise bad_request("Canary traffic percentage must be between 0.0 and 100.0")
    return percent


def check_variables(variables: dict[str, str] | None) -> dict[str, str] | None:
    """Stage variables (or canary overrides) as given, BadRequestException if AWS refuses one."""
    for name, value in (variables or {}).items():
        if not _VARIABLE_NAME.fullmatch(name):
            raise bad_request(
                f"Invalid stage variable name: {name}.  Please use names with only word characters."
            )
        if not _VARIABLE_VALUE.fullmatch(value):
            raise bad_request(
                f"Invalid stage variable value: {value}.  Please use values with alphanumeric "
                "characters and the symbols ' ', -', '.', '_', ':', '/', '?', '&', '=', and ','."
            )
    return dict(variables) if variables else None


def invalid_stage_path(path: str) -> Exception:
    return bad_request(f"Invalid method setting path: {path}. Must be one of: {_VALID_PATHS}")


def apply(stage: Stage, patch: Patch, exists: DeploymentExists) -> None:
    """Apply one patch operation to `stage` (in place); BadRequestException if AWS refuses it."""
    path = patch.path
    if patch.op == "copy":
        _copy(stage, patch)
    elif path == "/canarySettings" or path.startswith("/canarySettings/"):
        _canary(stage, patch, exists)
    elif path.startswith("/variables/") and len(path) > len("/variables/"):
        _variable(stage, patch)
    elif path == "/deploymentId":
        _replace_only(patch)
        stage.deployment_id = _existing(required(patch), exists)
    elif path in ("/description", "/clientCertificateId"):
        if patch.op not in ("replace", "add", "remove"):
            raise invalid_op(patch)
        value = None if patch.op == "remove" else required(patch)
        setattr(stage, "description" if path == "/description" else "client_certificate_id", value)
    elif path in ("/cacheClusterEnabled", "/tracingEnabled"):
        _replace_only(patch)
        field = "cache_cluster_enabled" if path == "/cacheClusterEnabled" else "tracing_enabled"
        setattr(stage, field, to_bool(patch))
    elif path == "/cacheClusterSize":
        _replace_only(patch)
        stage.cache_cluster_size = required(patch)
    elif path == "/accessLogSettings" or path.startswith("/accessLogSettings/"):
        _access_log(stage, patch)
    else:
        _method_setting(stage, patch)


def _replace_only(patch: Patch) -> None:
    if patch.op != "replace":
        raise invalid_op(patch)


def _existing(deployment_id: str, exists: DeploymentExists) -> str:
    if not exists(deployment_id):
        raise bad_request("Deployment id does not exist")
    return deployment_id


def _copy(stage: Stage, patch: Patch) -> None:
    # The console's "Promote" copies the canary's deployment and overrides onto the stage.
    if patch.path not in _COPY_PATHS or patch.source not in _COPY_SOURCES:
        raise bad_request(
            f"Invalid copy operation with path: {patch.path} and from {patch.source}. "
            f"Valid copy:path are [{', '.join(_COPY_PATHS)}] and valid copy:from are "
            f"[{', '.join(_COPY_SOURCES)}]"
        )
    canary = stage.canary_settings
    if canary is None:
        raise bad_request("Promotion not available. Canary does not exist.")
    if patch.path == "/deploymentId":
        stage.deployment_id = canary.deployment_id or stage.deployment_id
    else:
        stage.variables = {**(stage.variables or {}), **(canary.stage_variable_overrides or {})}


def _variable(stage: Stage, patch: Patch) -> None:
    name = unescape(patch.path[len("/variables/") :])
    variables = dict(stage.variables or {})
    if patch.op in ("add", "replace"):
        value = required(patch)
        check_variables({name: value})
        variables[name] = value
    elif patch.op == "remove":
        variables.pop(name, None)
    else:
        raise invalid_op(patch)
    stage.variables = variables or None


def _canary(stage: Stage, patch: Patch, exists: DeploymentExists) -> None:
    path = patch.path
    if path == "/canarySettings" and patch.op == "remove":
        stage.canary_settings = None
        return
    leaf = path[len("/canarySettings/") :]
    known = leaf in _CANARY_LEAVES or (
        leaf.startswith("stageVariableOverrides/") and len(leaf) > len("stageVariableOverrides/")
    )
    if patch.op != "replace":
        # What AWS answers other ops on canary paths (the trailing space is AWS's).
        if known:
            raise invalid_op(patch)
        raise bad_request(
            f"Cannot {patch.op} method setting {path.lstrip('/')} because there is no method "
            "setting for this method "
        )
    if not known:
        raise invalid_stage_path(path)
    canary = stage.canary_settings or CanarySettings(deployment_id=stage.deployment_id)
    if leaf == "percentTraffic":
        canary.percent_traffic = check_percent(to_float(patch))
    elif leaf == "deploymentId":
        canary.deployment_id = _existing(required(patch), exists)
    elif leaf == "useStageCache":
        canary.use_stage_cache = to_bool(patch)
    else:
        name = unescape(leaf[len("stageVariableOverrides/") :])
        check_variables({name: required(patch)})
        canary.stage_variable_overrides = {
            **(canary.stage_variable_overrides or {}),
            name: required(patch),
        }
    stage.canary_settings = canary


def _access_log(stage: Stage, patch: Patch) -> None:
    # https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-logging.html
    if patch.path == "/accessLogSettings":
        if patch.op != "remove":
            raise invalid_op(patch)
        stage.access_log_settings = None
        return
    leaf = patch.path[len("/accessLogSettings/") :]
    if leaf not in ("format", "destinationArn"):
        raise invalid_stage_path(patch.path)
    _replace_only(patch)
    settings = stage.access_log_settings or AccessLogSettings()
    if leaf == "format":
        settings.format = required(patch)
    else:
        settings.destination_arn = required(patch)
    stage.access_log_settings = settings


def _method_setting(stage: Stage, patch: Patch) -> None:
    """`/{resourcePath}/{httpMethod}/{group}/{name}`: the resource path is everything between
    the first "/" and the method; it keys methodSettings as written ("~1pets/GET", "*/*")."""
    parts = patch.path.split("/")[1:] if patch.path.startswith("/") else []
    setting = _SETTINGS.get("/".join(parts[-2:])) if len(parts) >= 4 else None
    if patch.op == "remove" and setting is None and len(parts) >= 2:
        key = "/".join(parts)
        if stage.method_settings.pop(key, None) is None:
            raise bad_request(
                f"Cannot remove method setting {key} because there is no method setting for "
                "this method "
            )
        return
    if setting is None:
        raise invalid_stage_path(patch.path)
    if patch.op not in ("replace", "add"):
        raise invalid_op(patch)
    key = "/".join(parts[:-2])
    entry = stage.method_settings.get(key) or MethodSetting()
    field, kind = setting
    setattr(entry, field, _setting_value(patch, kind))
    stage.method_settings = {**stage.method_settings, key: entry}


def _setting_value(patch: Patch, kind: str) -> object:
    if kind == _BOOL:
        return to_bool(patch)
    if kind == _INT:
        return to_int(patch)
    if kind == _FLOAT:
        return to_float(patch)
    value = required(patch)
    if patch.path.endswith("/logging/loglevel") and value.upper() not in _LOG_LEVELS:
        raise bad_request(f"Invalid logging level: {value}. Must be one of: {list(_LOG_LEVELS)}")
    return value.upper() if patch.path.endswith("/logging/loglevel") else value
