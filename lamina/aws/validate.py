"""Required-member checks on a parsed input, worded as AWS's request validation words them:
`1 validation error detected: Value null at 'functionName' failed to satisfy constraint:
Member must not be null` (ValidationException, HTTP 400).
https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html
"""

from __future__ import annotations

from typing import Any

from lamina.aws.service import ServiceError


def check_required(shape: Any, value: dict[str, Any]) -> None:
    """Raise ValidationException naming every missing required member of `shape`."""
    missing: list[str] = []
    _collect(shape, value, "", missing)
    if not missing:
        return
    count = len(missing)
    noun = "error" if count == 1 else "errors"
    details = "; ".join(
        f"Value null at '{path}' failed to satisfy constraint: Member must not be null"
        for path in missing
    )
    raise ServiceError("ValidationException", f"{count} validation {noun} detected: {details}")


def _collect(shape: Any, value: Any, path: str, missing: list[str]) -> None:
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict) and not shape.is_document_type:
        members = shape.members
        for name in shape.required_members:
            if value.get(name) is None:
                missing.append(_join(path, _wire_path_name(name)))
        for name, item in value.items():
            member = members.get(name)
            if member is not None and item is not None:
                _collect(member, item, _join(path, _wire_path_name(name)), missing)
    elif kind == "list" and isinstance(value, list):
        for index, item in enumerate(value, start=1):
            _collect(shape.member, item, f"{path}.{index}.member", missing)
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            _collect(shape.value, item, f"{path}.{key}.member", missing)


def _wire_path_name(name: str) -> str:
    # AWS's validator names members in lower camel case (`functionName`, `keySchema`).
    return name[:1].lower() + name[1:]


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name
