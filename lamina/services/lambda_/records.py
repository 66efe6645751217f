"""What the Lambda API creates, kept in the control-plane Store so it survives a restart.

Kinds (keys never contain "/" inside a name: function, alias and layer names cannot):

    lambda/functions        name            FunctionRecord (an API-made function's $LATEST, or
                                            only the counters of a template's function)
    lambda/versions         name/N          VersionRecord (a published version)
    lambda/aliases          name/alias      AliasConfig (aliases the API set)
    lambda/policies         name/qualifier  PolicyRecord (statements AddPermission added)
    lambda/invoke-configs   name/qualifier  InvokeConfigRecord
    lambda/layers           name/N          LayerVersion (published through the API)
    lambda/code             hex sha256      the zip itself (function and layer code)
    lambda/changes          name            "<generation> <node>": the last change to name

Each change also bumps GENERATION and marks the function it touched with the new value
and the id of the node that made it, in the same transaction: the other nodes on a shared
store follow the counter and re-read the functions marked since (follow.py).

Every API change rewrites what the store holds for the function it touched, in one
transaction: after a crash the store holds a function either as it was before the change
or after it. The zip travels in the store (a PostgreSQL store serves other machines, an
exported state moves to another one); the unpacked folders under the state directory are
a cache, unpacked again from the zip when missing. Paths under the state directory are
stored relative to it.

Template functions come from the template at each start; what the API adds to them
(versions, aliases, permissions, concurrency, invoke configs) is stored and put back on
them. A version is a snapshot (a template function's folder is zipped when it is
published), so it runs what it ran even after the template's function changed.
"""

from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import msgspec

from lamina.aws.service import ServiceError
from lamina.core.store import Collection, Store, Transaction
from lamina.functions.model import AliasConfig, FunctionConfig
from lamina.services.lambda_.code import CodeStore
from lamina.services.lambda_.meta import FunctionMeta, LayerVersion

log = logging.getLogger("lamina.services.lambda")

CODE = "lambda/code"
CHANGES = "lambda/changes"
GENERATION = ("control/generation", "lambda")
"""(kind, key) of a counter every change bumps: other nodes on the store follow it."""
_IN_STATE = "@state/"


class FunctionRecord(msgspec.Struct, frozen=True, kw_only=True):
    name: str
    latest: FunctionConfig | None = None
    """The $LATEST of a function CreateFunction made; None for a template's function."""
    meta: FunctionMeta | None = None
    dead_letter: str = ""
    last_version: int = 0
    reserved_concurrency: int | None = None


class VersionRecord(msgspec.Struct, frozen=True, kw_only=True):
    config: FunctionConfig
    meta: FunctionMeta


class PolicyRecord(msgspec.Struct, frozen=True, kw_only=True):
    qualifier: str
    """"" for the unqualified function."""
    statements: list[dict[str, Any]]


class InvokeConfigRecord(msgspec.Struct, frozen=True, kw_only=True):
    qualifier: str
    settings: dict[str, Any]
    """MaximumRetryAttempts, MaximumEventAgeInSeconds, DestinationConfig as the API set them."""
    last_modified: datetime.datetime


class FunctionState(msgspec.Struct, frozen=True, kw_only=True):
    """Everything kept for one function, as the provider holds it in memory."""

    record: FunctionRecord
    versions: list[VersionRecord]
    aliases: list[AliasConfig]
    policies: list[PolicyRecord]
    invoke_configs: list[InvokeConfigRecord]


