"""Conditions shared by JSON and space-delimited filter patterns: the lexer, `&&` / `||`
with parentheses, and the comparisons (`=`, `!=` with `*` wildcards and `%regex%`, numeric
`<`, `>`, `<=`, `>=`; for JSON also `IS NULL`, `IS TRUE`, `IS FALSE`, `NOT EXISTS`).

https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from lamina.core.error import LaminaError

MISSING: Any = object()
"""What a selector or field name yields when the event has no such value."""

Lookup = Callable[[str], Any]
"""Selector or field name -> its value in one event (MISSING when absent)."""
Condition = Callable[[Lookup], bool]


class PatternError(LaminaError):
    """The filter pattern is not valid syntax."""


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<str>"(?:[^"\\]|\\.)*")
    | (?P<regex>%(?:[^%\\]|\\.)*%)
    | (?P<op>&&|\|\||!=|<=|>=|=|<|>|\(|\))
    | (?P<word>[^\s()=!<>&|"]+)
    )""",
    re.VERBOSE,
)


def tokens(text: str) -> list[str]:
    """The tokens of a condition: quoted strings keep their quotes, `%regex%` its percents."""
    found: list[str] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise PatternError(f"Invalid character(s) in term '{text[position:]}'")
        found.append(match.group(match.lastgroup or "word"))
        position = match.end()
    return found


class _Parser:
    """Recursive descent over `tokens`: or := and ('||' and)*; and := atom ('&&' atom)*;
    atom := '(' or ')' | comparison."""

    def __init__(self, items: list[str], comparison: Callable[[_Parser], Condition]) -> None:
        self.items = items
        self.position = 0
        self._comparison = comparison

    def peek(self) -> str | None:
        return self.items[self.position] if self.position < len(self.items) else None

    def take(self) -> str:
        token = self.peek()
        if token is None:
            raise PatternError("Unexpected end of filter pattern")
        self.position += 1
        return token

    def expect(self, wanted: str) -> None:
        token = self.take()
        if token.upper() != wanted:
            raise PatternError(f"Expected '{wanted}' but found '{token}'")

    def parse(self) -> Condition:
        condition = self.either()
        if self.peek() is not None:
            raise PatternError(f"Unexpected '{self.peek()}' in filter pattern")
        return condition

    def either(self) -> Condition:
        parts = [self.both()]
        while self.peek() == "||":
            self.take()
            parts.append(self.both())
        return parts[0] if len(parts) == 1 else (lambda look: any(p(look) for p in parts))

    def both(self) -> Condition:
        parts = [self.atom()]
        while self.peek() == "&&":
            self.take()
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else (lambda look: all(p(look) for p in parts))

    def atom(self) -> Condition:
        if self.peek() == "(":
            self.take()
            inner = self.either()
            self.expect(")")
            return inner
        return self._comparison(self)


def parse_condition(text: str, comparison: Callable[[_Parser], Condition]) -> Condition:
    return _Parser(tokens(text), comparison).parse()


def comparison(parser: _Parser, *, typed: bool) -> Condition:
    """`name op value`. `typed`: JSON values (numbers compare only with numbers, and the
    IS / NOT EXISTS forms); otherwise the space-delimited fields' text."""
    name = parser.take()
    if name in {"&&", "||", "(", ")", "=", "!="} or (typed and not _SELECTOR.fullmatch(name)):
        raise PatternError(f"Expected a selector but found '{name}'")
    operator = parser.take()
    if typed and operator.upper() == "IS":
        return _is(name, parser.take().upper())
    if typed and operator.upper() == "NOT":
        parser.expect("EXISTS")
        return lambda look: look(name) is MISSING
    if operator not in _OPERATORS:
        raise PatternError(f"Invalid operator '{operator}'")
    test = value_test(operator, parser.take(), typed=typed)
    return lambda look: test(look(name))


def _is(name: str, what: str) -> Condition:
    expected: Mapping[str, Any] = {"NULL": None, "TRUE": True, "FALSE": False}
    if what not in expected:
        raise PatternError(f"Expected NULL, TRUE or FALSE after IS, found '{what}'")
    wanted = expected[what]
    return lambda look: look(name) is wanted


_SELECTOR = re.compile(r"\$(?:\.[^.\[\]]+|\[\d+\])*")
_OPERATORS = {"=", "!=", "<", ">", "<=", ">="}
_NUMERIC: Mapping[str, Callable[[float, float], bool]] = {
    "=": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    ">": lambda a, b: a > b,
    "<=": lambda a, b: a <= b,
    ">=": lambda a, b: a >= b,
}


def value_test(operator: str, literal: str, *, typed: bool) -> Callable[[Any], bool]:
    """What `value operator literal` means for one event's value."""
    number = _number(literal)
    if number is not None and not literal.startswith('"'):
        compare = _NUMERIC[operator]
        return lambda value: (v := _numeric_value(value, typed)) is not None and compare(v, number)
    if operator not in {"=", "!="}:
        raise PatternError(f"Operator '{operator}' needs a numeric value, found '{literal}'")
    matches = _text_matcher(literal)
    if operator == "=":
        return lambda value: isinstance(value, str) and matches(value)
    return lambda value: isinstance(value, str) and not matches(value)


def _number(literal: str) -> float | None:
    try:
        return float(literal)
    except ValueError:
        return None


def _numeric_value(value: Any, typed: bool) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if not typed and isinstance(value, str):
        return _number(value)
    return None


def _text_matcher(literal: str) -> Callable[[str], bool]:
    """`"exact"`, a word with `*` wildcards, or `%regex%` (matched anywhere in the value)."""
    if len(literal) >= 2 and literal[0] == literal[-1] == "%":
        try:
            regex = re.compile(literal[1:-1])
        except re.error as error:
            raise PatternError(f"Invalid regular expression {literal}: {error}") from None
        return lambda value: regex.search(value) is not None
    if len(literal) >= 2 and literal[0] == literal[-1] == '"':
        literal = literal[1:-1].replace('\\"', '"')
    pattern = re.compile(".*".join(re.escape(part) for part in literal.split("*")), re.DOTALL)
    return lambda value: pattern.fullmatch(value) is not None
