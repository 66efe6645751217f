"""Reloader: deploy a new version of the template into the running `lamina up`, for an
edit (cli/watch.py reports it) or a `lamina deploy` (POST /_lamina/deploy).

    reload the template (off the event loop: the SAM translation takes a while)
    → a broken template is reported and the previous version keeps serving
    → template changes: new resources (tables, keys, secrets, pools ...) provisioned
    → changed functions redeployed (warm workers retired, calls in flight finish)
    → the APIs recompiled and swapped in as one deployment (Gateway.deploy)
    → functions the template dropped removed, once no route reaches them
    → the stack recorded (cli/stack.py): UPDATE_COMPLETE, or UPDATE_ROLLBACK_COMPLETE with
      the reason when a step failed and the previous version kept serving

so a request sees the old version or the new one, and none is dropped. One deployment at
a time: an edit arriving during a `lamina deploy` waits for it. Data resources the new
template no longer declares (tables, keys, secrets, pools, buckets) are kept, not
deleted: `lamina delete` removes a stack's resources.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Literal

import click
import msgspec

from lamina.aws.service import ServiceError
from lamina.cli.dynamic_refs import DynamicReferenceError, resolve_environments
from lamina.cli.stack import Change, change_table, inventory, plan, record, stacks
from lamina.cli.watch import (
    Snapshot,
    SourceWatcher,
    changed_paths,
    plan_reload,
    snapshot,
    watched_roots,
)
from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.config.model import Application
from lamina.core.store import Store
from lamina.functions.sandbox.policy import SandboxConfigError, validate
from lamina.functions.service import FunctionService
from lamina.services.secretsmanager.service import SecretService

Provision = Callable[[Application, Application], Awaitable[None]]
"""(old, new): create what `new` adds (tables, keys, secrets, pools, permissions ...);
raises ServiceError."""
SwapApis = Callable[[Application], None]
"""Compile `new`'s APIs and swap them in as one deployment."""


class DeployOutcome(msgspec.Struct, frozen=True, kw_only=True):
    status: Literal["UPDATE_COMPLETE", "UPDATE_ROLLBACK_COMPLETE", "NO_CHANGES"]
    message: str
    changes: tuple[Change, ...] = ()


class Reloader:
    __slots__ = (
        "_code",
        "_functions",
        "_lock",
        "_overrides",
        "_path",
        "_provision",
        "_publish",
        "_secrets",
        "_store",
        "_swap",
        "app",
        "watcher",
    )

    def __init__(
        self,
        app: Application,
        *,
        path: str,
        overrides: dict[str, str],
        functions: FunctionService,
        secrets: SecretService,
        store: Store,
        provision: Provision,
        swap_apis: SwapApis,
        publish: SwapApis | None = None,
    ) -> None:
        self.app = app
        self._path = path
        self._overrides = dict(overrides)
        self._functions = functions
        self._secrets = secrets
        self._store = store
        self._provision = provision
        self._swap = swap_apis
        self._publish = publish
        """Publishes the template's Lambda versions once its functions are deployed."""
        self._lock = asyncio.Lock()
        self._code: Snapshot | None = None
        """The code folders as last deployed (for `lamina deploy` without the watcher)."""
        self.watcher = SourceWatcher(watched_roots(app), self)

    async def start(self, *, watch: bool) -> None:
        loop = asyncio.get_running_loop()
        self._code = await loop.run_in_executor(None, snapshot, watched_roots(self.app))
        if watch:
            await self.watcher.start()

    async def __call__(self, changed: set[Path]) -> None:
        """An edit the watcher saw."""
        await self.apply(self._overrides, changed, quiet_if_unchanged=True)

    async def deploy(self, overrides: dict[str, str] | None) -> DeployOutcome:
        """`lamina deploy`: the template as it is now, with `overrides` (None: the same)."""
        loop = asyncio.get_running_loop()
        now = await loop.run_in_executor(None, snapshot, watched_roots(self.app))
        changed = changed_paths(self._code or {}, now)
        wanted = self._overrides if overrides is None else dict(overrides)
        return await self.apply(wanted, changed, quiet_if_unchanged=False)

    async def apply(
        self, overrides: dict[str, str], changed: set[Path], *, quiet_if_unchanged: bool
    ) -> DeployOutcome:
        async with self._lock:
            return await self._apply(overrides, changed, quiet_if_unchanged)

    async def _apply(
        self, overrides: dict[str, str], changed: set[Path], quiet_if_unchanged: bool
    ) -> DeployOutcome:
        started = time.perf_counter()
        load = functools.partial(
            load_application,
            self._path,
            parameter_overrides=overrides,
            region=self.app.region,
            account_id=self.app.account_id,
            stack_name=self.app.stack_name,
        )
        try:
            new = await asyncio.get_running_loop().run_in_executor(None, load)
        except ConfigError as error:
            return self._rolled_back(self.app, str(error))
        work = plan_reload(self.app, new, changed)
        changes = tuple(plan(stacks(self._store).get(new.stack_name), new))
        if work.empty and not changes:
            if not quiet_if_unchanged:
                click.echo(f"Deploy: no changes to stack {new.stack_name}")
            return DeployOutcome(status="NO_CHANGES", message="No changes to deploy")
        try:
            resolved = {f.name: f for f in resolve_environments(work.deploy, self._secrets)}
            for function in work.deploy:  # all or none: check before changing anything
                validate(resolved.get(function.name, function))
            if work.template_changed:
                await self._provision(self.app, new)
            for function in work.deploy:
                self._functions.deploy(resolved.get(function.name, function))
            if work.template_changed:
                self._swap(new)
            if self._publish is not None:
                self._publish(new)
        except (ServiceError, DynamicReferenceError, SandboxConfigError, ConfigError) as error:
            text = f"{error.code}: {error.message}" if isinstance(error, ServiceError) else error
            return self._rolled_back(new, str(text))
        for name in work.remove:
            self._functions.remove(name)
        self.app, self._overrides = new, dict(overrides)
        roots = watched_roots(new)
        self.watcher.retarget(roots)
        self._code = await asyncio.get_running_loop().run_in_executor(None, snapshot, roots)
        record(self._store, new, overrides)
        if changes:
            for line in change_table(new.stack_name, list(changes), len(inventory(new))):
                click.echo(line)
        parts = [f"{len(work.deploy)} functions redeployed"] if work.deploy else []
        parts += [f"{len(work.remove)} removed"] if work.remove else []
        parts += ["APIs recompiled"] if work.template_changed else []
        elapsed_ms = (time.perf_counter() - started) * 1000
        message = f"Reloaded in {elapsed_ms:.0f} ms: {', '.join(parts) or 'stack recorded'}"
        click.echo(message)
        return DeployOutcome(status="UPDATE_COMPLETE", message=message, changes=changes)

    def _rolled_back(self, app: Application, reason: str) -> DeployOutcome:
        click.echo(f"error: {reason} (still serving the previous version)", err=True)
        record(self._store, app, self._overrides, status="UPDATE_ROLLBACK_COMPLETE", reason=reason)
        return DeployOutcome(status="UPDATE_ROLLBACK_COMPLETE", message=reason)
