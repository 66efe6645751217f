"""AWS::Lambda::Function resources into FunctionConfig.

https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-function.html
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from lamina.config.code import function_code_path
from lamina.config.error import ConfigError
from lamina.config.layer import function_layers
from lamina.config.model import TemplateLayer, TemplateRelease
from lamina.config.reference import LAMBDA_FUNCTION, CfnResource
from lamina.config.stack import Stack
from lamina.functions import logformat
from lamina.functions.model import (
    DEFAULT_MEMORY_MB,
    DEFAULT_TIMEOUT_S,
    FunctionConfig,
    LoggingConfig,
)
from lamina.functions.sandbox.policy import MAX_EPHEMERAL_MB, MIN_EPHEMERAL_MB

LAMBDA_ALIAS = "AWS::Lambda::Alias"
LAMBDA_VERSION = "AWS::Lambda::Version"

# Runtimes Lamina runs: Python natively, Node.js and custom runtimes via the Runtime API.
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
RUNNABLE_FAMILIES = ("python", "nodejs", "provided")
SUPPORTED_RUNTIMES = frozenset(
    {f"python3.{minor}" for minor in range(9, 15)}
    | {"nodejs18.x", "nodejs20.x", "nodejs22.x", "provided.al2", "provided.al2023"}
)


def build_functions(stack: Stack, layers: list[TemplateLayer]) -> list[FunctionConfig]:
    """The template's functions; `layers` are the template's own layer versions."""
    functions = []
    for resource in stack.of_type(LAMBDA_FUNCTION):
        with stack.blame(resource.logical_id):
            functions.append(_function(stack, resource, layers))
    aliases = _aliases(stack)
    return [
        msgspec.structs.replace(f, aliases=tuple(sorted(aliases.get(f.name, ()))))
        for f in functions
    ]


def _aliases(stack: Stack) -> dict[str, set[str]]:
    """Function name -> alias names, from AWS::Lambda::Alias resources.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-alias.html
    """
    found: dict[str, set[str]] = {}
    for resource in stack.of_type(LAMBDA_ALIAS):
        with stack.blame(resource.logical_id):
            function = stack.text(resource, "FunctionName")
            # FunctionName may be a name, a partial ARN or a full ARN.
            name = function.rsplit(":function:", 1)[-1].split(":", 1)[0]
            found.setdefault(name, set()).add(stack.text(resource, "Name"))
    return found


def build_releases(stack: Stack) -> list[TemplateRelease]:
    """The template's aliases with the version each names, and one entry with no alias
    for each function an AWS::Lambda::Version publishes (SAM's AutoPublishAlias makes
    both). https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-version.html
    """
    versions: dict[str, str] = {}  # Version logical id -> function name
    releases = []
    for resource in stack.of_type(LAMBDA_VERSION):
        with stack.blame(resource.logical_id):
            name = _function_name(stack.text(resource, "FunctionName"))
            versions[resource.logical_id] = name
            description = stack.text(resource, "Description", "")
            releases.append(TemplateRelease(function_name=name, alias="", description=description))
    for resource in stack.of_type(LAMBDA_ALIAS):
        with stack.blame(resource.logical_id):
            releases.append(
                TemplateRelease(
                    function_name=_function_name(stack.text(resource, "FunctionName")),
                    alias=stack.text(resource, "Name"),
                    version=_version(stack, resource.properties.get("FunctionVersion"), versions),
                    weights=_weights(stack, resource, versions),
                )
            )
    return releases


def _version(stack: Stack, value: object, versions: dict[str, str]) -> str:
    """ "" for a version the template's AWS::Lambda::Version publishes, else the number."""
    if _version_resource(value) in versions:
        return ""
    if value is None:
        raise ConfigError("FunctionVersion is required")
    return stack.resolver.resolve_string(value, "FunctionVersion")


def _weights(stack: Stack, resource: CfnResource, versions: dict[str, str]) -> dict[str, float]:
    """RoutingConfig.AdditionalVersionWeights, version -> weight.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-alias-aliasroutingconfiguration.html
    """
    routing = resource.properties.get("RoutingConfig") or {}
    entries = routing.get("AdditionalVersionWeights") if isinstance(routing, dict) else None
    weights = {}
    for entry in entries or []:
        if not isinstance(entry, dict) or "FunctionVersion" not in entry:
            raise ConfigError("AdditionalVersionWeights entries need FunctionVersion")
        version = _version(stack, entry["FunctionVersion"], versions)
        weights[version] = _number(stack.resolver.resolve(entry.get("FunctionWeight")), "Weight")
    return weights


