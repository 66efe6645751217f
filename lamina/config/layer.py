"""AWS::Lambda::LayerVersion resources, and the `Layers` of the functions that use them.

A function's `Layers` are layer version ARNs (a Ref to a layer resource returns one). Those
of the template's own layers become local folders, in order; others (public AWS layers,
layers of other stacks) cannot be fetched, so the function runs without them and the user
is told which.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-layerversion.html
https://docs.aws.amazon.com/lambda/latest/dg/adding-layers.html
"""

from __future__ import annotations

from pathlib import Path

from lamina.config.code import layer_content_path
from lamina.config.error import ConfigError
from lamina.config.model import TemplateLayer
from lamina.config.reference import (
    LAMBDA_LAYER_VERSION,
    CfnResource,
    layer_name,
    layer_version_arn,
)
from lamina.config.stack import Stack
from lamina.functions.sandbox.policy import MAX_LAYERS


def build_layers(stack: Stack) -> list[TemplateLayer]:
    layers = []
    for resource in stack.of_type(LAMBDA_LAYER_VERSION):
        with stack.blame(resource.logical_id):
            layers.append(_layer(stack, resource))
    return layers


def _layer(stack: Stack, resource: CfnResource) -> TemplateLayer:
    name = layer_name(resource, stack.resolver)
    path = layer_content_path(stack.prop(resource, "Content"), artifacts=stack.artifacts)
    if not Path(path).is_dir():
        raise ConfigError(f"layer content folder {path} does not exist")
    license_info = stack.prop(resource, "LicenseInfo")
    return TemplateLayer(
        logical_id=resource.logical_id,
        name=name,
        arn=layer_version_arn(stack.resolver, name),
        path=path,
        description=str(stack.prop(resource, "Description", "")),
        compatible_runtimes=_strings(stack.prop(resource, "CompatibleRuntimes", [])),
        compatible_architectures=_strings(stack.prop(resource, "CompatibleArchitectures", [])),
        license_info=None if license_info is None else str(license_info),
    )


def _strings(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise ConfigError(f"expected a list of strings, got {value!r}")
    return tuple(str(item) for item in value)


def function_layers(
    stack: Stack, resource: CfnResource, layers: list[TemplateLayer]
) -> tuple[str, ...]:
    """The local folders of a function's `Layers`, in order; warns about ARNs not held."""
    arns = stack.prop(resource, "Layers", [])
    if not isinstance(arns, list) or not all(isinstance(arn, str) for arn in arns):
        raise ConfigError(f"Layers must be a list of layer version ARNs, got {arns!r}")
    if len(arns) > MAX_LAYERS:
        raise ConfigError(f"Layers: {len(arns)} layers; a function can use at most {MAX_LAYERS}")
    by_arn = {layer.arn: layer.path for layer in layers}
    missing = [arn for arn in arns if arn not in by_arn]
    if missing:
        stack.warnings.append(
            f"{resource.logical_id} runs without layers that are not in this template "
            f"(Lamina cannot download them): {', '.join(missing)}"
        )
    return tuple(by_arn[arn] for arn in arns if arn in by_arn)
