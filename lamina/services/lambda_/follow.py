"""Following the Lambda API's changes other nodes on a shared store make.

Every change a node persists bumps a counter and marks the function it touched with the
new value and the node's id (records.py). ``LambdaFollower.follow()`` reads the counter
once a second; when it moved, the functions other nodes marked since are re-read (both
in an executor: a store read or unpacking a zip never holds the event loop) and applied
to the running FunctionService and LambdaState, on the event loop:

    gone from the store         the function is removed
    $LATEST's RevisionId moved  $LATEST is deployed again (its warm workers retire)
    versions, aliases           new ones are added, changed ones replaced, removed ones
                                dropped (the template's aliases are kept)
    concurrency, policies,      replaced by what the store holds (the template's
    invoke configs              permission statements are kept)

A template's function keeps its template $LATEST, as at start (persist.load).
"""

from __future__ import annotations

import asyncio
import logging

from lamina.core.store import StoreError
from lamina.functions.error import FunctionError
from lamina.services.lambda_.meta import LayerVersion
from lamina.services.lambda_.persist import LATEST, restore_api_fields
from lamina.services.lambda_.records import FunctionState, LambdaRecords
from lamina.services.lambda_.state import LambdaState

log = logging.getLogger("lamina.services.lambda")

Change = tuple[str, FunctionState | None]
"""A function another node changed and what the store now holds for it (None: gone)."""


class LambdaFollower:
    """Applies other nodes' Lambda API changes to ``state``; ``follow()`` starts it."""

    __slots__ = ("_records", "_seen", "_task", "state")

    def __init__(self, state: LambdaState, records: LambdaRecords) -> None:
        self.state = state
        self._records = records
        self._seen = records.generation()
        self._task: asyncio.Task[None] | None = None

    async def follow(self, interval_s: float = 1.0) -> None:
        """One read of the counter every ``interval_s``; cancel() stops it."""

        async def run() -> None:
            while True:
                await asyncio.sleep(interval_s)
                try:
                    await self.catch_up()
                except StoreError as error:  # the database away for a moment: next tick
                    log.warning("cannot read the Lambda API's store: %s", error)

        self._task = asyncio.get_running_loop().create_task(run())

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def catch_up(self) -> None:
        """Apply what other nodes changed since the last call (nothing when the counter
        did not move)."""
        loop = asyncio.get_running_loop()
        read = await loop.run_in_executor(None, self._read, self._seen)
        if read is None:
            return
        seen, layers, changed = read
        self._add_layers(layers)
        for name, held in changed:
            try:
                self._apply(name, held)
            except Exception:  # one function's records this node cannot apply
                log.exception("function %s: another node's change is not applied", name)
        self._seen = seen

    def _read(self, since: int) -> tuple[int, list[LayerVersion], list[Change]] | None:
        """In an executor (a store read never waits on the event loop): the counter, the
        stored layers and the changed functions; None when the counter did not move."""
        if self._records.generation() == since:
            return None
        state = self.state
        generation, names = self._records.changed_since(since)
        layers = self._records.read_layers(state.layer_code)
        return (
            generation,
            layers,
            [
                (name, self._records.read_function(name, state.code, state.layer_code))
                for name in names
            ],
        )

    def _add_layers(self, layers: list[LayerVersion]) -> None:
        """Layer versions another node published (they are never changed in place)."""
        state = self.state
        for layer in layers:
            versions = state.layers.setdefault(layer.name, [])
            if all(held.version != layer.version for held in versions):
                versions.append(layer)
                versions.sort(key=lambda held: held.version)

    def _apply(self, name: str, held: FunctionState | None) -> None:
        state = self.state
        functions = state.functions
        exists = name in functions.function_names()
        if held is None:
            if exists:
                functions.remove(name)
                state.forget(name)
            return
        latest = held.record.latest
        if latest is not None and (not exists or name in state.made_by_api):
            meta = held.record.meta
            known = state.meta.get((name, LATEST))
            if not exists or meta is None or known is None or known.revision_id != meta.revision_id:
                functions.deploy(latest)
                state.made_by_api.add(name)
        elif not exists:
            return  # a template's function this node's template does not have
        self._apply_versions(name, held)
        self._apply_aliases(name, held)
        if functions.reserved_concurrency(name) != held.record.reserved_concurrency:
            functions.set_reserved_concurrency(name, held.record.reserved_concurrency)
        self._drop_api_fields(name)
        state.dead_letters.pop(name, None)
        restore_api_fields(state, held)

    def _apply_versions(self, name: str, held: FunctionState) -> None:
        state = self.state
        stored = {version.config.version for version in held.versions}
        added = [
            version.config
            for version in held.versions
            if (name, version.config.version) not in state.meta
            or state.meta[(name, version.config.version)].revision_id != version.meta.revision_id
        ]
        state.functions.restore_versions(name, added, held.record.last_version)
        for config in state.functions.versions(name):
            if config.version not in stored:
                state.functions.delete_version(name, config.version)
                state.forget(name, config.version)

    def _apply_aliases(self, name: str, held: FunctionState) -> None:
        functions = self.state.functions
        local = {alias.name: alias for alias in functions.aliases(name)}
        for alias in held.aliases:
            if local.get(alias.name) != alias:
                try:
                    functions.set_alias(name, alias)
                except FunctionError:
                    log.warning("alias %s:%s names a version that is gone", name, alias.name)
        stored = {alias.name for alias in held.aliases}
        for alias in local.values():
            # An alias without a RevisionId is the template's, never stored.
            if alias.revision_id and alias.name not in stored:
                functions.delete_alias(name, alias.name)
                self.state.forget(name, alias.name)

    def _drop_api_fields(self, name: str) -> None:
        """Forget the stored policies and invoke configs of ``name`` (the store's are put
        back next); the template's permission statements stay."""
        state = self.state
        for key in [key for key in state.policies if key[0] == name]:
            kept = [
                statement
                for statement in state.policies[key]
                if (name, key[1], statement["Sid"]) in state.template_statements
            ]
            if kept:
                state.policies[key] = kept
            else:
                del state.policies[key]
        for key in [key for key in state.event_configs if key[0] == name]:
            del state.event_configs[key]
        state.policy_decisions.clear()
