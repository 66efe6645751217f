"""PublishLayerVersion, GetLayerVersion, ListLayers, ListLayerVersions, and the layers a
function uses.

Each published zip is unpacked once (content-addressed) under ``<state dir>/layers/``; a
function's FunctionConfig.layers are those folders, in its order, merged at /opt. A
template's own layers are adopted as they are: their folder is the content.
https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html
https://docs.aws.amazon.com/lambda/latest/api/API_PublishLayerVersion.html
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput, ServiceError
from lamina.functions.sandbox.policy import MAX_LAYERS
from lamina.services.lambda_ import code, names, persist
from lamina.services.lambda_.error import invalid, not_found
from lamina.services.lambda_.meta import LayerRef, LayerVersion
from lamina.services.lambda_.paging import listing
from lamina.services.lambda_.state import LambdaState, Operation, timestamp

# LayerVersionArn's pattern in the Lambda API model (botocore's lambda service-2.json).
_ARN_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:(eusc-)?[a-z]{2}((-gov)|(-iso([a-z]?)))?-[a-z]+-\d{1}:"
    r"\d{12}:layer:[a-zA-Z0-9-_]+:[0-9]+)|(arn:[a-zA-Z0-9-]+:lambda:::awslayer:[a-zA-Z0-9-_]+)"
)
_VERSION_ARN = re.compile(
    r"arn:aws[a-zA-Z-]*:lambda:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"layer:(?P<name>[a-zA-Z0-9_-]+):(?P<version>\d+)"
)


def resolve(state: LambdaState, arns: Sequence[str]) -> tuple[LayerVersion, ...]:
    """A function's Layers (CreateFunction, UpdateFunctionConfiguration), checked as Lambda
    checks them: at most five, well-formed, in the function's region, existing, and no two
    versions of one layer."""
    if len(arns) > MAX_LAYERS:
        raise invalid(f"Cannot reference more than {MAX_LAYERS} layers.")
    chosen: dict[str, str] = {}
    found = []
    for arn in arns:
        layer = _held(state, arn)
        unversioned = state.layer_arn(layer.name)
        if unversioned in chosen:
            raise invalid(
                "Two different versions of the same layer are not allowed to be referenced "
                f"in the same function. {chosen[unversioned]} and {arn} are versions of the "
                "same layer."
            )
        chosen[unversioned] = arn
        found.append(layer)
    return tuple(found)


def _held(state: LambdaState, arn: str) -> LayerVersion:
    match = _VERSION_ARN.fullmatch(arn)
    if match is None:
        raise ServiceError(
            "ValidationException",
            f"1 validation error detected: Value '[{arn}]' at 'layers' failed to satisfy "
            "constraint: Member must satisfy constraint: [Member must have length less than "
            "or equal to 2048, Member must have length greater than or equal to 1, Member "
            f"must satisfy regular expression pattern: {_ARN_PATTERN}, Member must not be null]",
            status=400,
        )
    if match["account"] != state.account_id:
        raise invalid(
            f"Layer version {arn} does not exist. Lamina holds only the layers published to "
            f"it (account {state.account_id}); it cannot download layers of other accounts."
        )
    if match["region"] != state.region:
        raise invalid(
            "Layers are not in the same region as the function. "
            f"Layers are expected to be in region {state.region}."
        )
    layer = _find(state, match["name"], int(match["version"]))
    if layer is None:
        raise invalid(f"Layer version {arn} does not exist.")
    return layer


def reference(state: LambdaState, layer: LayerVersion) -> LayerRef:
    """The layer as a function's configuration lists it."""
    return LayerRef(state.layer_arn(layer.name, layer.version), layer.code_size)


