"""The expression API the DynamoDB provider calls: compile once, apply to many items.

Each compiled expression records the #name and :value placeholders it used, so that
`check_unused` can report DynamoDB's unused-placeholder errors across all the
expressions of one request.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ExpressionAttributeNames.html
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.ExpressionAttributeValues.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from lamina.services.dynamodb.compare import equal
from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.expression.apply import apply_update
from lamina.services.dynamodb.expression.condition import parse_condition
from lamina.services.dynamodb.expression.cursor import Cursor
from lamina.services.dynamodb.expression.evaluate import matches
from lamina.services.dynamodb.expression.key import KeyTerm, key_terms
from lamina.services.dynamodb.expression.projection import parse_projection, project
from lamina.services.dynamodb.expression.tree import ConditionNode, Path, UpdateNode
from lamina.services.dynamodb.expression.update import parse_update
from lamina.services.dynamodb.types import AttributeValue, Item, type_of

Names = Mapping[str, str] | None
Values = Mapping[str, Any] | None


class Condition(msgspec.Struct, frozen=True):
    """A ConditionExpression or FilterExpression."""

    node: ConditionNode
    names_used: frozenset[str]
    values_used: frozenset[str]

    def matches(self, item: Mapping[str, AttributeValue]) -> bool:
        return matches(self.node, item)


class KeyCondition(msgspec.Struct, frozen=True):
    """A Query's KeyConditionExpression: the partition value and the sort key's range."""

    partition_key: str
    partition_value: AttributeValue
    sort_key: str | None
    sort: KeyTerm | None
    """None, or the sort key's operator ("=", "<", "<=", ">", ">=", "BETWEEN",
    "begins_with") and its value(s)."""
    names_used: frozenset[str]
    values_used: frozenset[str]

    def matches(self, item: Mapping[str, AttributeValue]) -> bool:
        """Whether an item's key attributes satisfy the condition."""
        partition = item.get(self.partition_key)
        if partition is None or not equal(partition, self.partition_value):
            return False
        return self.sort is None or self.sort.matches(item.get(self.sort.attribute))


class Projection(msgspec.Struct, frozen=True):
    paths: tuple[Path, ...]
    names_used: frozenset[str]
    values_used: frozenset[str] = frozenset()

    def apply(self, item: Mapping[str, AttributeValue]) -> Item:
        return project(item, self.paths)


class Update(msgspec.Struct, frozen=True):
    node: UpdateNode
    names_used: frozenset[str]
    values_used: frozenset[str]

    def apply(self, item: Mapping[str, AttributeValue]) -> Item:
        """The updated copy of `item` (raising ServiceError on type errors)."""
        return apply_update(self.node, item)


Compiled = Condition | KeyCondition | Projection | Update


def compile_condition(
    text: str, names: Names, values: Values, *, label: str = "ConditionExpression"
) -> Condition:
    """Compile a condition; `label` is "FilterExpression" for Query's and Scan's filter."""
    cursor = Cursor(text, label, names, values)
    node = parse_condition(cursor)
    return Condition(node, frozenset(cursor.names_used), frozenset(cursor.values_used))


def compile_projection(text: str, names: Names) -> Projection:
    cursor = Cursor(text, "ProjectionExpression", names, None)
    return Projection(parse_projection(cursor), frozenset(cursor.names_used))


def compile_update(text: str, names: Names, values: Values) -> Update:
    cursor = Cursor(text, "UpdateExpression", names, values)
    node = parse_update(cursor)
    return Update(node, frozenset(cursor.names_used), frozenset(cursor.values_used))


def compile_key_condition(
    text: str,
    names: Names,
    values: Values,
    *,
    partition_key: str,
    sort_key: str | None,
    key_types: Mapping[str, str] | None = None,
) -> KeyCondition:
    """Compile a key condition for a table or index with these key attributes.

    `key_types` (attribute name -> "S", "N" or "B"), when given, checks the values' types.
    """
    cursor = Cursor(text, "KeyConditionExpression", names, values)
    terms = {term.attribute: term for term in key_terms(parse_condition(cursor))}
    _check_key_schema(terms, partition_key, sort_key, key_types or {})
    partition = terms[partition_key]
    sort = terms.get(sort_key) if sort_key is not None else None
    return KeyCondition(
        partition_key,
        partition.values[0],
        sort_key,
        sort,
        frozenset(cursor.names_used),
        frozenset(cursor.values_used),
    )


def _check_key_schema(
    terms: Mapping[str, KeyTerm],
    partition_key: str,
    sort_key: str | None,
    key_types: Mapping[str, str],
) -> None:
    """DynamoDB's checks, key by key, partition key first."""
    if sort_key is None and len(terms) > 1:
        raise validation("Query key condition not supported")
    for key in (partition_key, sort_key):
        if key is None:
            continue
        term = terms.get(key)
        if term is None:
            if key == partition_key or len(terms) > 1:
                raise validation(f"Query condition missed key schema element: {key}")
            continue
        expected = key_types.get(key)
        if expected is not None and any(type_of(value) != expected for value in term.values):
            raise validation(
                "One or more parameter values were invalid: "
                "Condition parameter type does not match schema type"
            )
        if key == partition_key and term.operator != "=":
            raise validation("Query key condition not supported")


def check_unused(names: Names, values: Values, *expressions: Compiled | None) -> None:
    """DynamoDB's errors for placeholders that none of a request's expressions used."""
    used_names: set[str] = set()
    used_values: set[str] = set()
    for expression in expressions:
        if expression is not None:
            used_names |= expression.names_used
            used_values |= expression.values_used
    unused = [name for name in names or {} if name not in used_names]
    if unused:
        raise validation(
            "Value provided in ExpressionAttributeNames unused in expressions: "
            f"keys: {{{', '.join(unused)}}}"
        )
    unused = [value for value in values or {} if value not in used_values]
    if unused:
        raise validation(
            "Value provided in ExpressionAttributeValues unused in expressions: "
            f"keys: {{{', '.join(unused)}}}"
        )
