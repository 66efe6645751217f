"""CreateFunction, GetFunction, GetFunctionConfiguration, ListFunctions, DeleteFunction.

https://docs.aws.amazon.com/lambda/latest/api/API_CreateFunction.html
"""

from __future__ import annotations

from typing import Any

import msgspec

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.functions.model import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_S, FunctionConfig
from lamina.services.lambda_ import layers, names, persist, shape, validate, versions
from lamina.services.lambda_.code import StoredCode
from lamina.services.lambda_.error import conflict, invalid
from lamina.services.lambda_.meta import FunctionMeta
from lamina.services.lambda_.paging import listing
from lamina.services.lambda_.role import check_role
from lamina.services.lambda_.state import LambdaState, Operation, new_revision, timestamp


def stored_code(state: LambdaState, code: dict[str, Any], operation: str) -> StoredCode:
    """The zip of a Code (CreateFunction) or of UpdateFunctionCode's parameters."""
    if code.get("S3Bucket") or code.get("S3Key"):
        raise invalid("S3 is not available yet in this Lamina: upload the code as ZipFile.")
    if code.get("ImageUri"):
        raise invalid("Container images are not supported by Lamina: use a Zip package.")
    data = code.get("ZipFile")
    if not data:
        raise invalid("Please provide a source for function code.")
    return state.code.put_zip(bytes(data), operation)


async def create_function(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, _ = names.function_name(params["FunctionName"])
    if name in {config.name for config in state.functions.functions()}:
        raise conflict(f"Function already exist: {name}")
    if params.get("PackageType", "Zip") != "Zip":
        raise invalid("Container images are not supported by Lamina: use a Zip package.")
    if not params.get("Runtime") or not params.get("Handler"):
        raise invalid(
            "Runtime and Handler are mandatory parameters for functions created with "
            "deployment packages."
        )
    check_role(state, ctx, params)
    stored = stored_code(state, params.get("Code") or {}, "CreateFunction")
    latest = FunctionConfig(
        name=name,
        runtime=params["Runtime"],
        handler=params["Handler"],
        code_path=stored.path,
        timeout_s=float(validate.timeout(params.get("Timeout", int(DEFAULT_TIMEOUT_S)))),
        memory_mb=validate.memory(params.get("MemorySize", DEFAULT_MEMORY_MB)),
        environment=validate.environment(variables(params)),
    )
    config, meta = configured(state, params, latest, FunctionMeta(role=params.get("Role", "")))
    meta = with_code(meta, stored)
    state.functions.deploy(config)
    state.made_by_api.add(name)
    state.meta[(name, "$LATEST")] = meta
    remember_dead_letter(state, name, params)
    published = versions.publish(state, name, None) if params.get("Publish") else None
    persist.save(state, name)  # the function, its code and first version together
    return shape.configuration(state, published if published else state.functions.get(name))


def remember_dead_letter(state: LambdaState, name: str, params: OperationInput) -> None:
    """DeadLetterConfig.TargetArn: where asynchronous events go once retries are spent;
    an empty TargetArn removes it.
    https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html"""
    if "DeadLetterConfig" not in params:
        return
    target = (params["DeadLetterConfig"] or {}).get("TargetArn") or ""
    if target:
        state.dead_letters[name] = target
    else:
        state.dead_letters.pop(name, None)


def variables(params: OperationInput) -> dict[str, str]:
    return dict((params.get("Environment") or {}).get("Variables") or {})


def with_code(meta: FunctionMeta, stored: StoredCode) -> FunctionMeta:
    return _replace(meta, code_sha256=stored.sha256, code_size=stored.size)


def _replace(meta: FunctionMeta, **fields: Any) -> FunctionMeta:
    """``meta`` changed: a new LastModified and RevisionId."""
    return msgspec.structs.replace(
        meta, last_modified=timestamp(), revision_id=new_revision(), **fields
    )


def configured(
    state: LambdaState, params: OperationInput, config: FunctionConfig, meta: FunctionMeta
) -> tuple[FunctionConfig, FunctionMeta]:
    """``config`` and ``meta`` with the Layers, EphemeralStorage and LoggingConfig
    ``params`` set, and
    ``meta`` with the descriptive fields (CreateFunction, UpdateFunctionConfiguration).
    https://docs.aws.amazon.com/lambda/latest/dg/adding-layers.html
    https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html"""
    sandbox: dict[str, Any] = {}
    if "EphemeralStorage" in params:
        size = params["EphemeralStorage"]["Size"]
        sandbox["ephemeral_storage_mb"] = validate.ephemeral_storage(size)
    if "Role" in params:  # the execution role each environment's credentials are of
        sandbox["role"] = str(params["Role"])
    if "TracingConfig" in params:  # functions/trace.py
        sandbox["tracing_mode"] = params["TracingConfig"].get("Mode", "PassThrough")
    if "LoggingConfig" in params:
        sandbox["logging"] = validate.logging(params["LoggingConfig"], config.logging)
    refs = None
    if "Layers" in params:
        chosen = layers.resolve(state, params["Layers"])
        sandbox["layers"] = tuple(layer.path for layer in chosen)
        refs = tuple(layers.reference(state, layer) for layer in chosen)
    meta = _described(params, meta)
    if refs is not None:
        meta = msgspec.structs.replace(meta, layers=refs)
    return msgspec.structs.replace(config, **sandbox), meta


def _described(params: OperationInput, meta: FunctionMeta) -> FunctionMeta:
    """``meta`` with the descriptive fields ``params`` sets."""
    fields: dict[str, Any] = {}
    for key, field in (("Role", "role"), ("Description", "description")):
        if key in params:
            fields[field] = params[key]
    if "TracingConfig" in params:
        fields["tracing_mode"] = params["TracingConfig"].get("Mode", "PassThrough")
    if "Architectures" in params:
        fields["architectures"] = tuple(params["Architectures"])
    return _replace(meta, **fields)


async def get_function(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, qualifier = names.function_name(params["FunctionName"], params.get("Qualifier"))
    config = state.config(name, qualifier)
    answer: dict[str, Any] = {
        "Configuration": shape.configuration(state, config),
        # Lambda answers a presigned S3 URL; Lamina has no S3 to point at yet.
        "Code": {"RepositoryType": "S3"},
    }
    reserved = state.functions.reserved_concurrency(name)
    if reserved is not None:
        answer["Concurrency"] = {"ReservedConcurrentExecutions": reserved}
    return answer


async def get_function_configuration(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, qualifier = names.function_name(params["FunctionName"], params.get("Qualifier"))
    return shape.configuration(state, state.config(name, qualifier))


async def list_functions(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    configs: list[FunctionConfig] = []
    for latest in sorted(state.functions.functions(), key=lambda config: config.name):
        configs.append(latest)
        if params.get("FunctionVersion") == "ALL":
            configs.extend(state.functions.versions(latest.name))
    everything = params.get("FunctionVersion") == "ALL"
    return listing(
        "Functions",
        configs,
        params,
        lambda config: shape.configuration(state, config, qualified=everything),
    )


async def delete_function(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, qualifier = names.function_name(params["FunctionName"], params.get("Qualifier"))
    state.config(name)
    if qualifier is not None:
        versions.delete(state, name, qualifier)
    else:
        state.functions.remove(name)
        state.forget(name)
    persist.save(state, name)
    return {}


OPERATIONS: dict[str, Operation] = {
    "CreateFunction": create_function,
    "GetFunction": get_function,
    "GetFunctionConfiguration": get_function_configuration,
    "ListFunctions": list_functions,
    "DeleteFunction": delete_function,
}
