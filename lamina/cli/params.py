"""Command-line values several commands share: --parameter-overrides (both forms SAM CLI
accepts) and the state folder --state-dir names."""

from __future__ import annotations

import shlex
from pathlib import Path

import click


def parse_overrides(text: str) -> dict[str, str]:
    """`A=1 B="two words"` or `ParameterKey=A,ParameterValue=1 ...` → {"A": "1", ...}."""
    overrides: dict[str, str] = {}
    for token in shlex.split(text):
        if token.startswith("ParameterKey="):
            key_part, _, value_part = token.partition(",")
            key = key_part.removeprefix("ParameterKey=")
            if not value_part.startswith("ParameterValue="):
                raise click.BadParameter(f"expected ParameterValue= after {key_part!r}")
            overrides[key] = value_part.removeprefix("ParameterValue=")
            continue
        key, sep, value = token.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected Key=Value, got {token!r}")
        overrides[key] = value
    return overrides


def state_folder(path: str, state_dir: str | None) -> Path:
    """--state-dir, else `.lamina/` beside the template (PATH: a template or its folder)."""
    if state_dir:
        return Path(state_dir).resolve()
    given = Path(path).resolve()
    return (given if given.is_dir() else given.parent) / ".lamina"
