"""Reloader: apply an edit (cli/watch.py reports it) to the running `lamina up`.

    reload the template (off the event loop: the SAM translation takes a while)
    → a broken template is reported and the previous version keeps serving
    → template changes: new resources (tables, keys, secrets, pools ...) provisioned
    → changed functions redeployed (warm workers retired, calls in flight finish)
    → the APIs recompiled and swapped in as one deployment (Gateway.deploy)
    → functions the template dropped removed, once no route reaches them

so a request sees the old version or the new one, and none is dropped.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import click

from lamina.aws.service import ServiceError
from lamina.cli.dynamic_refs import DynamicReferenceError, resolve_environments
from lamina.cli.watch import SourceWatcher, plan_reload, watched_roots
from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.config.model import Application
from lamina.functions.sandbox.policy import SandboxConfigError, validate
from lamina.functions.service import FunctionService
from lamina.services.secretsmanager.service import SecretService

Provision = Callable[[Application, Application], Awaitable[None]]
"""(old, new): create what `new` adds (tables, keys, secrets, pools, permissions ...);
raises ServiceError."""
SwapApis = Callable[[Application], None]
"""Compile `new`'s APIs and swap them in as one deployment."""


class Reloader:
    __slots__ = (
        "_functions",
        "_overrides",
        "_path",
        "_provision",
        "_secrets",
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
        provision: Provision,
        swap_apis: SwapApis,
    ) -> None:
        self.app = app
        self._path = path
        self._overrides = overrides
        self._functions = functions
        self._secrets = secrets
        self._provision = provision
        self._swap = swap_apis
        self.watcher = SourceWatcher(watched_roots(app), self)

    async def __call__(self, changed: set[Path]) -> None:
        started = time.perf_counter()
        load = functools.partial(load_application, self._path, parameter_overrides=self._overrides)
        try:
            new = await asyncio.get_running_loop().run_in_executor(None, load)
        except ConfigError as error:
            click.echo(f"error: {error} (still serving the previous version)", err=True)
            return
        plan = plan_reload(self.app, new, changed)
        if plan.empty:
            return
        try:
            resolved = {f.name: f for f in resolve_environments(plan.deploy, self._secrets)}
            for function in plan.deploy:  # all or none: check before changing anything
                validate(resolved.get(function.name, function))
            if plan.template_changed:
                await self._provision(self.app, new)
            for function in plan.deploy:
                self._functions.deploy(resolved.get(function.name, function))
            if plan.template_changed:
                self._swap(new)
        except (ServiceError, DynamicReferenceError, SandboxConfigError) as error:
            text = f"{error.code}: {error.message}" if isinstance(error, ServiceError) else error
            click.echo(f"error: {text} (still serving the previous version)", err=True)
            return
        for name in plan.remove:
            self._functions.remove(name)
        self.app = new
        self.watcher.retarget(watched_roots(new))
        parts = [f"{len(plan.deploy)} functions redeployed"] if plan.deploy else []
        parts += [f"{len(plan.remove)} removed"] if plan.remove else []
        parts += ["APIs recompiled"] if plan.template_changed else []
        elapsed_ms = (time.perf_counter() - started) * 1000
        click.echo(f"Reloaded in {elapsed_ms:.0f} ms: {', '.join(parts)}")
