"""The filesystem a worker sees in namespace mode: a minimal root built from an allow-list.

In a private mount namespace the worker builds a fresh root (a small read-only tmpfs)
holding only read-only binds of what the function may see, then pivots into it:

    /usr, /etc, /bin, /lib...   the host's system folders (read-only)
    <interpreter prefixes>      the zygote's interpreter, venv and runtime folder, at
                                their own paths (read-only), so already-imported modules
                                and lazy imports keep working
    <code folder> and /var/task the function's code, read-only, at its own path (cwd,
                                LAMBDA_TASK_ROOT) and at Lambda's /var/task
    /opt                        the layers, merged (overlayfs; later layers win)
    /tmp                        a private tmpfs of EphemeralStorage size
    /proc                       a new procfs with hidepid=invisible
    /dev                        null, zero, full, random, urandom (no /dev/shm, as Lambda)

Anything not listed (other functions' code, the .lamina state directory, Lamina's own
source, the host's /tmp and /home) does not exist in that root. The sequence follows
bubblewrap's: mount a staging tmpfs, pivot into it so the host's root stays reachable
at /old while the new root is assembled at /new, then pivot into /new and detach /old.
https://docs.aws.amazon.com/lambda/latest/dg/configuration-ephemeral-storage.html
https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html
"""

from __future__ import annotations

import os
from typing import NamedTuple

from . import syscall
from .syscall import (
    MNT_DETACH,
    MS_BIND,
    MS_NODEV,
    MS_NOEXEC,
    MS_NOSUID,
    MS_PRIVATE,
    MS_RDONLY,
    MS_REC,
    MS_REMOUNT,
)

TASK_ROOT = "/var/task"
LAYER_ROOT = "/opt"
_STAGE = "/tmp"  # any existing directory; the staging tmpfs covers it only in this namespace
_OLD = "/old"
_NEW = "/new"
_SYSTEM_FOLDERS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_DEVICES = ("null", "zero", "full", "random", "urandom")
_DEVICE_LINKS = {
    "fd": "/proc/self/fd",
    "stdin": "/proc/self/fd/0",
    "stdout": "/proc/self/fd/1",
    "stderr": "/proc/self/fd/2",
}
_NO_GROUP = 65534  # the overflow group, "nogroup"
_READ_ONLY = MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID | MS_NODEV


class RootView(NamedTuple):
    """What one execution environment may see besides the system folders."""

    task_root: str
    layers: tuple[str, ...]
    tmp_mb: int
    runtime_dirs: tuple[str, ...]
    """Interpreter prefixes and the runtime's own folder, shown at their own paths."""
    hide: tuple[str, ...] = ()
    """Folders shown empty wherever a bind would show them (the state directory)."""


def enter(view: RootView) -> None:
    """Move this process into a private mount namespace rooted at the view.

    Raises OSError. When unshare itself fails nothing has changed and the caller may fall
    back; a later failure leaves the process in a half-built root and must be fatal.
    """
    syscall.unshare(syscall.CLONE_NEWNS)
    try:
        _build(view)
    except OSError as error:
        raise IsolationBroken(f"building the worker's root failed: {error}") from error


class IsolationBroken(RuntimeError):
    """The mount namespace exists but its root could not be completed."""


def _build(view: RootView) -> None:
    syscall.mount(None, "/", None, MS_REC | MS_PRIVATE)
    _stage()
    _mount_tmp(view.tmp_mb)
    _mount_proc()
    _mount_dev()
    _mount_opt(view.layers)
    _link_system_folders()
    binds = _binds(view)
    for source, target in binds:
        _bind_read_only(source, target)
    _mask(view.hide, binds)
    _switch()


