"""Equality and ordering of attribute values, as conditions and sort keys use them.

Numbers compare numerically, strings by their UTF-8 bytes, binaries bytewise; sets are
equal when they hold the same members in any order; lists and maps compare deeply.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html#Expressions.OperatorsAndFunctions.Comparators
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/HowItWorks.CoreComponents.html#HowItWorks.CoreComponents.PrimaryKey
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from lamina.services.dynamodb.types import type_of

ORDERED_TYPES = frozenset({"S", "N", "B"})


def equal(left: Mapping[str, Any], right: Mapping[str, Any]) -> bool:
    kind = type_of(left)
    if kind != type_of(right):
        return False
    a, b = left[kind], right[kind]
    if kind == "N":
        return Decimal(a) == Decimal(b)
    if kind == "NS":
        return {Decimal(n) for n in a} == {Decimal(n) for n in b}
    if kind in ("SS", "BS"):
        return set(a) == set(b)
    if kind == "L":
        return len(a) == len(b) and all(equal(x, y) for x, y in zip(a, b, strict=True))
    if kind == "M":
        return a.keys() == b.keys() and all(equal(a[k], b[k]) for k in a)
    return bool(a == b)


def order_key(value: Mapping[str, Any]) -> Decimal | bytes:
    """A key that sorts S, N or B values of one type as DynamoDB sorts them."""
    kind = type_of(value)
    if kind == "N":
        return Decimal(value["N"])
    if kind == "S":
        return str(value["S"]).encode()
    if kind == "B":
        return bytes(value["B"])
    raise TypeError(f"{kind} values have no order")


def compare(left: Mapping[str, Any], right: Mapping[str, Any]) -> int | None:
    """-1, 0 or 1 for two S, N or B values of the same type; None when they do not order."""
    kind = type_of(left)
    if kind != type_of(right) or kind not in ORDERED_TYPES:
        return None
    a, b = order_key(left), order_key(right)
    return (a > b) - (a < b)  # type: ignore[operator]


def contains_member(collection: Mapping[str, Any], member: Mapping[str, Any]) -> bool:
    """Whether a set or list holds `member` (contains() on a set or list)."""
    kind = type_of(collection)
    if kind == "L":
        return any(equal(element, member) for element in collection["L"])
    element_type = {"SS": "S", "NS": "N", "BS": "B"}.get(kind)
    if element_type is None or type_of(member) != element_type:
        return False
    return any(equal({element_type: element}, member) for element in collection[kind])
