"""PublishLayerVersion, GetLayerVersion, ListLayers, ListLayerVersions.

Layer zips are stored (unpacked, content-addressed) but not yet mounted under /opt.
https://docs.aws.amazon.com/lambda/latest/dg/chapter-layers.html
https://docs.aws.amazon.com/lambda/latest/api/API_PublishLayerVersion.html
"""

from __future__ import annotations

import re
from typing import Any

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.services.lambda_ import names
from lamina.services.lambda_.error import invalid, not_found
from lamina.services.lambda_.paging import page
from lamina.services.lambda_.state import LambdaState, LayerRef, LayerVersion, Operation, timestamp

_VERSION_ARN = re.compile(
    r"arn:aws[a-zA-Z-]*:lambda:[a-z0-9-]+:\d{12}:layer:([a-zA-Z0-9_-]+):(\d+)"
)
_MISSING = "The resource you requested does not exist."


def reference(state: LambdaState, arn: str) -> LayerRef:
    """A function's Layers entry: the layer version must exist."""
    match = _VERSION_ARN.fullmatch(arn)
    layer = _find(state, match.group(1), int(match.group(2))) if match else None
    if layer is None:
        raise invalid(f"Layer version {arn} does not exist.")
    return LayerRef(arn, layer.code_size)


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
    )
    versions.append(layer)
    return _shape(state, layer, content=True)


async def get_layer_version(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    layer = _find(state, names.layer_name(params["LayerName"]), int(params["VersionNumber"]))
    if layer is None:
        raise not_found(_MISSING)
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
    chunk, marker = page(items, params)
    answer: dict[str, Any] = {"Layers": list(chunk)}
    if marker is not None:
        answer["NextMarker"] = marker
    return answer


async def list_layer_versions(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name = names.layer_name(params["LayerName"])
    newest_first = [v for v in reversed(state.layers.get(name, [])) if _matches(v, params)]
    chunk, marker = page(newest_first, params)
    answer: dict[str, Any] = {"LayerVersions": [_shape(state, v, content=False) for v in chunk]}
    if marker is not None:
        answer["NextMarker"] = marker
    return answer


OPERATIONS: dict[str, Operation] = {
    "PublishLayerVersion": publish_layer_version,
    "GetLayerVersion": get_layer_version,
    "ListLayers": list_layers,
    "ListLayerVersions": list_layer_versions,
}
