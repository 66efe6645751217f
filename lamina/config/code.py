"""Where each function's code lives on this machine.

aws-sam-translator only accepts `s3://` locations, so before translating, local `CodeUri`,
`ContentUri` and `DefinitionUri` values are swapped for placeholder S3 URIs in the
`lamina-local` bucket and remembered here; after translation a `Code` or
`BodyS3Location` naming that bucket is mapped back to the absolute local path.

Inline code (SAM `InlineCode`, CloudFormation `Code.ZipFile`) is written, as CloudFormation
does, to a file named `index` with the runtime's extension, in
`<template folder>/.lamina/inline/<LogicalId>/`; the handler is then `index.<function>`.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-code.html
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lamina.config.error import ConfigError

PLACEHOLDER_BUCKET = "lamina-local"
INLINE_FOLDER = Path(".lamina") / "inline"

# Extension CloudFormation gives the `index` file of inline code, by runtime family.
_INLINE_EXTENSIONS = (("python", ".py"), ("nodejs", ".js"))

_SAM_FUNCTION = "AWS::Serverless::Function"
_FUNCTION_CODE_KEYS = ("CodeUri", "InlineCode", "ImageUri")
# (resource type, property) pairs holding a local path that sam build/package would upload.
_LOCAL_URI_PROPERTIES = (
    (_SAM_FUNCTION, "CodeUri"),
    ("AWS::Serverless::LayerVersion", "ContentUri"),
    ("AWS::Serverless::Api", "DefinitionUri"),
    ("AWS::Serverless::HttpApi", "DefinitionUri"),
    ("AWS::Serverless::StateMachine", "DefinitionUri"),
)
_GLOBAL_SECTIONS = (("Function", "CodeUri"), ("Api", "DefinitionUri"), ("HttpApi", "DefinitionUri"))


class LocalArtifacts:
    """The local paths hidden behind placeholder S3 keys, for one template."""

    def __init__(self, folder: str) -> None:
        self.folder = Path(folder)
        self._paths: dict[str, str] = {}

    def placeholder(self, local: str) -> str:
        """An s3:// URI standing for `local` (relative to the template's folder)."""
        key = str(len(self._paths))
        self._paths[key] = str((self.folder / local).resolve())
        return f"s3://{PLACEHOLDER_BUCKET}/{key}"

    def local_path(self, bucket: object, key: object) -> str | None:
        """The local path a placeholder stands for, or None for a real S3 object."""
        if bucket != PLACEHOLDER_BUCKET or not isinstance(key, str):
            return None
        return self._paths.get(key)

    def stage_sam_template(self, template: dict[str, Any]) -> None:
        """Swap local paths in a SAM template (in place) for placeholders."""
        globals_ = template.get("Globals")
        global_function: dict[str, Any] = {}
        if isinstance(globals_, dict):
            for section, prop in _GLOBAL_SECTIONS:
                block = globals_.get(section)
                if isinstance(block, dict):
                    self._stage_property(block, prop)
            global_function = globals_.get("Function") or {}
        for resource in (template.get("Resources") or {}).values():
            if isinstance(resource, dict) and isinstance(resource.get("Properties"), dict | None):
                self._stage_resource(resource, global_function)

    def _stage_resource(self, resource: dict[str, Any], global_function: dict[str, Any]) -> None:
        kind = resource.get("Type")
        properties = resource.get("Properties")
        if properties is None:
            properties = resource["Properties"] = {}
        for resource_type, prop in _LOCAL_URI_PROPERTIES:
            if kind == resource_type:
                self._stage_property(properties, prop)
        has_code = any(k in properties or k in global_function for k in _FUNCTION_CODE_KEYS)
        if kind == _SAM_FUNCTION and not has_code:
            # SAM CLI's default CodeUri is the template's folder.
            properties["CodeUri"] = self.placeholder(".")

    def _stage_property(self, properties: dict[str, Any], prop: str) -> None:
        value = properties.get(prop)
        if isinstance(value, str) and not value.startswith("s3://"):
            properties[prop] = self.placeholder(value)


def function_code_path(
    code: object, *, artifacts: LocalArtifacts, logical_id: str, runtime: str
) -> str:
    """Absolute folder of a function's code from its CloudFormation `Code` property."""
    if isinstance(code, dict) and "ZipFile" in code:
        return _write_inline(artifacts.folder, logical_id, runtime, code["ZipFile"])
    if isinstance(code, dict) and "ImageUri" in code:
        raise ConfigError("container image functions need Docker, which Lamina does not use")
    return _local_folder(code, artifacts, field="Code", what="code", hint="CodeUri")


def layer_content_path(content: object, *, artifacts: LocalArtifacts) -> str:
    """Absolute folder of a layer from AWS::Lambda::LayerVersion's `Content`.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-layerversion-content.html
    """
    return _local_folder(
        content,
        artifacts,
        field="Content",
        what="layer content",
        hint="ContentUri (or Content)",
    )


def _local_folder(
    value: object, artifacts: LocalArtifacts, *, field: str, what: str, hint: str
) -> str:
    """The folder a local path or an S3 location (of a local artifact) names."""
    if isinstance(value, str):
        # `aws cloudformation package` style: a local path in place of the S3 object.
        return str((artifacts.folder / value).resolve())
    if not isinstance(value, dict):
        raise ConfigError(f"{field} is required")
    local = artifacts.local_path(value.get("S3Bucket"), value.get("S3Key"))
    if local is None:
        raise ConfigError(
            f"{what} in s3://{value.get('S3Bucket')}/{value.get('S3Key')} cannot be fetched; "
            f"point {hint} at a local folder"
        )
    return local


def _write_inline(folder: Path, logical_id: str, runtime: str, source: object) -> str:
    if not isinstance(source, str):
        raise ConfigError("inline code (ZipFile / InlineCode) must be a string")
    extension = next((ext for family, ext in _INLINE_EXTENSIONS if runtime.startswith(family)), "")
    if not extension:
        raise ConfigError(f"inline code is only supported for Python and Node.js, not {runtime}")
    target = folder / INLINE_FOLDER / logical_id
    path = target / f"index{extension}"
    # Rewrite only on change so file watchers do not see a new version on every load.
    if not path.is_file() or path.read_text(encoding="utf-8") != source:
        try:
            target.mkdir(parents=True, exist_ok=True)
            path.write_text(source, encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"cannot write inline code to {path}: {exc}") from exc
    return str(target.resolve())
