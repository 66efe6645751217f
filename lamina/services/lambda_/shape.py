"""FunctionConfiguration and AliasConfiguration as the Lambda API returns them.

https://docs.aws.amazon.com/lambda/latest/api/API_FunctionConfiguration.html
https://docs.aws.amazon.com/lambda/latest/api/API_AliasConfiguration.html
"""

from __future__ import annotations

from typing import Any

from lamina.functions import logformat
from lamina.functions.model import AliasConfig, FunctionConfig
from lamina.services.lambda_.meta import FunctionMeta
from lamina.services.lambda_.state import LambdaState


def configuration(
    state: LambdaState, config: FunctionConfig, *, qualified: bool = False
) -> dict[str, Any]:
    """``qualified``: the ARN names the version even for $LATEST (as in
    ListVersionsByFunction); published versions always carry their number."""
    meta = state.meta_of(config.name, config.version)
    version_in_arn = qualified or config.version != "$LATEST"
    shape: dict[str, Any] = {
        "FunctionName": config.name,
        "FunctionArn": state.function_arn(config.name, config.version if version_in_arn else None),
        "Runtime": config.runtime,
        "Role": meta.role,
        "Handler": config.handler,
        "CodeSize": meta.code_size,
        "Description": meta.description,
        "Timeout": int(config.timeout_s),
        "MemorySize": config.memory_mb,
        "LastModified": meta.last_modified,
        "CodeSha256": meta.code_sha256,
        "Version": config.version,
        "TracingConfig": {"Mode": config.tracing_mode},  # functions/trace.py reads it
        "RevisionId": meta.revision_id,
        "State": "Active",
        "LastUpdateStatus": "Successful",
        "PackageType": "Zip",
        "Architectures": list(meta.architectures),
        "EphemeralStorage": {"Size": config.ephemeral_storage_mb},
        "SnapStart": {"ApplyOn": "None", "OptimizationStatus": "Off"},
        "LoggingConfig": logformat.describe(config.logging, config.name),
    }
    if config.environment:
        shape["Environment"] = {"Variables": dict(config.environment)}
    dead_letter = state.dead_letters.get(config.name)
    if dead_letter:
        shape["DeadLetterConfig"] = {"TargetArn": dead_letter}
    if meta.layers:
        shape["Layers"] = _layers(meta)
    return shape


def _layers(meta: FunctionMeta) -> list[dict[str, Any]]:
    return [{"Arn": layer.arn, "CodeSize": layer.code_size} for layer in meta.layers]


def alias(state: LambdaState, function: str, config: AliasConfig) -> dict[str, Any]:
    shape: dict[str, Any] = {
        "AliasArn": state.function_arn(function, config.name),
        "Name": config.name,
        "FunctionVersion": config.function_version,
        "Description": config.description,
    }
    if config.revision_id:
        shape["RevisionId"] = config.revision_id
    if config.additional_version_weights:
        weights = dict(config.additional_version_weights)
        shape["RoutingConfig"] = {"AdditionalVersionWeights": weights}
    return shape
