"""Warnings for REST stage MethodSettings that name no method of their API.

API Gateway applies a method setting to the method at `{resourcePath}/{httpMethod}` (or to
every method with `/*` and `*`). A setting whose resource path is not one of the API's
resources throttles nothing, which a user only finds out when the expected 429s never come:
`ResourcePath: /throttle` for `/throttled`, or a path written without its first `/`.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-stage-methodsetting.html
"""

from __future__ import annotations

from collections.abc import Iterable

from lamina.gateway.limits.model import AccessLimits, MethodThrottle
from lamina.gateway.model import RestApi

_ANY_PATH = ("/*", "*")


def unmatched_method_settings(limits: AccessLimits, rest_apis: Iterable[RestApi]) -> list[str]:
    """One warning per REST MethodSettings entry that matches none of the API's methods."""
    apis = {api.id: api for api in rest_apis}
    warnings = []
    for stage in limits.stage_throttles:
        api = apis.get(stage.api_id)
        if api is None or not any(resource.methods for resource in api.resources):
            continue  # an HTTP API's route keys, or an API with no method to compare with
        for setting in stage.settings:
            if not _matches(setting, api):
                warnings.append(
                    f"MethodSettings {setting.resource_path} {setting.http_method} of "
                    f"{api.logical_id} stage {stage.stage} matches no method of the API, so "
                    f"its throttle applies to nothing (the API's paths: {_paths(api)}; write "
                    "a path as /~1a~1b for /a/b, or /* and * for every method)"
                )
    return warnings


def _matches(setting: MethodThrottle, api: RestApi) -> bool:
    for resource in api.resources:
        if setting.resource_path not in _ANY_PATH and setting.resource_path != resource.path:
            continue
        methods = set(resource.methods)
        if setting.http_method == "*" or setting.http_method in methods or "ANY" in methods:
            return True
    return False


def _paths(api: RestApi) -> str:
    paths = sorted(resource.path for resource in api.resources if resource.methods)
    shown = ", ".join(paths[:8])
    return shown + (", ..." if len(paths) > 8 else "")
