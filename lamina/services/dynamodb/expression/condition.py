"""The parser of condition, filter and key condition expressions.

Grammar (keywords case-insensitive; precedence, loosest first: OR, AND, NOT, then
comparisons and functions, as documented on
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.OperatorsAndFunctions.html#Expressions.OperatorsAndFunctions.Precedence)::

    condition   := conjunction ( OR conjunction )*
    conjunction := negation ( AND negation )*
    negation    := NOT negation | primary
    primary     := "(" condition ")"
                 | operand comparator operand
                 | operand BETWEEN operand AND operand
                 | operand IN "(" operand ( "," operand )* ")"
                 | function "(" operand ( "," operand )* ")"
    comparator  := "=" | "<>" | "<" | "<=" | ">" | ">="
    operand     := path | ":value" | "size" "(" path ")" | "(" operand ")"
    path        := name ( "." name | "[" digits "]" )*
    name        := bare-name | "#name"

A "(" opens either a nested condition or a parenthesized operand; the parser tries the
condition first and backs up when a comparator follows the closing parenthesis.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from lamina.aws.service import ServiceError
from lamina.services.dynamodb.compare import compare
from lamina.services.dynamodb.expression.cursor import Cursor
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
from lamina.services.dynamodb.types import TYPES, type_of

KEYWORDS = frozenset({"AND", "OR", "NOT", "BETWEEN", "IN"})
COMPARATORS = frozenset({"=", "<>", "<", "<=", ">", ">="})
MAX_IN_OPERANDS = 100
"""https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-expression-parameters"""

CONDITION_FUNCTIONS = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
}
OPERAND_FUNCTIONS = {"size": 1}
UPDATE_FUNCTIONS = frozenset({"if_not_exists", "list_append"})

# The order DynamoDB reports semantic problems in when an expression has several.
ORDER = (
    "parens",
    "unknown_function",
    "misused_function",
    "reserved",
    "names",
    "values",
    "operands",
    "distinct",
    "function",
)


def parse_condition(cursor: Cursor) -> ConditionNode:
    """Parse a whole condition expression and report its problems in DynamoDB's order."""
    parser = ConditionParser(cursor)
    node = parser.condition()
    cursor.finish()
    cursor.raise_problems(ORDER)
    return node


