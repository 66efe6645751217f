"""Saving the Lambda API's changes to the Store and reading them back at start.

``save(state, name)`` ends every operation that changes a function: it writes what the
provider now holds for that function (records.py) in one transaction. ``load(state)``
puts the stored layers and functions back when the provider starts, after the
template's functions are deployed and before the template's permissions and layers are
added.
"""

from __future__ import annotations

import logging

from lamina.functions.error import FunctionError
from lamina.services.lambda_.meta import LayerVersion
from lamina.services.lambda_.records import (
    FunctionRecord,
    FunctionState,
    InvokeConfigRecord,
    PolicyRecord,
    VersionRecord,
)
from lamina.services.lambda_.state import LambdaState

log = logging.getLogger("lamina.services.lambda")

LATEST = "$LATEST"
INVOKE_SETTINGS = ("MaximumRetryAttempts", "MaximumEventAgeInSeconds", "DestinationConfig")


def save(state: LambdaState, name: str) -> None:
    """Store what the provider holds for function ``name`` (its absence once deleted)."""
    records = state.records
    if records is None:
        return
    configs = [
        config
        for latest in state.functions.functions()
        for config in (latest, *state.functions.versions(latest.name))
    ]
    layers = [layer for versions in state.layers.values() for layer in versions]
    referenced = records.used_zips(configs, layers)
    held = held_state(state, name)
    with records.store.transaction() as tx:
        records.write_function(tx, name, held, referenced)
        records.mark_changed(tx, name)  # nodes sharing the store follow (follow.py)


def save_layer(state: LambdaState, layer: LayerVersion) -> None:
    """Store a layer version PublishLayerVersion made, with its zip."""
    records = state.records
    if records is None:
        return
    with records.store.transaction() as tx:
        records.write_layer(tx, layer)
        records.mark_changed(tx, None)


def held_state(state: LambdaState, name: str) -> FunctionState | None:
    """What the provider holds for ``name`` that the template does not give back."""
    if name not in state.functions.function_names():
        return None
    made_by_api = name in state.made_by_api
    record = FunctionRecord(
        name=name,
        latest=state.functions.get(name) if made_by_api else None,
        meta=state.meta_of(name, LATEST) if made_by_api else None,
        dead_letter=state.dead_letters.get(name, "") if made_by_api else "",
        last_version=state.functions.last_version(name),
        reserved_concurrency=state.functions.reserved_concurrency(name),
    )
    versions = [
        VersionRecord(config=config, meta=state.meta_of(name, config.version))
        for config in state.functions.versions(name)
    ]
    policies = []
    for (function, qualifier), statements in state.policies.items():
        kept = [
            statement
            for statement in statements
            if (function, qualifier, statement["Sid"]) not in state.template_statements
        ]
        if function == name and kept:
            policies.append(PolicyRecord(qualifier=qualifier, statements=kept))
    invoke_configs = [
        InvokeConfigRecord(
            qualifier=qualifier,
            settings={key: config[key] for key in INVOKE_SETTINGS if key in config},
            last_modified=config["LastModified"],
        )
        for (function, qualifier), config in state.event_configs.items()
        if function == name
    ]
    return FunctionState(
        record=record,
        versions=versions,
        # Aliases the API never touched are the template's (they carry no RevisionId).
        aliases=[alias for alias in state.functions.aliases(name) if alias.revision_id],
        policies=policies,
        invoke_configs=invoke_configs,
    )


def load(state: LambdaState) -> None:
    """Put the stored layers and functions back into ``state`` and its FunctionService."""
    records = state.records
    if records is None:
        return
    for layer in records.read_layers(state.layer_code):
        state.layers.setdefault(layer.name, []).append(layer)
    for versions in state.layers.values():
        versions.sort(key=lambda layer: layer.version)
    for held in records.read_functions(state.code, state.layer_code):
        if _restore_runtime(state, held):
            restore_api_fields(state, held)


def _restore_runtime(state: LambdaState, held: FunctionState) -> bool:
    """Deploy a stored API-made function and put back versions, aliases and concurrency;
    whether the function is there. A template's function that is no longer in the
    template is skipped (its records stay, for when it comes back)."""
    name = held.record.name
    exists = name in state.functions.function_names()
    latest = held.record.latest
    if latest is not None and exists:
        log.warning("function %s: the template's definition replaces the stored one", name)
    elif latest is not None:
        try:
            state.functions.deploy(latest)
        except FunctionError as error:  # e.g. a layer folder that is gone
            log.warning("function %s cannot be restored: %s", name, error)
            return False
        state.made_by_api.add(name)
    elif not exists:
        log.info("function %s is not in the template any more; its versions are kept", name)
        return False
    functions = state.functions
    functions.restore_versions(name, [v.config for v in held.versions], held.record.last_version)
    for alias in held.aliases:
        try:
            functions.set_alias(name, alias)
        except FunctionError:
            log.warning("alias %s:%s names a version that is gone; skipped", name, alias.name)
    if held.record.reserved_concurrency is not None:
        functions.set_reserved_concurrency(name, held.record.reserved_concurrency)
    return True


def restore_api_fields(state: LambdaState, held: FunctionState) -> None:
    """Put the stored API fields of a function back: its descriptive fields, dead-letter
    target, versions' fields, policy statements (added to those held) and invoke configs."""
    name = held.record.name
    if name in state.made_by_api and held.record.meta is not None:
        state.meta[(name, LATEST)] = held.record.meta
        if held.record.dead_letter:
            state.dead_letters[name] = held.record.dead_letter
    for version in held.versions:
        state.meta[(name, version.config.version)] = version.meta
    for policy in held.policies:
        state.policies.setdefault((name, policy.qualifier), []).extend(policy.statements)
    for config in held.invoke_configs:
        state.event_configs[(name, config.qualifier)] = {
            "LastModified": config.last_modified,
            "FunctionArn": state.function_arn(name, config.qualifier),
            **config.settings,
        }