def _stage() -> None:
    """Pivot into a scratch tmpfs: the host's root is then /old, the new root /new."""
    syscall.mount("tmpfs", _STAGE, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0700")
    os.chdir(_STAGE)
    os.mkdir(_OLD[1:])
    os.mkdir(_NEW[1:])
    syscall.pivot_root(".", _OLD[1:])
    os.chdir("/")
    syscall.mount("tmpfs", _NEW, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")


def _mount_tmp(size_mb: int) -> None:
    target = _new("/tmp")
    os.mkdir(target)
    syscall.mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, f"size={size_mb}m,mode=1777")


def _mount_proc() -> None:
    """A procfs of its own that lists only the processes this worker may ptrace: itself
    and its children (``hidepid=invisible`` is per mount since Linux 5.8; ``gid`` names
    the group exempt from it, which must not be the worker's group 0). Older kernels
    share the options between mounts, so there the host's /proc is bound instead."""
    target = _new("/proc")
    os.mkdir(target)
    options = f"hidepid=invisible,gid={_NO_GROUP}"
    try:
        syscall.mount("proc", target, "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, options)
    except OSError:
        syscall.mount(_old("/proc"), target, None, MS_BIND | MS_REC)


def _mount_dev() -> None:
    """The device nodes a program expects; Lambda has no /dev/shm (no multiprocessing
    semaphores). https://aws.amazon.com/blogs/compute/parallel-processing-in-python-with-aws-lambda/
    """
    target = _new("/dev")
    os.mkdir(target)
    syscall.mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NOEXEC, "size=64k,mode=0755")
    for name in _DEVICES:
        node = os.path.join(target, name)
        os.close(os.open(node, os.O_CREAT | os.O_WRONLY, 0o666))
        syscall.mount(_old(f"/dev/{name}"), node, None, MS_BIND)
    for name, link in _DEVICE_LINKS.items():
        os.symlink(link, os.path.join(target, name))
    syscall.mount(None, target, None, _READ_ONLY | MS_NOEXEC)


def _mount_opt(layers: tuple[str, ...]) -> None:
    """Layers merged at /opt; on a conflict the later layer's file wins, as on Lambda.
    https://docs.aws.amazon.com/lambda/latest/dg/packaging-layers.html#packaging-layers-paths
    """
    target = _new(LAYER_ROOT)
    os.mkdir(target)
    if len(layers) == 1:
        _bind_read_only(layers[0], LAYER_ROOT)
    elif layers:
        # overlayfs: the leftmost lower folder is the top one.
        lower = ":".join(_overlay_escape(_old(layer)) for layer in reversed(layers))
        flags = MS_RDONLY | MS_NOSUID | MS_NODEV
        syscall.mount("overlay", target, "overlay", flags, f"lowerdir={lower}")


def _overlay_escape(path: str) -> str:
    for special in ("\\", ":", ","):
        path = path.replace(special, "\\" + special)
    return path


def _link_system_folders() -> None:
    """Merged-/usr systems have /bin, /lib... as symlinks: recreate them as symlinks."""
    for folder in _SYSTEM_FOLDERS:
        if os.path.islink(_old(folder)):
            os.symlink(os.readlink(_old(folder)), _new(folder))


def _binds(view: RootView) -> list[tuple[str, str]]:
    """(source, target) pairs, parents before children, none already visible."""
    wanted = [
        (folder, folder)
        for folder in _SYSTEM_FOLDERS
        if os.path.isdir(_old(folder)) and not os.path.islink(_old(folder))
    ]
    wanted += [(folder, folder) for folder in (*view.runtime_dirs, *_resolver_files())]
    if os.path.isdir(_old(view.task_root)):
        wanted += [(view.task_root, view.task_root), (view.task_root, TASK_ROOT)]
    chosen: list[tuple[str, str]] = []
    for source, target in sorted(set(wanted), key=lambda pair: pair[1]):
        if not os.path.exists(_old(source)) or _shown(source, target, chosen):
            continue
        chosen.append((source, target))
    return chosen


def _shown(source: str, target: str, chosen: list[tuple[str, str]]) -> bool:
    """Already visible at its own path through an earlier bind of itself or an ancestor."""
    if source != target:
        return False
    return any(
        bound_source == bound_target
        and (target == bound_target or target.startswith(bound_target.rstrip("/") + "/"))
        for bound_source, bound_target in chosen
    )


def _resolver_files() -> list[str]:
    """/etc/resolv.conf is often a symlink into /run: show its target too."""
    real = os.path.realpath(_old("/etc/resolv.conf"))
    if not real.startswith(_OLD + "/") or not os.path.isfile(real):
        return []
    path = real[len(_OLD) :]
    return [] if path.startswith(("/etc/", "/usr/")) else [path]


def _bind_read_only(source: str, target: str) -> None:
    mountpoint = _new(target)
    if os.path.isdir(_old(source)):
        os.makedirs(mountpoint, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(mountpoint), exist_ok=True)
        os.close(os.open(mountpoint, os.O_CREAT | os.O_WRONLY, 0o644))
    # Not recursive: a read-only remount covers one mount, so a submount (Docker binds
    # /etc/hosts) would stay writable; without MS_REC the folder underneath shows instead.
    syscall.mount(_old(source), mountpoint, None, MS_BIND)
    syscall.mount(None, mountpoint, None, _READ_ONLY)


def _mask(hidden: tuple[str, ...], binds: list[tuple[str, str]]) -> None:
    """Cover each hidden folder that a bind shows with an empty read-only tmpfs."""
    for path in hidden:
        if not os.path.isdir(_old(path)):
            continue
        for source, target in binds:
            inner = os.path.relpath(path, source)
            if inner == "." or inner.startswith(".."):
                continue
            mountpoint = _new(os.path.join(target, inner))
            flags = MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC
            syscall.mount("tmpfs", mountpoint, "tmpfs", flags, "size=4k,mode=0755")


def _switch() -> None:
    """Make /new the root, drop the host's tree, and make the root itself read-only
    (pivot_root(".", ".") then a lazy unmount, as pivot_root(2) describes)."""
    os.chdir(_NEW)
    syscall.pivot_root(".", ".")
    syscall.umount(".", MNT_DETACH)
    os.chdir("/")
    syscall.mount(None, "/", None, _READ_ONLY)


def _old(path: str) -> str:
    return _OLD + path


def _new(path: str) -> str:
    return _NEW + path