class ConditionParser:
    __slots__ = ("cursor", "groups")

    def __init__(self, cursor: Cursor) -> None:
        self.cursor = cursor
        # Token positions of each pair of parentheses parsed so far, to spot "((x))".
        self.groups: set[tuple[int, int]] = set()

    def condition(self) -> ConditionNode:
        node = self.conjunction()
        while self.cursor.at_keyword("OR"):
            self.cursor.advance()
            node = Or(node, self.conjunction())
        return node

    def conjunction(self) -> ConditionNode:
        node = self.negation()
        while self.cursor.at_keyword("AND"):
            self.cursor.advance()
            node = And(node, self.negation())
        return node

    def negation(self) -> ConditionNode:
        if self.cursor.at_keyword("NOT"):
            self.cursor.advance()
            return Not(self.negation())
        return self.primary()

    def primary(self) -> ConditionNode:
        if not self.cursor.at("("):
            return self.predicate(self.operand())
        group, failure = self._try(self.group)
        if group is not None:
            return group
        try:
            return self.predicate(self.operand())
        except ServiceError:
            # Both readings failed: report the one that got further, as DynamoDB does.
            if failure is not None and failure[0] > self.cursor.position:
                raise failure[1] from None
            raise

    def group(self) -> ConditionNode | None:
        """ "(" condition ")", or None when the parentheses held an operand."""
        opened = self.cursor.position
        self.cursor.expect("(")
        inner = self.condition()
        closed = self.cursor.position
        self.cursor.expect(")")
        if self.cursor.at_keyword("BETWEEN", "IN") or self.cursor.peek().text in COMPARATORS:
            return None
        self._mark_group(opened, closed)
        return inner

    def _try(
        self, parse: Callable[[], ConditionNode | None]
    ) -> tuple[ConditionNode | None, tuple[int, ServiceError] | None]:
        """Run `parse`; on a syntax error or None, rewind (returning the error and where)."""
        cursor = self.cursor
        saved = (cursor.position, dict(cursor.problems), set(cursor.names_used))
        saved_values = set(cursor.values_used)
        failure: tuple[int, ServiceError] | None = None
        try:
            result = parse()
        except ServiceError as error:
            result, failure = None, (cursor.position, error)
        if result is None:
            cursor.position, cursor.problems, cursor.names_used = saved
            cursor.values_used = saved_values
        return result, failure

    def _mark_group(self, opened: int, closed: int) -> None:
        """Parentheses whose whole content is another parenthesized part are redundant."""
        if (opened + 1, closed - 1) in self.groups:
            self.cursor.note("parens", "The expression has redundant parentheses;")
        self.groups.add((opened, closed))

    def predicate(self, left: Operand) -> ConditionNode:
        cursor = self.cursor
        token = cursor.peek()
        if token.kind == "punct" and token.text in COMPARATORS:
            cursor.advance()
            return self.comparison(token.text, left, self.operand())
        if cursor.at_keyword("BETWEEN"):
            cursor.advance()
            low = self.operand()
            if not cursor.at_keyword("AND"):
                raise cursor.unexpected()
            cursor.advance()
            return self.between(left, low, self.operand())
        if cursor.at_keyword("IN"):
            cursor.advance()
            return self.membership(left)
        if isinstance(left, Call):
            return self.function_condition(left)
        raise cursor.unexpected()

    def comparison(self, operator: str, left: Operand, right: Operand) -> Comparison:
        self._check_operands(left, right)
        self._check_distinct(operator, left, right)
        return Comparison(operator, left, right)

    def between(self, operand: Operand, low: Operand, high: Operand) -> Between:
        self._check_operands(operand, low, high)
        if isinstance(low, Value) and isinstance(high, Value):
            self._check_bounds(low.value, high.value)
        return Between(operand, low, high)

    def membership(self, operand: Operand) -> In:
        choices = self.cursor.parse_arguments(self.operand)
        self._check_operands(operand, *choices)
        if len(choices) > MAX_IN_OPERANDS:
            self.cursor.note(
                "operands",
                "The IN operator is provided with too many operands; "
                f"number of operands: {len(choices)}",
            )
        return In(operand, tuple(choices))

    def function_condition(self, call: Call) -> FunctionCondition:
        if call.name in OPERAND_FUNCTIONS:
            self._misused(call.name)
        return FunctionCondition(call)

    # -- operands ------------------------------------------------------------------------

    def operand(self) -> Operand:
        cursor = self.cursor
        token = cursor.peek()
        if token.kind == "value":
            return cursor.parse_value()
        if token.kind == "ident" and cursor.peek(1).text == "(":
            return self.call()
        if cursor.at("("):
            opened = cursor.position
            cursor.advance()
            inner = self.operand()
            closed = cursor.position
            cursor.expect(")")
            self._mark_group(opened, closed)
            return inner
        return cursor.parse_path(KEYWORDS)

    def call(self) -> Call:
        cursor = self.cursor
        name = cursor.advance().text
        if name.upper() in KEYWORDS:
            raise cursor.unexpected()
        call = Call(name, tuple(cursor.parse_arguments(self.operand)))
        self._check_function(call)
        return call

    # -- semantic checks -------------------------------------------------------------------

    def _check_function(self, call: Call) -> None:
        arity = CONDITION_FUNCTIONS.get(call.name) or OPERAND_FUNCTIONS.get(call.name)
        if arity is None:
            if call.name in UPDATE_FUNCTIONS:
                message = "The function is not allowed in a condition expression"
            else:
                message = "Invalid function name"
            self.cursor.note("unknown_function", f"{message}; function: {call.name}")
            return
        for arg in call.args:
            if isinstance(arg, Call) and arg.name not in OPERAND_FUNCTIONS:
                self._misused(arg.name)
        if len(call.args) != arity:
            self.cursor.note(
                "operands",
                "Incorrect number of operands for operator or function; "
                f"operator or function: {call.name}, number of operands: {len(call.args)}",
            )
            return
        if len(call.args) == 2:
            self._check_distinct(call.name, *call.args)
        self._check_function_types(call)

    def _check_function_types(self, call: Call) -> None:
        name, args = call.name, call.args
        if name in ("attribute_exists", "attribute_not_exists") and not isinstance(args[0], Path):
            self.cursor.note(
                "function",
                f"Operator or function requires a document path; operator or function: {name}",
            )
        elif name == "begins_with":
            for arg in args:
                kind = _literal_type(arg)
                if kind is not None and kind not in ("S", "B"):
                    self._wrong_type(name, kind)
                    return
        elif name == "attribute_type":
            self._check_type_name(args[1])
        elif name == "size":
            kind = _literal_type(args[0])
            if kind in ("N", "BOOL", "NULL"):
                self._wrong_type(name, kind)

    def _check_type_name(self, arg: Operand) -> None:
        kind = _literal_type(arg)
        if kind != "S":
            self._wrong_type("attribute_type", kind or "{NS,SS,L,BS,N,M,B,BOOL,NULL,S}")
            return
        assert isinstance(arg, Value)
        if arg.value["S"] not in TYPES:
            self.cursor.note(
                "function",
                f"Invalid attribute type name found; type: {arg.value['S']}, "
                "valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
            )

    def _check_operands(self, *operands: Operand) -> None:
        for operand in operands:
            if isinstance(operand, Call) and operand.name not in OPERAND_FUNCTIONS:
                self._misused(operand.name)

    def _check_distinct(self, operator: str, left: Operand, right: Operand) -> None:
        if isinstance(left, Path) and left == right:
            self.cursor.note(
                "distinct",
                "The first operand must be distinct from the remaining operands for this "
                f"operator or function; operator: {operator}, first operand: {left.describe()}",
            )

    def _check_bounds(self, low: Mapping[str, Any], high: Mapping[str, Any]) -> None:
        low_type, high_type = type_of(low), type_of(high)
        bounds = (
            f"lower bound operand: AttributeValue: {{{low_type}:{_shown(low)}}}, "
            f"upper bound operand: AttributeValue: {{{high_type}:{_shown(high)}}}"
        )
        if low_type != high_type:
            self.cursor.note(
                "function",
                "The BETWEEN operator requires same data type for lower and upper bounds; "
                + bounds,
            )
        elif (compare(low, high) or 0) > 0:
            self.cursor.note(
                "function",
                "The BETWEEN operator requires upper bound to be greater than or equal to lower "
                "bound; " + bounds,
            )

    def _misused(self, name: str) -> None:
        self.cursor.note(
            "misused_function",
            f"The function is not allowed to be used this way in an expression; function: {name}",
        )

    def _wrong_type(self, name: str, kind: str) -> None:
        self.cursor.note(
            "function",
            "Incorrect operand type for operator or function; "
            f"operator or function: {name}, operand type: {kind}",
        )


def _literal_type(operand: Operand) -> str | None:
    """The type of an operand known before evaluation (a value, or size()'s N)."""
    if isinstance(operand, Value):
        return type_of(operand.value)
    if isinstance(operand, Call) and operand.name == "size":
        return "N"
    return None


def _shown(value: Mapping[str, Any]) -> str:
    content = value[type_of(value)]
    return content.decode(errors="replace") if isinstance(content, bytes) else str(content)
