"""PATCH operations as the stage, deployment, key, usage plan and domain operations read
them: each a `Patch` (its path kept whole, as their paths are matched as text), values
converted to the member's type. The ops are checked, and segments unescaped (`~1` is "/",
`~0` is "~"), as by patch.py, which the definition operations use.

https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html
https://docs.aws.amazon.com/apigateway/latest/api/API_PatchOperation.html
"""

from __future__ import annotations

from typing import Any, NamedTuple

from lamina.services.apigateway.error import bad_request
from lamina.services.apigateway.patch import check_ops
from lamina.services.apigateway.patch import invalid_path as invalid_path


class Patch(NamedTuple):
    op: str
    path: str
    value: str | None
    source: str | None
    """The `from` member (copy, move)."""


def patches(params: dict[str, Any], input_name: str | None = None) -> list[Patch]:
    """The request's patchOperations, in order; an op outside the enum is refused before any
    is applied (`input_name`: the operation's, "updateStageInput" ...)."""
    raw = params.get("patchOperations") or []
    check_ops(raw, input_name)
    return [
        Patch(str(item["op"]), str(item.get("path", "")), item.get("value"), item.get("from"))
        for item in raw
    ]


def invalid_op(patch: Patch) -> Exception:
    return bad_request(f"Invalid {patch.op} operation with path: {patch.path}")


def required(patch: Patch) -> str:
    if patch.value is None:
        raise bad_request(f"Invalid null value for path: {patch.path}")
    return patch.value


def to_bool(patch: Patch) -> bool:
    text = required(patch).strip().lower()
    if text not in ("true", "false"):
        raise bad_request(f"Invalid Boolean value for path: {patch.path}: {patch.value}")
    return text == "true"


def to_int(patch: Patch) -> int:
    try:
        return int(required(patch))
    except ValueError:
        raise bad_request(f"Invalid Integer value for path: {patch.path}: {patch.value}") from None


def to_float(patch: Patch) -> float:
    try:
        return float(required(patch))
    except ValueError:
        raise bad_request(f"Invalid Double value for path: {patch.path}: {patch.value}") from None