def _version_resource(value: object) -> str | None:
    """The logical id in ``!GetAtt Version.Version`` (the version number it publishes)."""
    if not isinstance(value, dict) or set(value) != {"Fn::GetAtt"}:
        return None
    target = value["Fn::GetAtt"]
    parts = target.split(".", 1) if isinstance(target, str) else target
    if isinstance(parts, list) and len(parts) == 2 and parts[1] == "Version":
        return str(parts[0])
    return None


def _function_name(function: str) -> str:
    """FunctionName may be a name, a partial ARN or a full ARN."""
    return function.rsplit(":function:", 1)[-1].split(":", 1)[0]


def function_index(functions: list[FunctionConfig]) -> dict[str, str]:
    """Name and ARN of every function -> its name (what integration URIs are checked with)."""
    index = {f.name: f.name for f in functions}
    index.update({f.arn: f.name for f in functions})
    return index


def _function(stack: Stack, resource: CfnResource, layers: list[TemplateLayer]) -> FunctionConfig:
    properties = resource.properties
    if properties.get("PackageType") == "Image":
        raise ConfigError("container image functions need Docker, which Lamina does not use")
    runtime = stack.text(resource, "Runtime")
    handler = stack.text(resource, "Handler")
    if not runtime.startswith(RUNNABLE_FAMILIES):
        stack.warnings.append(
            f"runtime {runtime} ({resource.logical_id}) does not run in Lamina yet (Python, "
            "Node.js and provided runtimes do), so its invocations will fail"
        )
    elif runtime.startswith("python") and runtime not in SUPPORTED_RUNTIMES:
        stack.warnings.append(
            f"runtime {runtime} ({resource.logical_id}) is not a current Lambda Python "
            "runtime; it runs on the interpreter at hand"
        )
    name = stack.resources.function_name(resource.logical_id, stack.resolver)
    code_path = function_code_path(
        stack.prop(resource, "Code"),
        artifacts=stack.artifacts,
        logical_id=resource.logical_id,
        runtime=runtime,
    )
    if not Path(code_path).is_dir():
        stack.warnings.append(f"code folder {code_path} of {resource.logical_id} does not exist")
    return FunctionConfig(
        name=name,
        logical_id=resource.logical_id,
        runtime=runtime,
        handler=handler,
        code_path=code_path,
        timeout_s=_number(stack.prop(resource, "Timeout", DEFAULT_TIMEOUT_S), "Timeout"),
        memory_mb=int(_number(stack.prop(resource, "MemorySize", DEFAULT_MEMORY_MB), "MemorySize")),
        environment=_environment(stack.prop(resource, "Environment")),
        layers=function_layers(stack, resource, layers),
        ephemeral_storage_mb=_ephemeral_storage(stack.prop(resource, "EphemeralStorage")),
        logging=_logging(stack.prop(resource, "LoggingConfig")),
        # SAM's `Tracing: Active` becomes TracingConfig.Mode.
        tracing_mode=str((stack.prop(resource, "TracingConfig") or {}).get("Mode", "PassThrough")),
        arn=stack.resources.function_arn(resource.logical_id, stack.resolver),
        role=str(stack.prop(resource, "Role") or ""),
    )


def _ephemeral_storage(storage: object) -> int:
    """EphemeralStorage.Size: the MB of /tmp, 512 (the default) to 10240.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-ephemeralstorage.html
    """
    if storage is None:
        return MIN_EPHEMERAL_MB
    if not isinstance(storage, dict) or "Size" not in storage:
        raise ConfigError(f"EphemeralStorage must be a mapping with Size, got {storage!r}")
    size = _number(storage["Size"], "EphemeralStorage.Size")
    if not size.is_integer() or not MIN_EPHEMERAL_MB <= size <= MAX_EPHEMERAL_MB:
        raise ConfigError(
            f"EphemeralStorage.Size must be a whole number of MB from {MIN_EPHEMERAL_MB} "
            f"to {MAX_EPHEMERAL_MB}, got {storage['Size']!r}"
        )
    return int(size)


def _logging(config: object) -> LoggingConfig:
    """LoggingConfig: the log format, level filters and log group.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-loggingconfig.html
    """
    if config is None:
        return LoggingConfig()
    if not isinstance(config, dict):
        raise ConfigError(f"LoggingConfig must be a mapping, got {config!r}")
    try:
        return logformat.logging_config(config)
    except ValueError as error:
        raise ConfigError(f"LoggingConfig: {error}") from None


def _number(value: object, name: str) -> float:
    try:
        return float(str(value))
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {value!r}") from None


def _environment(environment: object) -> dict[str, str]:
    if environment is None:
        return {}
    variables = environment.get("Variables") if isinstance(environment, dict) else None
    if variables is None:
        return {}
    if not isinstance(variables, dict):
        raise ConfigError("Environment.Variables must be a mapping")
    return {str(key): _variable_text(key, value) for key, value in variables.items()}


def _variable_text(key: object, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ConfigError(f"environment variable {key} must be a string, got {value!r}")
