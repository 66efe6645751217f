"""PATCH operations as API Gateway reads them: a JSON-Pointer-like path whose segments
escape "/" as "~1" (and "~" as "~0"), string values converted to the member's type.

https://docs.aws.amazon.com/apigateway/latest/api/patch-operations.html
https://docs.aws.amazon.com/apigateway/latest/api/API_PatchOperation.html
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, NamedTuple

from lamina.services.apigateway.error import bad_request

_OPS = ("add", "remove", "replace", "move", "copy", "test")


class Patch(NamedTuple):
    op: str
    path: str
    value: str | None
    source: str | None
    """The `from` member (copy, move)."""


def patches(params: dict[str, Any]) -> Iterator[Patch]:
    """The request's patchOperations, in order."""
    for raw in params.get("patchOperations") or ():
        op = str(raw.get("op", ""))
        if op not in _OPS:
            raise bad_request("Invalid patch operation specified. Must be 'add'|'remove'|'replace'")
        yield Patch(op, str(raw.get("path", "")), raw.get("value"), raw.get("from"))


def unescape(segment: str) -> str:
    """A path segment's text: "~1" is "/", "~0" is "~" (RFC 6901's order)."""
    return segment.replace("~1", "/").replace("~0", "~")


def segments(path: str) -> list[str]:
    """ "/a/b~1c" -> ["a", "b/c"]."""
    return [unescape(part) for part in path.split("/")[1:]] if path.startswith("/") else []


def invalid_path(path: str) -> Exception:
    # The message API Gateway answers a path a resource does not have.
    return bad_request(f"Invalid patch path {path}")


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
