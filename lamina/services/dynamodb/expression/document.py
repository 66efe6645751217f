"""Reading and writing document paths (a.b[2].c) inside items.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.Attributes.html#Expressions.Attributes.NestedElements.DocumentPathExamples
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.expression.tree import Path, PathSegment
from lamina.services.dynamodb.types import AttributeValue, Item


def get(item: Mapping[str, AttributeValue], path: Path) -> AttributeValue | None:
    """The value at `path`, or None when any step is missing or of the wrong type."""
    first, *rest = path.segments
    if not isinstance(first, str):
        return None
    current = item.get(first)
    for segment in rest:
        if current is None:
            return None
        current = _child(current, segment)
    return current


def _child(value: Mapping[str, Any], segment: PathSegment) -> AttributeValue | None:
    if isinstance(segment, int):
        elements = value.get("L")
        if elements is None or segment >= len(elements):
            return None
        member: AttributeValue = elements[segment]
        return member
    members = value.get("M")
    return None if members is None else members.get(segment)


def invalid_path() -> Exception:
    return validation("The document path provided in the update expression is invalid for update")


def put(item: Item, path: Path, value: AttributeValue) -> None:
    """Set `path` to `value` in place; its parent must exist.

    An index past the end of a list appends to it (SET a[10] on a 3-element list).
    """
    parent, last = _parent(item, path)
    if isinstance(last, int):
        elements = _elements(parent)
        if last < len(elements):
            elements[last] = value
        else:
            elements.append(value)
    else:
        _members(parent)[last] = value


def remove(item: Item, path: Path) -> None:
    """Remove `path` in place; a missing attribute or index is no error, a missing parent is."""
    parent, last = _parent(item, path)
    if isinstance(last, int):
        elements = _elements(parent)
        if last < len(elements):
            del elements[last]
    else:
        _members(parent).pop(last, None)


def _parent(item: Item, path: Path) -> tuple[Any, PathSegment]:
    """The container holding the last step of `path` (the item itself at top level)."""
    *steps, last = path.segments
    container: Any = item
    for position, segment in enumerate(steps):
        if position == 0:
            assert isinstance(segment, str)
            container = item.get(segment)
        else:
            container = _child(container, segment)
        if container is None:
            raise invalid_path()
    if steps and isinstance(last, int) and "L" not in container:
        raise invalid_path()
    if steps and isinstance(last, str) and "M" not in container:
        raise invalid_path()
    return (container if steps else {"M": item}), last


def _elements(container: Mapping[str, Any]) -> list[AttributeValue]:
    elements: list[AttributeValue] = container["L"]
    return elements


def _members(container: Mapping[str, Any]) -> dict[str, AttributeValue]:
    members: dict[str, AttributeValue] = container["M"]
    return members
