"""Item sizes as DynamoDB counts them, and the 400 KB item limit.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/CapacityUnitCalculations.html
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.number import parse_number, significant_digits
from lamina.services.dynamodb.types import type_of

MAX_ITEM_SIZE = 400 * 1024


def item_size(item: Mapping[str, Mapping[str, Any]]) -> int:
    """Sum of the UTF-8 lengths of the attribute names and the sizes of their values."""
    return sum(len(name.encode()) + value_size(value) for name, value in item.items())


def value_size(value: Mapping[str, Any]) -> int:
    kind = type_of(value)
    content = value[kind]
    if kind == "S":
        return len(content.encode())
    if kind == "N":
        return _number_size(content)
    if kind == "B":
        return len(content)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(member.encode()) for member in content)
    if kind == "NS":
        return sum(_number_size(member) for member in content)
    if kind == "BS":
        return sum(len(member) for member in content)
    # Lists and maps: 3 bytes of overhead, plus 1 byte per element.
    if kind == "L":
        return 3 + sum(1 + value_size(member) for member in content)
    return 3 + sum(1 + len(name.encode()) + value_size(member) for name, member in content.items())


def _number_size(text: str) -> int:
    # "1 byte per two significant digits, plus 1 byte".
    return (significant_digits(parse_number(text)) + 1) // 2 + 1


def check_item_size(item: Mapping[str, Mapping[str, Any]]) -> None:
    if item_size(item) > MAX_ITEM_SIZE:
        raise validation("Item size has exceeded the maximum allowed size")
