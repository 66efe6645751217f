"""Which Python interpreter runs a function's workers."""

from __future__ import annotations

import logging
import re
import sys

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
