"""The sandbox fields of a spawn spec, checked against Lambda's limits."""

from __future__ import annotations

import enum
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from lamina.functions.error import FunctionError
from lamina.functions.model import FunctionConfig

# https://docs.aws.amazon.com/lambda/latest/dg/adding-layers.html (up to five layers)
MAX_LAYERS = 5
# https://docs.aws.amazon.com/lambda/latest/api/API_EphemeralStorage.html
MIN_EPHEMERAL_MB = 512
MAX_EPHEMERAL_MB = 10240
ISOLATION_VARIABLE = "LAMINA_ISOLATION"


class IsolationMode(enum.Enum):
    AUTO = "auto"
    NAMESPACE = "namespace"
    FALLBACK = "fallback"


class SandboxConfigError(FunctionError):
    """A function's layers, /tmp size or isolation setting cannot be honoured."""


def requested_mode(env: Mapping[str, str]) -> IsolationMode:
    """LAMINA_ISOLATION: auto (default), namespace (fail without it) or fallback."""
    value = env.get(ISOLATION_VARIABLE, "").strip().lower() or IsolationMode.AUTO.value
    try:
        return IsolationMode(value)
    except ValueError:
        choices = ", ".join(mode.value for mode in IsolationMode)
        message = f"{ISOLATION_VARIABLE}={value!r}: expected one of {choices}"
        raise SandboxConfigError(message) from None


def validate(config: FunctionConfig) -> None:
    """Raise SandboxConfigError when the layers or the /tmp size break Lambda's limits."""
    if len(config.layers) > MAX_LAYERS:
        raise SandboxConfigError(
            f"{config.name}: {len(config.layers)} layers; a function can use at most {MAX_LAYERS}"
        )
    for layer in config.layers:
        if not os.path.isabs(layer) or not os.path.isdir(layer):
            raise SandboxConfigError(f"{config.name}: layer folder {layer!r} does not exist")
    size = config.ephemeral_storage_mb
    if not MIN_EPHEMERAL_MB <= size <= MAX_EPHEMERAL_MB:
        raise SandboxConfigError(
            f"{config.name}: EphemeralStorage {size} MB is outside "
            f"{MIN_EPHEMERAL_MB}..{MAX_EPHEMERAL_MB}"
        )


def sandbox_fields(
    config: FunctionConfig, mode: IsolationMode, hide: Sequence[Path] = ()
) -> dict[str, Any]:
    """What to merge into a spawn spec so the worker isolates itself for ``config``;
    ``hide`` (the state directory) is shown empty even inside the code folder."""
    validate(config)
    return {
        "sandbox": {
            "mode": mode.value,
            "layers": list(config.layers),
            "ephemeral_mb": config.ephemeral_storage_mb,
            "hide": [str(path.absolute()) for path in hide],
        }
    }
