"""What REST and HTTP APIs share: their OpenAPI body, stages and stage variables."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lamina.config.document import parse_text
from lamina.config.error import ConfigError
from lamina.config.reference import CfnResource
from lamina.config.stack import Stack
from lamina.gateway.model import Stage


def api_body(stack: Stack, resource: CfnResource) -> dict[str, Any] | None:
    """The API's OpenAPI document: `Body`, or the local file behind a staged
    `BodyS3Location` (SAM's DefinitionUri), or None when the API has neither."""
    body = stack.prop(resource, "Body")
    if body is not None:
        if not isinstance(body, dict):
            raise ConfigError("Body must be an OpenAPI mapping")
        return body
    location = stack.prop(resource, "BodyS3Location")
    if location is None:
        return None
    if not isinstance(location, dict):
        raise ConfigError("BodyS3Location must be a mapping")
    local = stack.artifacts.local_path(location.get("Bucket"), location.get("Key"))
    if local is None:
        raise ConfigError(
            f"s3://{location.get('Bucket')}/{location.get('Key')} cannot be fetched; "
            "point DefinitionUri at a local file"
        )
    try:
        text = Path(local).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read the API definition {local}: {exc}") from exc
    loaded = parse_text(text, local)
    if not isinstance(loaded, dict):
        raise ConfigError(f"the API definition {local} is not an OpenAPI mapping")
    return loaded


def stage_variables(variables: object) -> dict[str, str]:
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise ConfigError("stage variables must be a mapping")
    return {str(key): str(value) for key, value in variables.items()}


def declared_stages(
    stack: Stack, resource_type: str, api_id: str, *, key: str, variables: str
) -> dict[str, Stage]:
    """The API's stage resources by name (the first of a name wins); ``key`` is the
    property naming the API and ``variables`` the one holding the stage variables."""
    stages: dict[str, Stage] = {}
    for resource in stack.of_api(resource_type, api_id, key=key):
        with stack.blame(resource.logical_id):
            name = stack.text(resource, "StageName")
            found = stage_variables(stack.prop(resource, variables))
            stages.setdefault(name, Stage(name=name, variables=found))
    return stages
