"""The sandbox fields of a spawn spec and the limits they are checked against."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.functions.model import FunctionConfig
from lamina.functions.sandbox.policy import (
    IsolationMode,
    SandboxConfigError,
    requested_mode,
    sandbox_fields,
    validate,
)


def _layers(tmp_path: Path, count: int) -> tuple[str, ...]:
    folders = [tmp_path / f"layer{index}" for index in range(count)]
    for folder in folders:
        folder.mkdir()
    return tuple(map(str, folders))


def test_sandbox_fields_carry_mode_layers_and_tmp_size(tmp_path: Path) -> None:
    layers = _layers(tmp_path, 2)
    config = FunctionConfig(name="f", layers=layers, ephemeral_storage_mb=1024)
    fields = sandbox_fields(config, IsolationMode.NAMESPACE, hide=(tmp_path / ".lamina",))
    assert fields == {
        "sandbox": {
            "mode": "namespace",
            "layers": list(layers),
            "ephemeral_mb": 1024,
            "hide": [str(tmp_path / ".lamina")],
        }
    }


def test_validate_six_layers_raises(tmp_path: Path) -> None:
    # https://docs.aws.amazon.com/lambda/latest/dg/adding-layers.html
    config = FunctionConfig(name="f", layers=_layers(tmp_path, 6))
    with pytest.raises(SandboxConfigError, match="6 layers; a function can use at most 5"):
        validate(config)


def test_validate_five_layers_accepted(tmp_path: Path) -> None:
    validate(FunctionConfig(name="f", layers=_layers(tmp_path, 5)))


def test_validate_missing_layer_folder_raises(tmp_path: Path) -> None:
    config = FunctionConfig(name="f", layers=(str(tmp_path / "absent"),))
    with pytest.raises(SandboxConfigError, match="does not exist"):
        validate(config)


def test_validate_relative_layer_folder_raises() -> None:
    with pytest.raises(SandboxConfigError, match="does not exist"):
        validate(FunctionConfig(name="f", layers=("layers/one",)))


@pytest.mark.parametrize("size", [511, 10241])
def test_validate_ephemeral_storage_outside_lambda_range_raises(size: int) -> None:
    # https://docs.aws.amazon.com/lambda/latest/api/API_EphemeralStorage.html
    with pytest.raises(SandboxConfigError, match=f"EphemeralStorage {size} MB"):
        validate(FunctionConfig(name="f", ephemeral_storage_mb=size))


@pytest.mark.parametrize(
    ("value", "mode"),
    [
        ("", IsolationMode.AUTO),
        ("auto", IsolationMode.AUTO),
        ("Namespace", IsolationMode.NAMESPACE),
        (" fallback ", IsolationMode.FALLBACK),
    ],
)
def test_requested_mode_reads_lamina_isolation(value: str, mode: IsolationMode) -> None:
    assert requested_mode({"LAMINA_ISOLATION": value}) is mode


def test_requested_mode_unset_is_auto() -> None:
    assert requested_mode({}) is IsolationMode.AUTO


def test_requested_mode_unknown_value_raises() -> None:
    with pytest.raises(SandboxConfigError, match="LAMINA_ISOLATION='bwrap'"):
        requested_mode({"LAMINA_ISOLATION": "bwrap"})
