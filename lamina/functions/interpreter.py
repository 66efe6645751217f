"""Which interpreter runs a function's workers: Python for the zygote, ``node`` for nodejs*."""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
from collections.abc import Callable

logger = logging.getLogger("lamina.functions")

# Lambda's Python runtimes this build knows.
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
KNOWN_RUNTIMES = frozenset(f"python3.{minor}" for minor in range(9, 15))

_RUNTIME_VERSION = re.compile(r"^python(\d+)\.(\d+)$")


class InterpreterChooser:
    """Maps a runtime name to an interpreter path, warning once per mismatched name.

    Every runtime currently runs on the interpreter at hand (sys.executable); a runtime
    whose version differs, or that Lambda does not know, is warned about, never refused.
    """

    def __init__(self, executable: str = sys.executable) -> None:
        self._executable = executable
        self._version = f"python{sys.version_info.major}.{sys.version_info.minor}"
        self._warned: set[str] = set()

    def choose(self, runtime: str) -> str:
        if runtime not in self._warned:
            warning = self._mismatch(runtime)
            if warning:
                self._warned.add(runtime)
                logger.warning(warning)
        return self._executable

    def _mismatch(self, runtime: str) -> str | None:
        if runtime not in KNOWN_RUNTIMES or not _RUNTIME_VERSION.match(runtime):
            return (
                f"runtime {runtime!r} is not a Lambda Python runtime Lamina knows; "
                f"its functions run on {self._version} ({self._executable})"
            )
        if runtime != self._version:
            return (
                f"functions with runtime {runtime} run on {self._version}, the interpreter "
                f"Lamina runs on ({self._executable}), so they import its packages"
            )
        return None


# Lambda's Node.js runtimes name their major version: nodejs18.x, nodejs20.x, nodejs22.x.
# https://docs.aws.amazon.com/lambda/latest/dg/lambda-nodejs.html
_NODE_RUNTIME = re.compile(r"^nodejs(\d+)\.x$")
_NODE_VERSION = re.compile(r"^v(\d+)\.")
_VERSION_TIMEOUT_S = 10.0


def node_major_version(node: str) -> int | None:
    """The major version ``node --version`` prints (v20.11.1 -> 20), None if it cannot say."""
    try:
        done = subprocess.run(
            [node, "--version"],
            capture_output=True,
            timeout=_VERSION_TIMEOUT_S,
            check=False,
            env={},
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = _NODE_VERSION.match(done.stdout.decode(errors="replace").strip())
    return int(match.group(1)) if match else None


class NodeChooser:
    """Finds the ``node`` that runs nodejs<N>.x functions, warning once per runtime name when
    it is missing or its major version is not N (the function runs on it all the same)."""

    def __init__(
        self,
        which: Callable[[str], str | None] = shutil.which,
        version: Callable[[str], int | None] = node_major_version,
    ) -> None:
        self._which = which
        self._version = version
        self._versions: dict[str, int | None] = {}
        self._warned: set[str] = set()

    def choose(self, runtime: str) -> str | None:
        """The path of ``node`` on PATH, or None when there is none."""
        node = self._which("node")
        if runtime not in self._warned:
            warning = self._mismatch(runtime, node)
            if warning:
                self._warned.add(runtime)
                logger.warning(warning)
        return node

    def _mismatch(self, runtime: str, node: str | None) -> str | None:
        if node is None:
            return f"functions with runtime {runtime} cannot start: no `node` on PATH"
        wanted = _NODE_RUNTIME.match(runtime)
        if wanted is None:
            return f"runtime {runtime!r} is not a Lambda Node.js runtime; it runs on {node}"
        if node not in self._versions:
            self._versions[node] = self._version(node)
        found = self._versions[node]
        if found is None:
            return f"cannot tell the version of {node}; functions with runtime {runtime} run on it"
        if found != int(wanted.group(1)):
            return (
                f"functions with runtime {runtime} run on Node.js {found} ({node}), "
                "the `node` on PATH"
            )
        return None
