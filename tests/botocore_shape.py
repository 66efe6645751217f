"""Checking a value against a botocore output shape, so records we render or return are
what the AWS SDKs would parse: known members only, of the right types."""

from __future__ import annotations

from typing import Any

from botocore.model import Shape  # type: ignore[import-untyped]


def check_shape(value: Any, shape: Shape, where: str) -> None:
    """`value` fits botocore's output shape: known members only, of the right types;
    `where` names the value in the assertion messages."""
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), where
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{where}: {sorted(unknown)} are not {shape.name} members"
        for name, item in value.items():
            check_shape(item, shape.members[name], f"{where}.{name}")
    elif kind == "map":
        assert isinstance(value, dict), where
        for key, item in value.items():
            check_shape(item, shape.value, f"{where}[{key}]")
    elif kind == "list":
        assert isinstance(value, list), where
        for index, item in enumerate(value):
            check_shape(item, shape.member, f"{where}[{index}]")
    else:
        expected: dict[str, type | tuple[type, ...]] = {
            "string": str,
            "boolean": bool,
            "integer": int,
            "double": (int, float),
        }
        assert isinstance(value, expected[kind]), f"{where}: {value!r} is no {kind}"
