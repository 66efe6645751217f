"""UpdateFunctionCode and UpdateFunctionConfiguration: a new $LATEST.

Warm workers of the previous $LATEST are retired; invocations in flight finish on it.
https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionCode.html
https://docs.aws.amazon.com/lambda/latest/api/API_UpdateFunctionConfiguration.html
"""

from __future__ import annotations

from typing import Any

import msgspec

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.services.lambda_ import names, persist, shape, validate, versions
from lamina.services.lambda_.error import check_revision
from lamina.services.lambda_.functions import (
    configured,
    remember_dead_letter,
    stored_code,
    variables,
    with_code,
)
from lamina.services.lambda_.role import check_role
from lamina.services.lambda_.state import LambdaState, Operation

LATEST = "$LATEST"


async def update_function_code(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, _ = names.function_name(params["FunctionName"])
    config = state.config(name)
    meta = state.meta_of(name, LATEST)
    check_revision(params.get("RevisionId"), meta.revision_id, "GetFunction")
    stored = stored_code(state, params, "UpdateFunctionCode")
    if params.get("DryRun"):
        return shape.configuration(state, config)
    meta = with_code(meta, stored)
    if "Architectures" in params:
        meta = msgspec.structs.replace(meta, architectures=tuple(params["Architectures"]))
    state.functions.deploy(msgspec.structs.replace(config, code_path=stored.path))
    state.meta[(name, LATEST)] = meta
    published = versions.publish(state, name, None) if params.get("Publish") else None
    persist.save(state, name)
    return shape.configuration(state, published if published else state.functions.get(name))


async def update_function_configuration(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, _ = names.function_name(params["FunctionName"])
    config = state.config(name)
    meta = state.meta_of(name, LATEST)
    check_revision(params.get("RevisionId"), meta.revision_id, "GetFunction")
    check_role(state, ctx, params)
    changed = msgspec.structs.replace(config, **_runtime_fields(params))
    changed, meta = configured(state, params, changed, meta)
    state.functions.deploy(changed)
    state.meta[(name, LATEST)] = meta
    remember_dead_letter(state, name, params)
    persist.save(state, name)
    return shape.configuration(state, state.functions.get(name))


def _runtime_fields(params: OperationInput) -> dict[str, Any]:
    """The FunctionConfig fields UpdateFunctionConfiguration's parameters change."""
    fields: dict[str, Any] = {}
    if "Runtime" in params:
        fields["runtime"] = params["Runtime"]
    if "Handler" in params:
        fields["handler"] = params["Handler"]
    if "Timeout" in params:
        fields["timeout_s"] = float(validate.timeout(params["Timeout"]))
    if "MemorySize" in params:
        fields["memory_mb"] = validate.memory(params["MemorySize"])
    if "Environment" in params:
        fields["environment"] = validate.environment(variables(params))
    return fields


OPERATIONS: dict[str, Operation] = {
    "UpdateFunctionCode": update_function_code,
    "UpdateFunctionConfiguration": update_function_configuration,
}
