"""The parser of projection expressions, and projecting an item onto their paths.

Grammar, from
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ProjectionExpressions.html::

    projection := path ( "," path )*
    path       := name ( "." name | "[" digits "]" )*

Projected list elements keep their order and close up (a[1], a[3] gives a two-element
list); paths that do not exist in the item are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.services.dynamodb.expression.cursor import Cursor
from lamina.services.dynamodb.expression.tree import Path, PathSegment
from lamina.services.dynamodb.expression.update import check_overlap
from lamina.services.dynamodb.types import AttributeValue, Item

ORDER = ("reserved", "names", "overlap", "conflict")

# A tree of requested path segments; an empty tree takes the whole value.
Tree = dict[PathSegment, "Tree"]


def parse_projection(cursor: Cursor) -> tuple[Path, ...]:
    paths = cursor.parse_list(lambda: cursor.parse_path(frozenset()))
    cursor.finish()
    for position, path in enumerate(paths):
        for earlier in paths[:position]:
            check_overlap(cursor, earlier, path)
    cursor.raise_problems(ORDER)
    return tuple(paths)


def project(item: Mapping[str, AttributeValue], paths: tuple[Path, ...]) -> Item:
    tree: Tree = {}
    for path in paths:
        node = tree
        for segment in path.segments:
            node = node.setdefault(segment, {})
    return _members(item, tree)


def _members(members: Mapping[str, AttributeValue], tree: Tree) -> Item:
    result: Item = {}
    for name, subtree in tree.items():
        if isinstance(name, str) and name in members:
            value = _value(members[name], subtree)
            if value is not None:
                result[name] = value
    return result


def _value(value: Mapping[str, Any], tree: Tree) -> AttributeValue | None:
    if not tree:
        return dict(value)
    if "M" in value and all(isinstance(key, str) for key in tree):
        members = _members(value["M"], tree)
        return {"M": members} if members else None
    if "L" in value and all(isinstance(key, int) for key in tree):
        elements = value["L"]
        picked = [
            _value(elements[index], tree[index])
            for index in sorted(key for key in tree if isinstance(key, int))
            if index < len(elements)
        ]
        kept = [element for element in picked if element is not None]
        return {"L": kept} if kept else None
    return None
