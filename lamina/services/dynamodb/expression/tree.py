"""The typed syntax trees the parsers produce; placeholders are already resolved.

Paths hold attribute names (str) and list indexes (int). Operands are paths, values,
function calls (size, if_not_exists, list_append) and SET's "+"/"-".
"""

from __future__ import annotations

from typing import Any

import msgspec

PathSegment = str | int


class Path(msgspec.Struct, frozen=True):
    segments: tuple[PathSegment, ...]

    def describe(self) -> str:
        """DynamoDB's rendering in messages: [a, b, [2]]."""
        parts = (f"[{s}]" if isinstance(s, int) else s for s in self.segments)
        return "[" + ", ".join(parts) + "]"


class Value(msgspec.Struct, frozen=True):
    placeholder: str
    value: dict[str, Any]


class Call(msgspec.Struct, frozen=True):
    name: str
    args: tuple[Operand, ...]


class Arithmetic(msgspec.Struct, frozen=True):
    operator: str
    """"+" or "-"."""
    left: Operand
    right: Operand


Operand = Path | Value | Call | Arithmetic


class Comparison(msgspec.Struct, frozen=True):
    operator: str
    """"=", "<>", "<", "<=", ">" or ">="."""
    left: Operand
    right: Operand


class Between(msgspec.Struct, frozen=True):
    operand: Operand
    low: Operand
    high: Operand


class In(msgspec.Struct, frozen=True):
    operand: Operand
    choices: tuple[Operand, ...]


class FunctionCondition(msgspec.Struct, frozen=True):
    """attribute_exists, attribute_not_exists, attribute_type, begins_with, contains."""

    call: Call


class Not(msgspec.Struct, frozen=True):
    operand: ConditionNode


class And(msgspec.Struct, frozen=True):
    left: ConditionNode
    right: ConditionNode


class Or(msgspec.Struct, frozen=True):
    left: ConditionNode
    right: ConditionNode


ConditionNode = Comparison | Between | In | FunctionCondition | Not | And | Or


class SetAction(msgspec.Struct, frozen=True):
    path: Path
    value: Operand


class RemoveAction(msgspec.Struct, frozen=True):
    path: Path


class AddAction(msgspec.Struct, frozen=True):
    path: Path
    value: Value


class DeleteAction(msgspec.Struct, frozen=True):
    path: Path
    value: Value


class UpdateNode(msgspec.Struct, frozen=True):
    sets: tuple[SetAction, ...] = ()
    removes: tuple[RemoveAction, ...] = ()
    adds: tuple[AddAction, ...] = ()
    deletes: tuple[DeleteAction, ...] = ()
