"""Whether workers can isolate themselves, learned once per interpreter at startup.

The probe is a throwaway process on the workers' interpreter that builds a namespace
root with the worker's own code (bootstrap/isolation.py ``probe``): what the kernel
allows there is what a worker will be allowed. When it is refused, workers fall back to
private /tmp folders and rlimits, and the supervisor says so once, loudly.
"""

from __future__ import annotations

import json
import logging
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

from lamina.functions.environment import BOOTSTRAP_DIR, bootstrap_script
from lamina.functions.sandbox.policy import IsolationMode, SandboxConfigError

logger = logging.getLogger("lamina.functions")

_PROBE = bootstrap_script(
    """\
from lamina_runtime import isolation
print(json.dumps(isolation.probe(sys.argv[2:])))
"""
)
_PROBE_TIMEOUT_S = 10.0


class Support(NamedTuple):
    mode: IsolationMode
    """NAMESPACE when workers can build their own root, FALLBACK otherwise."""
    reason: str
    """Why not, when FALLBACK."""


def probe(interpreter: str) -> Support:
    """Run the isolation probe on ``interpreter``."""
    with tempfile.TemporaryDirectory(prefix="lamina-probe-") as scratch:
        layers = [Path(scratch) / "a", Path(scratch) / "b"]
        for layer in layers:
            layer.mkdir()
        argv = [interpreter, "-I", "-c", _PROBE, BOOTSTRAP_DIR, *map(str, layers)]
        try:
            done = subprocess.run(
                argv, capture_output=True, timeout=_PROBE_TIMEOUT_S, check=False, env={}
            )
            answer = json.loads(done.stdout)
        except (OSError, subprocess.TimeoutExpired, ValueError) as error:
            return Support(IsolationMode.FALLBACK, f"the isolation probe failed: {error}")
    if answer.get("mode") == IsolationMode.NAMESPACE.value:
        return Support(IsolationMode.NAMESPACE, "")
    return Support(IsolationMode.FALLBACK, str(answer.get("reason", "unknown")))


class IsolationPolicy:
    """The mode workers of each interpreter run in; probes and warns once per interpreter.

    ``requested`` comes from LAMINA_ISOLATION (policy.requested_mode): AUTO probes,
    NAMESPACE probes and raises SandboxConfigError when refused, FALLBACK never probes.
    """

    def __init__(self, requested: IsolationMode) -> None:
        self._requested = requested
        self._modes: dict[str, IsolationMode] = {}

    def mode_for(self, interpreter: str) -> IsolationMode:
        mode = self._modes.get(interpreter)
        if mode is None:
            mode = self._decide(interpreter)
            self._modes[interpreter] = mode
        return mode

    def _decide(self, interpreter: str) -> IsolationMode:
        if self._requested is IsolationMode.FALLBACK:
            _warn("LAMINA_ISOLATION=fallback")
            return IsolationMode.FALLBACK
        support = probe(interpreter)
        if support.mode is IsolationMode.NAMESPACE:
            return IsolationMode.NAMESPACE
        if self._requested is IsolationMode.NAMESPACE:
            raise SandboxConfigError(
                f"LAMINA_ISOLATION=namespace but workers cannot be isolated: {support.reason}"
            )
        _warn(support.reason)
        return IsolationMode.FALLBACK


def _warn(reason: str) -> None:
    logger.warning(
        "functions run WITHOUT filesystem isolation (%s): each execution environment gets "
        "its own /tmp folder and Lambda's rlimits, but can read other functions' code and "
        "the .lamina state directory, and layers are not at /opt. Run Lamina as root (or "
        "with CAP_SYS_ADMIN) on Linux to give each environment a private, read-only view.",
        reason,
    )
