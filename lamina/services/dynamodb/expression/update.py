"""The parser of update expressions.

Grammar (keywords case-insensitive; each clause at most once, in any order), from
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.UpdateExpressions.html::

    update      := clause clause*
    clause      := SET set-action ( "," set-action )*
                 | REMOVE path ( "," path )*
                 | ADD path ":value" ( "," path ":value" )*
                 | DELETE path ":value" ( "," path ":value" )*
    set-action  := path "=" set-value
    set-value   := operand ( ( "+" | "-" ) operand )?
    operand     := path | ":value" | "(" set-value ")"
                 | ( "if_not_exists" | "list_append" ) "(" operand ( "," operand )* ")"
    path        := name ( "." name | "[" digits "]" )*

No two actions may name the same document path, or one path and a path inside it.
"""

from __future__ import annotations

from typing import TypeVar

from lamina.services.dynamodb.expression.condition import CONDITION_FUNCTIONS, OPERAND_FUNCTIONS
from lamina.services.dynamodb.expression.cursor import Cursor
from lamina.services.dynamodb.expression.tree import (
    AddAction,
    Arithmetic,
    Call,
    DeleteAction,
    Operand,
    Path,
    RemoveAction,
    SetAction,
    UpdateNode,
    Value,
)
from lamina.services.dynamodb.types import SET_TYPES, type_of

T = TypeVar("T")

CLAUSES = frozenset({"SET", "REMOVE", "ADD", "DELETE"})
UPDATE_FUNCTIONS = {"if_not_exists": 2, "list_append": 2}
ORDER = (
    "reserved",
    "unknown_function",
    "section",
    "names",
    "values",
    "overlap",
    "conflict",
    "operands",
    "function",
)
_TYPE_NAMES = {
    "S": "STRING",
    "N": "NUMBER",
    "B": "BINARY",
    "NULL": "NULL",
    "BOOL": "BOOLEAN",
    "L": "LIST",
    "M": "MAP",
}


def parse_update(cursor: Cursor) -> UpdateNode:
    parser = UpdateParser(cursor)
    node = parser.update()
    cursor.raise_problems(ORDER)
    return node


class UpdateParser:
    __slots__ = ("actions", "cursor", "paths")

    def __init__(self, cursor: Cursor) -> None:
        self.cursor = cursor
        self.paths: list[Path] = []
        self.actions: dict[str, list[object]] = {}

    def update(self) -> UpdateNode:
        cursor = self.cursor
        while True:
            token = cursor.peek()
            if token.kind != "ident" or token.text.upper() not in CLAUSES:
                raise cursor.unexpected()
            self.clause(cursor.advance().text.upper())
            if cursor.peek().kind == "eof":
                break
        return UpdateNode(
            sets=tuple(self._actions("SET", SetAction)),
            removes=tuple(self._actions("REMOVE", RemoveAction)),
            adds=tuple(self._actions("ADD", AddAction)),
            deletes=tuple(self._actions("DELETE", DeleteAction)),
        )

    def _actions(self, clause: str, kind: type[T]) -> list[T]:
        return [action for action in self.actions.get(clause, []) if isinstance(action, kind)]

    def clause(self, name: str) -> None:
        if name in self.actions:
            self.cursor.note(
                "section", f'The "{name}" section can only be used once in an update expression;'
            )
        actions = self.actions.setdefault(name, [])
        actions.extend(self.cursor.parse_list(lambda: self.action(name)))

    def action(self, clause: str) -> object:
        path = self.target()
        if clause == "SET":
            self.cursor.expect("=")
            return SetAction(path, self.set_value())
        if clause == "REMOVE":
            return RemoveAction(path)
        if self.cursor.peek().kind != "value":
            raise self.cursor.unexpected()
        value = self.cursor.parse_value()
        self._check_add_delete(clause, value)
        return AddAction(path, value) if clause == "ADD" else DeleteAction(path, value)

    def target(self) -> Path:
        path = self.cursor.parse_path(CLAUSES)
        for earlier in self.paths:
            check_overlap(self.cursor, earlier, path)
        self.paths.append(path)
        return path

    def set_value(self) -> Operand:
        left = self.operand()
        if self.cursor.at("+") or self.cursor.at("-"):
            operator = self.cursor.advance().text
            right = self.operand()
            for side in (left, right):
                self._check_literal(operator, side, "N")
            return Arithmetic(operator, left, right)
        return left

    def operand(self) -> Operand:
        cursor = self.cursor
        token = cursor.peek()
        if token.kind == "value":
            return cursor.parse_value()
        if cursor.at("("):
            cursor.advance()
            inner = self.set_value()
            cursor.expect(")")
            return inner
        if token.kind == "ident" and cursor.peek(1).text == "(":
            return self.call()
        return cursor.parse_path(CLAUSES)

    def call(self) -> Call:
        cursor = self.cursor
        name = cursor.advance().text
        call = Call(name, tuple(cursor.parse_arguments(self.operand)))
        self._check_call(call)
        return call

    # -- semantic checks -------------------------------------------------------------------

    def _check_call(self, call: Call) -> None:
        arity = UPDATE_FUNCTIONS.get(call.name)
        if arity is None:
            known = call.name in CONDITION_FUNCTIONS or call.name in OPERAND_FUNCTIONS
            message = (
                "The function is not allowed in an update expression"
                if known
                else "Invalid function name"
            )
            self.cursor.note("unknown_function", f"{message}; function: {call.name}")
            return
        if len(call.args) != arity:
            self.cursor.note(
                "function",
                "Incorrect number of operands for operator or function; "
                f"operator or function: {call.name}, number of operands: {len(call.args)}",
            )
        elif call.name == "if_not_exists" and not isinstance(call.args[0], Path):
            self.cursor.note(
                "function",
                f"Operator or function requires a document path; operator or function: {call.name}",
            )
        elif call.name == "list_append":
            for arg in call.args:
                self._check_literal(call.name, arg, "L")

    def _check_literal(self, operator: str, operand: Operand, expected: str) -> None:
        if isinstance(operand, Value) and type_of(operand.value) != expected:
            self.cursor.note(
                "function",
                "Incorrect operand type for operator or function; "
                f"operator or function: {operator}, operand type: {type_of(operand.value)}",
            )

    def _check_add_delete(self, clause: str, value: Value) -> None:
        kind = type_of(value.value)
        if kind in SET_TYPES or (clause == "ADD" and kind == "N"):
            return
        self.cursor.note(
            "operands",
            "Incorrect operand type for operator or function; "
            f"operator: {clause}, operand type: {_TYPE_NAMES[kind]}",
        )


def check_overlap(cursor: Cursor, one: Path, two: Path) -> None:
    """Note paths that are equal, one inside the other, or that index a value both as a
    map and as a list (a.b and a[0])."""
    for first, second in zip(one.segments, two.segments, strict=False):
        if type(first) is not type(second):
            verb = "conflict"
            break
        if first != second:
            return
    else:
        verb = "overlap"
    cursor.note(
        verb,
        f"Two document paths {verb} with each other; must remove or rewrite one of these "
        f"paths; path one: {one.describe()}, path two: {two.describe()}",
    )