class LambdaRecords:
    """The Lambda API's kinds in one Store; paths are made portable against ``state_dir``."""

    def __init__(self, store: Store, state_dir: Path) -> None:
        self.store = store
        self.node = uuid.uuid4().hex
        """This process's id in the change marks (its own changes are not re-read)."""
        self._state_dir = state_dir
        self.functions = Collection(store, "lambda/functions", FunctionRecord)
        self.versions = Collection(store, "lambda/versions", VersionRecord)
        self.aliases = Collection(store, "lambda/aliases", AliasConfig)
        self.policies = Collection(store, "lambda/policies", PolicyRecord)
        self.invoke_configs = Collection(store, "lambda/invoke-configs", InvokeConfigRecord)
        self.layers = Collection(store, "lambda/layers", LayerVersion)

    # -- writing ------------------------------------------------------------------------

    def write_function(
        self,
        tx: Transaction,
        name: str,
        held: FunctionState | None,
        referenced: set[str],
    ) -> None:
        """Make the store hold ``held`` for ``name`` (None: the function is gone), with
        the zips its records now use; ``referenced``: every zip some function or layer
        still uses, so the zips only the old records used are deleted."""
        before = self._zips_of(tx, name)
        prefix = f"{name}/"
        kept: dict[str, set[str]] = {}
        if held is not None:
            self.functions.put(name, self._portable_record(held.record), tx)
            kept[self.versions.kind] = self._put_all(
                tx,
                self.versions,
                {f"{name}/{v.config.version}": self._portable_version(v) for v in held.versions},
            )
            kept[self.aliases.kind] = self._put_all(
                tx, self.aliases, {f"{name}/{a.name}": a for a in held.aliases}
            )
            kept[self.policies.kind] = self._put_all(
                tx, self.policies, {f"{name}/{p.qualifier}": p for p in held.policies}
            )
            kept[self.invoke_configs.kind] = self._put_all(
                tx, self.invoke_configs, {f"{name}/{c.qualifier}": c for c in held.invoke_configs}
            )
        else:
            self.functions.delete(name, tx)
        for collection in (self.versions, self.aliases, self.policies, self.invoke_configs):
            self._drop_others(tx, collection.kind, prefix, kept.get(collection.kind, set()))
        after = self._zips_of(tx, name)
        for digest in after - before:
            self._put_zip(tx, digest)
        for digest in before - after - referenced:
            tx.delete(CODE, digest)

    def mark_changed(self, tx: Transaction, name: str | None) -> int:
        """Bump GENERATION and mark ``name`` (None: a layer) as changed by this node."""
        raw = tx.get(*GENERATION)
        generation = (int(raw) if raw else 0) + 1
        tx.put(*GENERATION, str(generation).encode())
        if name is not None:
            tx.put(CHANGES, name, f"{generation} {self.node}".encode())
        return generation

    def generation(self) -> int:
        raw = self.store.get(*GENERATION)
        return int(raw) if raw else 0

    def changed_since(self, generation: int) -> tuple[int, list[str]]:
        """The counter now and the functions other nodes changed after ``generation``."""
        names = []
        with self.store.transaction() as tx:
            raw = tx.get(*GENERATION)
            for name, value in tx.scan(CHANGES, ""):
                marked, node = value.decode().split(" ", 1)
                if int(marked) > generation and node != self.node:
                    names.append(name)
        return (int(raw) if raw else 0), names

    def write_layer(self, tx: Transaction, layer: LayerVersion) -> None:
        portable = msgspec.structs.replace(layer, path=self.portable(layer.path))
        self.layers.put(f"{layer.name}/{layer.version}", portable, tx)
        digest = self._zip_of(layer.path)
        if digest is not None:
            self._put_zip(tx, digest)

    def _put_zip(self, tx: Transaction, digest: str) -> None:
        """Store the zip CodeStore kept beside its unpacked folder (``<root>/<hex>.zip``)."""
        for root in ("code", "layers"):
            path = self._state_dir / root / f"{digest}.zip"
            if path.is_file():
                tx.put(CODE, digest, path.read_bytes())
                return
        log.warning("the zip %s is not in the state directory; it is not stored", digest)

    @staticmethod
    def _put_all(
        tx: Transaction, collection: Collection[Any], records: Mapping[str, msgspec.Struct]
    ) -> set[str]:
        for key, record in records.items():
            collection.put(key, record, tx)
        return set(records)

    @staticmethod
    def _drop_others(tx: Transaction, kind: str, prefix: str, kept: set[str]) -> None:
        for key, _ in tx.scan(kind, prefix):
            if key not in kept:
                tx.delete(kind, key)

    def _zips_of(self, tx: Transaction, name: str) -> set[str]:
        """The zips the stored records of ``name`` use."""
        record = self.functions.get(name, tx)
        configs = [v.config for v in self.versions.all(f"{name}/", tx)]
        if record is not None and record.latest is not None:
            configs.append(record.latest)
        return {digest for config in configs for digest in self.zips_of(config)}

    def zips_of(self, config: FunctionConfig) -> set[str]:
        """The zips (hex sha256) ``config`` uses: its code and layers the API unpacked."""
        paths = (config.code_path, *config.layers)
        return {digest for digest in map(self._zip_of, paths) if digest is not None}

    def _zip_of(self, path: str) -> str | None:
        """The hex of the zip unpacked at ``path`` (``<state>/code/<hex>`` or
        ``<state>/layers/<hex>``, local or portable); None for other folders."""
        portable = self.portable(path)
        for root in ("code/", "layers/"):
            if portable.startswith(_IN_STATE + root):
                return portable.removeprefix(_IN_STATE + root)
        return None

    def used_zips(
        self, configs: Iterable[FunctionConfig], layers: Iterable[LayerVersion]
    ) -> set[str]:
        """Every zip ``configs`` and ``layers`` use."""
        used = {digest for config in configs for digest in self.zips_of(config)}
        return used | {d for d in (self._zip_of(layer.path) for layer in layers) if d is not None}

    # -- paths ----------------------------------------------------------------------------

    def portable(self, path: str) -> str:
        """A path inside the state directory as ``@state/<relative>``; others unchanged."""
        candidate = Path(path)
        if candidate.is_relative_to(self._state_dir):
            return _IN_STATE + candidate.relative_to(self._state_dir).as_posix()
        return path

    def local(self, path: str) -> str:
        if path.startswith(_IN_STATE):
            return str(self._state_dir / path.removeprefix(_IN_STATE))
        return path

    def _portable_config(self, config: FunctionConfig) -> FunctionConfig:
        return msgspec.structs.replace(
            config,
            code_path=self.portable(config.code_path),
            layers=tuple(self.portable(layer) for layer in config.layers),
        )

    def _local_config(self, config: FunctionConfig) -> FunctionConfig:
        return msgspec.structs.replace(
            config,
            code_path=self.local(config.code_path),
            layers=tuple(self.local(layer) for layer in config.layers),
        )

    def _portable_record(self, record: FunctionRecord) -> FunctionRecord:
        if record.latest is None:
            return record
        return msgspec.structs.replace(record, latest=self._portable_config(record.latest))

    def _portable_version(self, version: VersionRecord) -> VersionRecord:
        return msgspec.structs.replace(version, config=self._portable_config(version.config))

    # -- reading ------------------------------------------------------------------------

    def read_layers(self, code: CodeStore) -> list[LayerVersion]:
        """The published layer versions whose content is (or could be unpacked) here."""
        held = []
        for layer in self.layers.all():
            path = self.local(layer.path)
            if self._unpacked(path, code):
                held.append(msgspec.structs.replace(layer, path=path))
        return held

    def read_functions(self, code: CodeStore, layer_code: CodeStore) -> list[FunctionState]:
        """Every stored function with its local paths, its code unpacked where missing."""
        names = [name for name, _ in self.functions.items()]
        return [held for name in names if (held := self.read_function(name, code, layer_code))]

    def read_function(
        self, name: str, code: CodeStore, layer_code: CodeStore
    ) -> FunctionState | None:
        """What is stored for ``name`` (None: nothing, it was deleted), with local paths
        and its code unpacked where missing."""
        with self.store.transaction() as tx:
            record = self.functions.get(name, tx)
            if record is None:
                return None
            stored_versions = self.versions.all(f"{name}/", tx)
            aliases = self.aliases.all(f"{name}/", tx)
            policies = self.policies.all(f"{name}/", tx)
            invoke_configs = self.invoke_configs.all(f"{name}/", tx)
        latest = record.latest
        if latest is not None:
            latest = self._local_config(latest)
            if not self._usable(latest, code, layer_code):
                latest = None
        versions = []
        for version in stored_versions:
            config = self._local_config(version.config)
            if self._usable(config, code, layer_code):
                versions.append(msgspec.structs.replace(version, config=config))
        return FunctionState(
            record=msgspec.structs.replace(record, latest=latest),
            versions=versions,
            aliases=aliases,
            policies=policies,
            invoke_configs=invoke_configs,
        )

    def _usable(self, config: FunctionConfig, code: CodeStore, layer_code: CodeStore) -> bool:
        return self._unpacked(config.code_path, code) and all(
            self._unpacked(layer, layer_code) for layer in config.layers
        )

    def _unpacked(self, path: str, code: CodeStore) -> bool:
        """Whether ``path`` is there, unpacking its zip from the store if it is ours."""
        folder = Path(path)
        if folder.is_dir() or folder.parent != code.root:
            return True
        data = self.store.get(CODE, folder.name)
        if data is None:
            log.warning("the zip of %s is missing from the store; skipping what uses it", path)
            return False
        try:
            code.put_zip(data, "Restore")
        except ServiceError as error:
            log.warning("cannot unpack %s again: %s", path, error.message)
            return False
        return True
