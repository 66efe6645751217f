"""Which process runs a function that talks to the Runtime API, chosen from its runtime.

- ``nodejs*``: Lamina's own Node.js runtime client (lamina/functions/nodejs/bootstrap.mjs);
- ``provided*``: the function's own ``bootstrap`` executable in its code folder;
- ``python3.x`` with ``LAMINA_PYTHON_RUNTIME=ric`` in its environment: AWS's runtime
  interface client, ``python -m awslambdaric <handler>`` (installed by the user).
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import orjson

from lamina.functions.error import FunctionError
from lamina.functions.model import FunctionConfig

NODE_BOOTSTRAP = str(Path(__file__).parent.parent / "nodejs" / "bootstrap.mjs")
PYTHON_RUNTIME_VARIABLE = "LAMINA_PYTHON_RUNTIME"
"""Set to ``ric`` on a Python function to run it through the Runtime API path."""

# https://docs.aws.amazon.com/lambda/latest/dg/runtimes-custom.html#runtimes-custom-build
INVALID_ENTRYPOINT = "Runtime.InvalidEntrypoint"


class InvalidEntrypointError(FunctionError):
    """The runtime's entry point cannot be started (Lambda: Runtime.InvalidEntrypoint)."""


def uses_runtime_api(config: FunctionConfig) -> bool:
    """True when the function runs as a Runtime API client instead of a forked worker."""
    runtime = config.runtime
    if runtime.startswith(("nodejs", "provided")):
        return True
    return config.environment.get(PYTHON_RUNTIME_VARIABLE) == "ric"


def runtime_command(config: FunctionConfig, *, python: str = sys.executable) -> list[str]:
    """The argv of the runtime process; raises InvalidEntrypointError."""
    runtime = config.runtime
    if runtime.startswith("nodejs"):
        node = shutil.which("node")
        if node is None:
            raise InvalidEntrypointError(f"{runtime} needs Node.js: no `node` on PATH")
        return [node, NODE_BOOTSTRAP]
    if runtime.startswith("provided"):
        return [_bootstrap_path(config.code_path)]
    return [python, "-m", "awslambdaric", config.handler]


def _bootstrap_path(code_path: str) -> str:
    bootstrap = os.path.join(code_path, "bootstrap")
    if not os.path.isfile(bootstrap):
        # The message Lambda's init answers when neither /var/task nor /opt holds one.
        raise InvalidEntrypointError(
            f"Couldn't find valid bootstrap(s): [{bootstrap} /opt/bootstrap]"
        )
    return bootstrap


def invalid_entrypoint_error(request_id: str, message: str) -> bytes:
    """The Invoke answer when the runtime could not be started."""
    return orjson.dumps(
        {
            "errorMessage": f"RequestId: {request_id} Error: {message}",
            "errorType": INVALID_ENTRYPOINT,
        }
    )
