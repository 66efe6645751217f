"""The logging and metrics part of REST stages' method settings, from templates and from the
management API's records, into the gateway model's Stage.method_logs (GetStage shows them).

Templates: AWS::ApiGateway::Stage `MethodSettings[].LoggingLevel / DataTraceEnabled /
MetricsEnabled` (SAM's AWS::Serverless::Api `MethodSettings` becomes it), and a Deployment's
`StageDescription` (its top-level ones apply to every method, `/*` `*`).
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-stage-methodsetting.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-deployment-stagedescription.html
Records: GetStage's methodSettings (`loggingLevel`, `dataTraceEnabled`, `metricsEnabled`).
https://docs.aws.amazon.com/apigateway/latest/api/API_MethodSetting.html
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Literal, cast

import msgspec

from lamina.config.error import ConfigError
from lamina.config.stack import Stack
from lamina.config.stage_cache import unescape_method_path
from lamina.gateway.model import MethodLogSetting, Stage

Level = Literal["OFF", "ERROR", "INFO"]
_LEVELS = ("OFF", "ERROR", "INFO")
_PROPERTIES = ("LoggingLevel", "DataTraceEnabled", "MetricsEnabled")


def with_method_logs(stack: Stack, stages: dict[str, Stage], api_id: str) -> dict[str, Stage]:
    """`stages` with the logging and metrics MethodSettings of their Stage resources and of
    the Deployment whose StageName made them."""
    for resource in stack.of_api("AWS::ApiGateway::Stage", api_id, key="RestApiId"):
        with stack.blame(resource.logical_id):
            name = stack.text(resource, "StageName")
            if name in stages:
                settings = _template_settings(stack.prop(resource, "MethodSettings"))
                stages[name] = msgspec.structs.replace(stages[name], method_logs=settings)
    for resource in stack.of_api("AWS::ApiGateway::Deployment", api_id, key="RestApiId"):
        with stack.blame(resource.logical_id):
            description = stack.prop(resource, "StageDescription")
            named = stack.prop(resource, "StageName")
            if not isinstance(description, dict) or named not in stages:
                continue
            settings = _template_settings(description.get("MethodSettings"))
            if any(prop in description for prop in _PROPERTIES):
                settings = _ordered([_template_setting(description, "/*", "*"), *settings])
            stages[str(named)] = msgspec.structs.replace(stages[str(named)], method_logs=settings)
    return stages


def _template_settings(entries: object) -> tuple[MethodLogSetting, ...]:
    if entries is None:
        return ()
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise ConfigError("MethodSettings must be a list of mappings")
    return _ordered(
        _template_setting(entry, str(entry.get("ResourcePath", "/*")), entry.get("HttpMethod"))
        for entry in entries
        if any(prop in entry for prop in _PROPERTIES)
    )


def _ordered(settings: Iterable[MethodLogSetting]) -> tuple[MethodLogSetting, ...]:
    """By key, so a stage compiled back from its record (whose methodSettings order follows
    the caching entries) equals the template's."""
    return tuple(sorted(settings, key=lambda s: (s.resource_path, s.http_method)))


def _template_setting(spec: Mapping[str, Any], path: str, method: object) -> MethodLogSetting:
    unescaped = unescape_method_path(path)
    level = spec.get("LoggingLevel")
    if level is not None and str(level).upper() not in _LEVELS:
        raise ConfigError(f"LoggingLevel {level!r} is not OFF, ERROR or INFO")
    return MethodLogSetting(
        resource_path="*" if unescaped in ("/*", "*") else "/" + unescaped.lstrip("/"),
        http_method=str(method or "*").upper(),
        logging_level=None if level is None else cast(Level, str(level).upper()),
        data_trace_enabled=_flag(spec.get("DataTraceEnabled")),
        metrics_enabled=_flag(spec.get("MetricsEnabled")),
    )


def record_method_logs(record: Mapping[str, Any]) -> dict[str, Any]:
    """The Stage fields of a GetStage record: its entries that set logging or metrics."""
    settings = []
    for key, spec in (record.get("methodSettings") or {}).items():
        if not isinstance(spec, Mapping):
            continue
        level = spec.get("loggingLevel")
        metrics, trace = _flag(spec.get("metricsEnabled")), _flag(spec.get("dataTraceEnabled"))
        if level not in _LEVELS and not metrics and not trace:
            continue
        path, _, method = str(key).rpartition("/")
        unescaped = unescape_method_path(path)
        settings.append(
            MethodLogSetting(
                resource_path="*" if unescaped == "*" else "/" + unescaped.lstrip("/"),
                http_method=method.upper() or "*",
                logging_level=cast(Level, level) if level in _LEVELS else None,
                data_trace_enabled=trace,
                metrics_enabled=metrics,
            )
        )
    return {"method_logs": _ordered(settings)}


def render_method_logs(stage: Stage) -> dict[str, dict[str, Any]]:
    """GetStage methodSettings entries (by key) of `stage`'s logging and metrics settings."""
    rendered: dict[str, dict[str, Any]] = {}
    for setting in stage.method_logs:
        entry: dict[str, Any] = {
            "metricsEnabled": setting.metrics_enabled,
            "dataTraceEnabled": setting.data_trace_enabled,
        }
        if setting.logging_level is not None:
            entry["loggingLevel"] = setting.logging_level
        rendered[method_setting_key(setting.resource_path, setting.http_method)] = entry
    return rendered


def method_setting_key(resource_path: str, http_method: str) -> str:
    """`{resourcePath}/{httpMethod}` with `/` in the path written `~1` (`~` as `~0`), or
    `*/{httpMethod}` for every resource.
    https://docs.aws.amazon.com/apigateway/latest/api/API_UpdateStage.html
    """
    if resource_path in ("*", "/*"):
        return f"*/{http_method}"
    escaped = resource_path.lstrip("/").replace("~", "~0").replace("/", "~1")
    return f"~1{escaped}/{http_method}"


def _flag(value: object) -> bool:
    return value is True or str(value).lower() == "true"