def adopt(
    state: LambdaState,
    name: str,
    path: str,
    *,
    version: int = 1,
    description: str = "",
    compatible_runtimes: Sequence[str] = (),
    compatible_architectures: Sequence[str] = (),
    license_info: str | None = None,
) -> LayerVersion:
    """Hold a template's layer version (its content is the folder ``path``, used in place),
    so the template's functions list it and new functions may use it."""
    sha, size = code.describe_folder(Path(path))
    layer = LayerVersion(
        name=name,
        version=version,
        description=description,
        created=timestamp(),
        code_sha256=sha,
        code_size=size,
        compatible_runtimes=tuple(compatible_runtimes),
        compatible_architectures=tuple(compatible_architectures),
        license_info=license_info,
        path=path,
    )
    versions = [v for v in state.layers.get(name, []) if v.version != version]
    state.layers[name] = sorted([*versions, layer], key=lambda v: v.version)
    return layer


def _find(state: LambdaState, name: str, version: int) -> LayerVersion | None:
    return next((v for v in state.layers.get(name, []) if v.version == version), None)


def _shape(state: LambdaState, layer: LayerVersion, *, content: bool) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "LayerVersionArn": state.layer_arn(layer.name, layer.version),
        "Version": layer.version,
        "Description": layer.description,
        "CreatedDate": layer.created,
        "CompatibleRuntimes": list(layer.compatible_runtimes),
        "CompatibleArchitectures": list(layer.compatible_architectures),
    }
    if layer.license_info is not None:
        shape["LicenseInfo"] = layer.license_info
    if content:
        shape["LayerArn"] = state.layer_arn(layer.name)
        shape["Content"] = {"CodeSha256": layer.code_sha256, "CodeSize": layer.code_size}
    return shape


async def publish_layer_version(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name = names.layer_name(params["LayerName"])
    content = params.get("Content") or {}
    if content.get("S3Bucket") or content.get("S3Key"):
        raise invalid("S3 is not available yet in this Lamina: upload the layer as ZipFile.")
    if not content.get("ZipFile"):
        raise invalid("Please provide a source for the layer content.")
    stored = state.layer_code.put_zip(bytes(content["ZipFile"]), "PublishLayerVersion")
    versions = state.layers.setdefault(name, [])
    layer = LayerVersion(
        name=name,
        version=versions[-1].version + 1 if versions else 1,
        description=params.get("Description", ""),
        created=timestamp(),
        code_sha256=stored.sha256,
        code_size=stored.size,
        compatible_runtimes=tuple(params.get("CompatibleRuntimes") or ()),
        compatible_architectures=tuple(params.get("CompatibleArchitectures") or ()),
        license_info=params.get("LicenseInfo"),
        path=stored.path,
    )
    versions.append(layer)
    persist.save_layer(state, layer)
    return _shape(state, layer, content=True)


async def get_layer_version(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name = names.layer_name(params["LayerName"])
    layer = _find(state, name, int(params["VersionNumber"]))
    if layer is None:
        arn = state.layer_arn(name, int(params["VersionNumber"]))
        raise not_found(f"Layer version {arn} does not exist.")
    return _shape(state, layer, content=True)


def _matches(layer: LayerVersion, params: OperationInput) -> bool:
    runtime = params.get("CompatibleRuntime")
    architecture = params.get("CompatibleArchitecture")
    return (not runtime or runtime in layer.compatible_runtimes) and (
        not architecture or architecture in layer.compatible_architectures
    )


async def list_layers(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    items = []
    for name in sorted(state.layers):
        matching = [v for v in state.layers[name] if _matches(v, params)]
        if matching:
            latest = _shape(state, matching[-1], content=False)
            items.append(
                {
                    "LayerName": name,
                    "LayerArn": state.layer_arn(name),
                    "LatestMatchingVersion": latest,
                }
            )
    return listing("Layers", items, params)


async def list_layer_versions(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name = names.layer_name(params["LayerName"])
    newest_first = [v for v in reversed(state.layers.get(name, [])) if _matches(v, params)]
    return listing("LayerVersions", newest_first, params, lambda v: _shape(state, v, content=False))


OPERATIONS: dict[str, Operation] = {
    "PublishLayerVersion": publish_layer_version,
    "GetLayerVersion": get_layer_version,
    "ListLayers": list_layers,
    "ListLayerVersions": list_layer_versions,
}
