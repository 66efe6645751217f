"""CreateAlias, UpdateAlias, GetAlias, ListAliases, DeleteAlias.

An alias points to one version and may send a weighted share of its invocations to one
additional version.
https://docs.aws.amazon.com/lambda/latest/dg/configuration-aliases.html
https://docs.aws.amazon.com/lambda/latest/dg/configuring-alias-routing.html
"""

from __future__ import annotations

import re
from typing import Any

import msgspec

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.functions.error import FunctionNotFoundError
from lamina.functions.model import AliasConfig
from lamina.services.lambda_ import names, persist, shape
from lamina.services.lambda_.error import (
    check_revision,
    conflict,
    function_not_found,
    invalid,
    not_found,
)
from lamina.services.lambda_.paging import listing
from lamina.services.lambda_.state import LambdaState, Operation, new_revision

_ALIAS_NAME = re.compile(r"(?!^[0-9]+$)[a-zA-Z0-9_-]{1,128}")


def _weights(
    state: LambdaState, name: str, primary: str, params: OperationInput
) -> dict[str, float]:
    routing = params.get("RoutingConfig") or {}
    weights = {str(k): float(v) for k, v in (routing.get("AdditionalVersionWeights") or {}).items()}
    if len(weights) > 1:
        raise invalid("Only one additional version is supported in RoutingConfig.")
    for version, weight in weights.items():
        if not 0.0 <= weight <= 1.0:
            raise invalid(f"Invalid weight {weight} for version {version}: must be within 0..1.")
        if version == primary:
            raise invalid("The additional version must differ from the alias's FunctionVersion.")
        if not version.isdigit() or not primary.isdigit():
            raise invalid("RoutingConfig needs published versions: $LATEST cannot take part.")
    return weights


def _store(state: LambdaState, name: str, alias: AliasConfig) -> OperationOutput:
    try:
        state.functions.set_alias(name, alias)
    except FunctionNotFoundError as error:
        missing = next(
            v
            for v in (alias.function_version, *alias.additional_version_weights)
            if v != "$LATEST" and v not in {c.version for c in state.functions.versions(name)}
        )
        raise function_not_found(state.function_arn(name, missing)) from error
    persist.save(state, name)  # the alias with its routing, in one transaction
    return shape.alias(state, name, alias)


def _existing(state: LambdaState, name: str, alias: str) -> AliasConfig:
    try:
        return state.functions.alias(name, alias)
    except FunctionNotFoundError as error:
        raise not_found(f"Alias not found: {state.function_arn(name, alias)}") from error


async def create_alias(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, _ = names.function_name(params["FunctionName"])
    state.config(name)
    alias_name = params["Name"]
    if not _ALIAS_NAME.fullmatch(alias_name):
        raise invalid(f"Invalid alias name: {alias_name}")
    if alias_name in {alias.name for alias in state.functions.aliases(name)}:
        raise conflict(f"Alias already exists: {state.function_arn(name, alias_name)}")
    version = params["FunctionVersion"]
    alias = AliasConfig(
        name=alias_name,
        function_version=version,
        additional_version_weights=_weights(state, name, version, params),
        description=params.get("Description", ""),
        revision_id=new_revision(),
    )
    return _store(state, name, alias)


async def update_alias(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, _ = names.function_name(params["FunctionName"])
    state.config(name)
    alias = _existing(state, name, params["Name"])
    check_revision(params.get("RevisionId"), alias.revision_id, "GetAlias")
    version = params.get("FunctionVersion", alias.function_version)
    fields: dict[str, Any] = {"function_version": version, "revision_id": new_revision()}
    if "Description" in params:
        fields["description"] = params["Description"]
    if "RoutingConfig" in params:
        fields["additional_version_weights"] = _weights(state, name, version, params)
    elif version in alias.additional_version_weights:
        raise invalid("The additional version must differ from the alias's FunctionVersion.")
    return _store(state, name, msgspec.structs.replace(alias, **fields))


async def get_alias(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, _ = names.function_name(params["FunctionName"])
    state.config(name)
    return shape.alias(state, name, _existing(state, name, params["Name"]))


async def list_aliases(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, _ = names.function_name(params["FunctionName"])
    state.config(name)
    aliases = sorted(state.functions.aliases(name), key=lambda alias: alias.name)
    version = params.get("FunctionVersion")
    if version:
        aliases = [
            a for a in aliases if version in (a.function_version, *a.additional_version_weights)
        ]
    return listing("Aliases", aliases, params, lambda alias: shape.alias(state, name, alias))


async def delete_alias(
    state: LambdaState, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    name, _ = names.function_name(params["FunctionName"])
    state.config(name)
    alias = _existing(state, name, params["Name"])
    state.functions.delete_alias(name, alias.name)
    state.forget(name, alias.name)
    persist.save(state, name)
    return {}


OPERATIONS: dict[str, Operation] = {
    "CreateAlias": create_alias,
    "UpdateAlias": update_alias,
    "GetAlias": get_alias,
    "ListAliases": list_aliases,
    "DeleteAlias": delete_alias,
}
