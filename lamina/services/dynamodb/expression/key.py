"""Turning a parsed key condition into the partition value and the sort key's range.

A key condition is "pk = :v", optionally AND one sort key condition: =, <, <=, >, >=,
BETWEEN or begins_with. The checks and their wording follow DynamoDB's Query:
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Query.KeyConditionExpressions.html
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from lamina.services.dynamodb.compare import compare
from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.expression.evaluate import begins_with
from lamina.services.dynamodb.expression.tree import (
    And,
    Between,
    Call,
    Comparison,
    ConditionNode,
    FunctionCondition,
    In,
    Not,
    Operand,
    Or,
    Path,
    Value,
)
from lamina.services.dynamodb.types import AttributeValue

# "5 > sk" reads as "sk < 5".
_MIRRORED = {"=": "=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


class KeyTerm(msgspec.Struct, frozen=True):
    """One condition on one key attribute: the operator and its value(s)."""

    attribute: str
    operator: str
    """"=", "<", "<=", ">", ">=", "BETWEEN" or "begins_with"."""
    values: tuple[AttributeValue, ...]

    def matches(self, value: Mapping[str, Any] | None) -> bool:
        """Whether a key attribute's value satisfies this condition."""
        if value is None:
            return False
        if self.operator == "begins_with":
            return begins_with(value, self.values[0])
        orders = [compare(value, bound) for bound in self.values]
        if None in orders:
            return False
        first = orders[0] or 0
        if self.operator == "BETWEEN":
            return first >= 0 and (orders[1] or 0) <= 0
        outcomes = {"=": first == 0, "<": first < 0, "<=": first <= 0, ">": first > 0}
        return outcomes.get(self.operator, first >= 0)


def key_terms(node: ConditionNode) -> list[KeyTerm]:
    """The conditions of a key condition expression, one per attribute."""
    if isinstance(node, And):
        terms = key_terms(node.left)
        for term in key_terms(node.right):
            if any(other.attribute == term.attribute for other in terms):
                raise validation("KeyConditionExpressions must only contain one condition per key")
            terms.append(term)
        return terms
    return [_term(node)]


def _term(node: ConditionNode) -> KeyTerm:
    operator, operands = _operator(node)
    attribute, position = _attribute(operator, operands)
    values = tuple(arg.value for arg in operands if isinstance(arg, Value))
    if position != 0:
        operator = _MIRRORED[operator]
    return KeyTerm(attribute, operator, values)


def _operator(node: ConditionNode) -> tuple[str, tuple[Operand, ...]]:
    if isinstance(node, Or | Not | In):
        name = type(node).__name__.upper()
        raise validation(f"Invalid operator used in KeyConditionExpression: {name}")
    if isinstance(node, Comparison):
        if node.operator == "<>":
            raise validation("Invalid operator used in KeyConditionExpression: <>")
        return node.operator, (node.left, node.right)
    if isinstance(node, Between):
        return "BETWEEN", (node.operand, node.low, node.high)
    assert isinstance(node, FunctionCondition)
    if node.call.name != "begins_with":
        raise validation(f"Invalid operator used in KeyConditionExpression: {node.call.name}")
    return "begins_with", node.call.args


def _attribute(operator: str, operands: tuple[Operand, ...]) -> tuple[str, int]:
    """The key attribute a condition is on, and its operand position."""
    if operator in ("BETWEEN", "begins_with") and not isinstance(operands[0], Path):
        raise validation(
            f"Invalid condition in KeyConditionExpression: {operator} operator must have the "
            "key attribute as its first operand"
        )
    found: tuple[str, int] | None = None
    for position, operand in enumerate(operands):
        if isinstance(operand, Call):
            raise validation("KeyConditionExpressions cannot contain nested operations")
        if not isinstance(operand, Path):
            continue
        if found is not None:
            raise validation(
                "Invalid condition in KeyConditionExpression: "
                "Multiple attribute names used in one condition"
            )
        if len(operand.segments) > 1:
            raise validation("KeyConditionExpressions cannot have conditions on nested attributes")
        found = (str(operand.segments[0]), position)
    if found is None:
        raise validation("Invalid condition in KeyConditionExpression: No key attribute specified")
    return found
