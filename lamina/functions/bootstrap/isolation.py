"""Isolation of one execution environment, done by the forked worker before its Init.

The spawn spec may carry a ``sandbox`` object (every key optional, so specs built
before it existed still work):

    mode          "auto" (default): a mount namespace when the kernel allows it, else
                  the fallback; "namespace": a mount namespace or fail; "fallback":
                  never a namespace
    layers        local folders of unpacked layers, in the function's order
    ephemeral_mb  the size of /tmp (Lambda's EphemeralStorage, default 512)
    scratch_root  where fallback-mode environments get their private /tmp folder
    hide          folders to show empty even inside a visible folder (the state
                  directory, when a template's code folder is the project itself);
                  a ``.lamina`` folder in the code folder is always hidden

Namespace mode shows the worker the minimal root of ``rootfs.py``. The fallback (no
privileges, no mount namespaces) gives each environment a private /tmp folder (TMPDIR
and ``tempfile`` point there) and puts layers' python folders on sys.path, with their
roots in LAMINA_LAYERS; other files stay visible. Both modes lower the rlimits of
``limit.py`` and drop privileges (``privilege.py``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
from typing import Any, NamedTuple

from . import limit, privilege, rootfs

AUTO = "auto"
NAMESPACE = "namespace"
FALLBACK = "fallback"
DEFAULT_EPHEMERAL_MB = 512
LAYERS_VARIABLE = "LAMINA_LAYERS"
STATE_FOLDER_NAME = ".lamina"
_DEFAULT_SCRATCH_ROOT = os.path.join(tempfile.gettempdir(), f"lamina-environments-{os.getuid()}")


class Settings(NamedTuple):
    mode: str
    layers: tuple[str, ...]
    ephemeral_mb: int
    scratch_root: str
    hide: tuple[str, ...] = ()


def settings(spec: dict[str, Any]) -> Settings:
    """The sandbox part of a spawn spec, with defaults for whatever it leaves out."""
    sandbox = spec.get("sandbox") or {}
    mode = sandbox.get("mode", AUTO)
    if mode not in (AUTO, NAMESPACE, FALLBACK):
        raise ValueError(f"unknown isolation mode {mode!r}")
    return Settings(
        mode=mode,
        layers=tuple(str(layer) for layer in sandbox.get("layers", ())),
        ephemeral_mb=int(sandbox.get("ephemeral_mb", DEFAULT_EPHEMERAL_MB)),
        scratch_root=_scratch_root(sandbox),
        hide=tuple(str(path) for path in sandbox.get("hide", ())),
    )


def _scratch_root(sandbox: dict[str, Any]) -> str:
    return str(sandbox.get("scratch_root") or _DEFAULT_SCRATCH_ROOT)


def scratch_dir(spec: dict[str, Any], zygote_pid: int, worker_pid: int) -> str:
    """The private /tmp folder of a fallback-mode worker (the zygote removes it).
    Never raises: the zygote calls it for every spawn, whatever the spec holds."""
    sandbox = spec.get("sandbox")
    root = _scratch_root(sandbox) if isinstance(sandbox, dict) else _DEFAULT_SCRATCH_ROOT
    return os.path.join(root, str(zygote_pid), str(worker_pid))


def enter(spec: dict[str, Any], parent_pid: int) -> str:
    """Isolate this freshly forked worker; returns the mode it ended up in."""
    chosen = settings(spec)
    task_root = str(spec["task_root"])
    mode = _enter_root(chosen, task_root)
    if mode == NAMESPACE:
        tmp = "/tmp"
        python_paths = _layer_python_paths(rootfs.LAYER_ROOT) if chosen.layers else []
    else:
        tmp = _private_tmp(scratch_dir(spec, parent_pid, os.getpid()))
        os.environ["TMPDIR"] = tmp
        if chosen.layers:
            os.environ[LAYERS_VARIABLE] = os.pathsep.join(chosen.layers)
        python_paths = [p for layer in reversed(chosen.layers) for p in _layer_python_paths(layer)]
    tempfile.tempdir = tmp
    _after_task_root(task_root, python_paths)
    with contextlib.suppress(OSError):  # a missing folder surfaces as an import error
        os.chdir(task_root)
    limit.apply(chosen.ephemeral_mb)
    privilege.drop(parent_pid)
    return mode


def _enter_root(chosen: Settings, task_root: str) -> str:
    if chosen.mode == FALLBACK:
        return FALLBACK
    view = rootfs.RootView(
        task_root=task_root,
        layers=chosen.layers,
        tmp_mb=chosen.ephemeral_mb,
        runtime_dirs=runtime_dirs(),
        hide=(*chosen.hide, os.path.join(task_root, STATE_FOLDER_NAME)),
    )
    try:
        rootfs.enter(view)
    except OSError:
        if chosen.mode == NAMESPACE:
            raise
        return FALLBACK
    return NAMESPACE


def runtime_dirs() -> tuple[str, ...]:
    """The interpreter's prefixes and this runtime's folder (LAMBDA_RUNTIME_DIR).

    Only prefixes, never other sys.path entries: an editable install puts a source
    checkout on the path, and with it that checkout's .lamina state.
    """
    prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    return (*sorted(prefixes), os.path.dirname(os.path.abspath(__file__)))


def _layer_python_paths(root: str) -> list[str]:
    """https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html#packaging-layers-paths"""
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    python = os.path.join(root, "python")
    return [os.path.join(python, "lib", version, "site-packages"), python]


def _after_task_root(task_root: str, paths: list[str]) -> None:
    """Lambda's order: the code, then the layers, then the runtime's own packages."""
    at = sys.path.index(task_root) + 1 if task_root in sys.path else 0
    sys.path[at:at] = paths


def _private_tmp(path: str) -> str:
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    try:
        os.mkdir(path, 0o700)
    except FileExistsError:  # left by a reused pid of a killed zygote
        shutil.rmtree(path)
        os.mkdir(path, 0o700)
    return path


def probe(layers: list[str]) -> dict[str, str]:
    """Build a namespace root (code and two layers) and drop privileges, in a throwaway
    process: what the supervisor runs once to learn whether workers can be isolated."""
    view = rootfs.RootView(
        task_root=layers[0], layers=tuple(layers), tmp_mb=1, runtime_dirs=runtime_dirs()
    )
    try:
        rootfs.enter(view)
        privilege.drop(os.getppid())
    except (OSError, rootfs.IsolationBroken) as error:
        return {"mode": FALLBACK, "reason": str(error)}
    return {"mode": NAMESPACE, "reason": ""}
