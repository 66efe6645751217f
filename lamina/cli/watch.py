"""`lamina up` watches what it serves: an edit to the template or to a function's code is
redeployed while Lamina keeps answering.

    SourceWatcher   polls the template's folder and every code folder (mtime and size of
                    each file, read on an executor thread) and reports a burst of edits
                    once it has settled (two polls in a row that agree), so an editor
                    saving in several writes causes one reload
    plan_reload     what an edit changes: the functions to redeploy (their configuration
                    changed, or a file under their code folder or a layer of theirs did),
                    the ones to remove, and whether anything beyond code changed (then the
                    APIs are recompiled and swapped in as one deployment)

Redeploying a function retires its warm workers; invocations in flight finish on the old
code, the next one starts on the new (FunctionService.deploy). Polling needs no native
watcher and costs one stat per file per interval; folders that hold no sources
(.lamina, .git, node_modules, __pycache__, virtualenvs) are skipped.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Awaitable, Callable, Iterable
from pathlib import Path

import msgspec

from lamina.config.model import Application
from lamina.functions.model import FunctionConfig

log = logging.getLogger("lamina.cli")

_SKIPPED = frozenset(
    {".lamina", ".git", "node_modules", "__pycache__", ".venv", "venv", ".aws-sam", ".mypy_cache"}
)
Snapshot = dict[str, tuple[int, int]]


class ReloadPlan(msgspec.Struct, frozen=True, kw_only=True):
    deploy: tuple[FunctionConfig, ...] = ()
    """Functions new or changed ($LATEST configuration or code)."""
    remove: tuple[str, ...] = ()
    """Functions the template no longer declares."""
    template_changed: bool = False
    """Something besides function code changed: recompile the APIs and resources."""

    @property
    def empty(self) -> bool:
        return not (self.deploy or self.remove or self.template_changed)


def watched_roots(app: Application) -> list[Path]:
    """The template's folder and every code and layer folder outside it."""
    roots = [Path(app.template_path).parent]
    for function in app.functions:
        roots.extend(Path(path) for path in (function.code_path, *function.layers))
    unique: list[Path] = []
    for root in sorted(set(roots), key=lambda path: len(path.parts)):
        if not any(root.is_relative_to(kept) for kept in unique):
            unique.append(root)
    return unique


def snapshot(roots: Iterable[Path]) -> Snapshot:
    """(mtime_ns, size) of every file under `roots`."""
    found: Snapshot = {}
    for root in roots:
        if root.is_file():
            stat = root.stat()
            found[str(root)] = (stat.st_mtime_ns, stat.st_size)
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = [name for name in dirs if name not in _SKIPPED]
            for name in files:
                path = os.path.join(folder, name)
                try:
                    stat = os.stat(path)
                except OSError:  # deleted between the listing and the stat
                    continue
                found[path] = (stat.st_mtime_ns, stat.st_size)
    return found


def changed_paths(before: Snapshot, after: Snapshot) -> set[Path]:
    keys = before.keys() | after.keys()
    return {Path(key) for key in keys if before.get(key) != after.get(key)}


def plan_reload(old: Application, new: Application, changed: set[Path]) -> ReloadPlan:
    """What `changed` files mean for the running app, given the template as reloaded."""
    before = {function.name: function for function in old.functions}
    deploy = []
    for function in new.functions:
        folders = [Path(function.code_path), *(Path(layer) for layer in function.layers)]
        touched = any(path.is_relative_to(folder) for path in changed for folder in folders)
        if before.get(function.name) != function or touched:
            deploy.append(function)
    kept = {function.name for function in new.functions}
    remove = tuple(name for name in before if name not in kept)
    same_rest = msgspec.structs.replace(old, functions=()) == msgspec.structs.replace(
        new, functions=()
    )
    return ReloadPlan(deploy=tuple(deploy), remove=remove, template_changed=not same_rest)


class SourceWatcher:
    """Calls `on_change(changed paths)` after each settled burst of edits under `roots`."""

    __slots__ = ("_interval_s", "_on_change", "_roots", "_task")

    def __init__(
        self,
        roots: list[Path],
        on_change: Callable[[set[Path]], Awaitable[None]],
        *,
        interval_s: float = 0.2,
    ) -> None:
        self._roots = roots
        self._on_change = on_change
        self._interval_s = interval_s
        self._task: asyncio.Task[None] | None = None

    def retarget(self, roots: list[Path]) -> None:
        """Watch these folders from the next poll on (the template named new code)."""
        self._roots = roots

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        current = await loop.run_in_executor(None, snapshot, list(self._roots))
        self._task = loop.create_task(self._run(current))

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    async def _run(self, current: Snapshot) -> None:
        loop = asyncio.get_running_loop()
        while True:
            await asyncio.sleep(self._interval_s)
            seen = await loop.run_in_executor(None, snapshot, list(self._roots))
            if seen == current:
                continue
            while True:  # let the burst settle: two polls in a row that agree
                await asyncio.sleep(self._interval_s / 2)
                again = await loop.run_in_executor(None, snapshot, list(self._roots))
                if again == seen:
                    break
                seen = again
            changed = changed_paths(current, seen)
            current = seen
            try:
                await self._on_change(changed)
            except Exception:  # a bug of ours: say so, keep watching
                log.exception("reloading after an edit failed")
