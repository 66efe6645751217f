"""Which process runs a function that talks to the Runtime API, chosen from its runtime.

- ``nodejs*``: Lamina's own Node.js runtime client (lamina/functions/nodejs/bootstrap.mjs);
- ``provided*``: the function's own ``bootstrap`` executable in its code folder;
- ``python3.x`` with ``LAMINA_PYTHON_RUNTIME=ric`` in its environment: AWS's runtime
  interface client, ``python -m awslambdaric <handler>`` (installed by the user).
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtimes.html
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import orjson

from lamina.functions.error import FunctionError
from lamina.functions.interpreter import NodeChooser
from lamina.functions.model import FunctionConfig

NODE_BOOTSTRAP = str(Path(__file__).parent.parent / "nodejs" / "bootstrap.mjs")
_NODE = NodeChooser()
"""The server's one view of `node` (its version is asked once, mismatches warned once)."""
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


def runtime_command(
    config: FunctionConfig, *, python: str = sys.executable, node: NodeChooser = _NODE
) -> list[str]:
    """The argv of the runtime process; raises InvalidEntrypointError.

    The first call for a Node.js runtime may run ``node --version`` (blocking, once).
    """
    runtime = config.runtime
    if runtime.startswith("nodejs"):
        path = node.choose(runtime)
        if path is None:
            raise InvalidEntrypointError(f"{runtime} needs Node.js: no `node` on PATH")
        return [path, NODE_BOOTSTRAP]
    if runtime.startswith("provided"):
        return [_bootstrap_path(config.code_path)]
    return [python, "-m", "awslambdaric", config.handler]


def runtime_folders(config: FunctionConfig, argv: list[str]) -> tuple[str, ...]:
    """Folders the command needs in an isolated root besides the code (and /usr, /lib...):
    the installation of ``node`` or of the Python running awslambdaric (a virtualenv and the
    interpreter it was made from), and Lamina's Node.js client. A ``provided`` bootstrap
    lives in the code folder and gets nothing more, as on Lambda."""
    if config.runtime.startswith("provided"):
        return ()
    program = argv[0]
    folders = {_installation(program), _installation(os.path.realpath(program))}
    if config.runtime.startswith("nodejs"):
        folders.add(os.path.dirname(NODE_BOOTSTRAP))
    folders.discard("/")  # a program in /bin: the system folders are shown anyway
    return tuple(sorted(folders))


def _installation(program: str) -> str:
    """``<prefix>/bin/<program>`` -> ``<prefix>``."""
    return os.path.dirname(os.path.dirname(os.path.abspath(program)))


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
