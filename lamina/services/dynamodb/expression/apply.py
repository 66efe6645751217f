"""Applying a parsed update expression to a copy of an item.

Every SET value is computed from the item as it was before the update; then SET, REMOVE,
ADD and DELETE change the copy. Errors are DynamoDB's evaluation-time messages.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal

from lamina.services.dynamodb import number
from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.expression import document
from lamina.services.dynamodb.expression.tree import (
    AddAction,
    Arithmetic,
    Call,
    DeleteAction,
    Operand,
    Path,
    UpdateNode,
    Value,
)
from lamina.services.dynamodb.types import AttributeValue, Item, type_of


def wrong_type() -> Exception:
    return validation("An operand in the update expression has an incorrect data type")


def missing_attribute() -> Exception:
    return validation(
        "The provided expression refers to an attribute that does not exist in the item"
    )


def apply_update(node: UpdateNode, item: Mapping[str, AttributeValue]) -> Item:
    """The updated copy of `item`; `item` itself is left unchanged."""
    values = [(action.path, set_value(action.value, item)) for action in node.sets]
    result: Item = copy.deepcopy(dict(item))
    for path, value in values:
        document.put(result, path, value)
    # Removing the higher list index first keeps the lower ones pointing where they did.
    for remove in sorted(node.removes, key=lambda action: _removal_order(action.path)):
        document.remove(result, remove.path)
    for add in node.adds:
        _add(result, add)
    for delete in node.deletes:
        _delete(result, delete)
    return result


def _removal_order(path: Path) -> tuple[tuple[int, str, int], ...]:
    return tuple((0, s, 0) if isinstance(s, str) else (1, "", -s) for s in path.segments)


def set_value(node: Operand, item: Mapping[str, AttributeValue]) -> AttributeValue:
    if isinstance(node, Value):
        return copy.deepcopy(node.value)
    if isinstance(node, Path):
        found = document.get(item, node)
        if found is None:
            raise missing_attribute()
        return copy.deepcopy(found)
    if isinstance(node, Arithmetic):
        left, right = _number(node.left, item), _number(node.right, item)
        result = number.add(left, right) if node.operator == "+" else number.subtract(left, right)
        return {"N": number.format_number(result)}
    return _call(node, item)


def _number(node: Operand, item: Mapping[str, AttributeValue]) -> Decimal:
    value = set_value(node, item)
    if type_of(value) != "N":
        raise wrong_type()
    return Decimal(value["N"])


def _call(node: Call, item: Mapping[str, AttributeValue]) -> AttributeValue:
    if node.name == "if_not_exists":
        path = node.args[0]
        assert isinstance(path, Path)
        found = document.get(item, path)
        return copy.deepcopy(found) if found is not None else set_value(node.args[1], item)
    first, second = (set_value(arg, item) for arg in node.args)
    if type_of(first) != "L" or type_of(second) != "L":
        raise wrong_type()
    return {"L": first["L"] + second["L"]}


def _add(item: Item, action: AddAction) -> None:
    """ADD: add to a number, or union into a set; a missing attribute takes the value."""
    given = action.value.value
    current = document.get(item, action.path)
    if current is None:
        document.put(item, action.path, copy.deepcopy(given))
        return
    kind = type_of(current)
    if kind != type_of(given):
        raise wrong_type()
    if kind == "N":
        total = number.add(Decimal(current["N"]), Decimal(given["N"]))
        document.put(item, action.path, {"N": number.format_number(total)})
        return
    members = list(current[kind])
    members.extend(member for member in given[kind] if member not in members)
    document.put(item, action.path, {kind: members})


def _delete(item: Item, action: DeleteAction) -> None:
    """DELETE: remove members from a set; an emptied set removes the attribute."""
    given = action.value.value
    current = document.get(item, action.path)
    if current is None:
        return
    kind = type_of(current)
    if kind != type_of(given):
        raise wrong_type()
    members = [member for member in current[kind] if member not in given[kind]]
    if members:
        document.put(item, action.path, {kind: members})
    else:
        document.remove(item, action.path)
