"""What every expression parser shares: the token cursor, placeholders, paths, and the
semantic problems DynamoDB reports after a successful parse, in DynamoDB's order.

DynamoDB first rejects syntax errors; only a well-formed expression gets its semantic
errors (reserved words, undefined placeholders, function misuse ...), and when several are
present it reports one by a fixed priority, which each parser passes as `order`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

from lamina.aws.service import ServiceError
from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.expression.lexer import Token, invalid, syntax_error, tokenize
from lamina.services.dynamodb.expression.reserved import is_reserved
from lamina.services.dynamodb.expression.tree import Path, PathSegment, Value
from lamina.services.dynamodb.types import validate_value

T = TypeVar("T")


class Cursor:
    """A position in one expression's tokens, with the request's placeholders."""

    __slots__ = (
        "label",
        "names",
        "names_used",
        "position",
        "problems",
        "source",
        "tokens",
        "values",
        "values_used",
    )

    def __init__(
        self,
        source: str,
        label: str,
        names: Mapping[str, str] | None,
        values: Mapping[str, Any] | None,
    ) -> None:
        if source == "":
            raise invalid(label, "The expression can not be empty;")
        self.source = source
        self.label = label
        self.tokens = tokenize(source, label)
        self.position = 0
        self.names = names or {}
        self.values = values or {}
        self.names_used: set[str] = set()
        self.values_used: set[str] = set()
        self.problems: dict[str, str] = {}

    # -- tokens --------------------------------------------------------------------------

    def peek(self, ahead: int = 0) -> Token:
        return self.tokens[min(self.position + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.peek()
        self.position = min(self.position + 1, len(self.tokens) - 1)
        return token

    def at(self, text: str) -> bool:
        token = self.peek()
        return token.kind == "punct" and token.text == text

    def at_keyword(self, *words: str) -> bool:
        token = self.peek()
        return token.kind == "ident" and token.text.upper() in words

    def expect(self, text: str) -> Token:
        if not self.at(text):
            raise self.unexpected()
        return self.advance()

    def parse_list(self, item: Callable[[], T]) -> list[T]:
        """item ( "," item )*"""
        items = [item()]
        while self.at(","):
            self.advance()
            items.append(item())
        return items

    def parse_arguments(self, item: Callable[[], T]) -> list[T]:
        """The list in parentheses: "(" item ( "," item )* ")"."""
        self.expect("(")
        items = self.parse_list(item)
        self.expect(")")
        return items

    def unexpected(self) -> ServiceError:
        previous = self.tokens[self.position - 1] if self.position else None
        return syntax_error(self.source, self.label, self.peek(), previous)

    def finish(self) -> None:
        if self.peek().kind != "eof":
            raise self.unexpected()

    # -- semantic problems ---------------------------------------------------------------

    def note(self, category: str, message: str) -> None:
        """Remember the first problem of a category, to report once parsing succeeded."""
        self.problems.setdefault(category, message)

    def raise_problems(self, order: Sequence[str]) -> None:
        for category in order:
            if category in self.problems:
                raise invalid(self.label, self.problems[category])

    # -- paths and placeholders ------------------------------------------------------------

    def parse_path(self, keywords: frozenset[str]) -> Path:
        """name ( "." name | "[" digits "]" )*"""
        segments: list[PathSegment] = [self.parse_name(keywords)]
        while True:
            if self.at("."):
                self.advance()
                segments.append(self.parse_name(keywords))
            elif self.at("["):
                self.advance()
                if self.peek().kind != "int":
                    raise self.unexpected()
                segments.append(int(self.advance().text))
                self.expect("]")
            else:
                return Path(tuple(segments))

    def parse_name(self, keywords: frozenset[str]) -> str:
        token = self.peek()
        if token.kind == "name":
            self.advance()
            return self.resolve_name(token.text)
        if token.kind != "ident" or token.text.upper() in keywords:
            raise self.unexpected()
        self.advance()
        if is_reserved(token.text):
            self.note(
                "reserved", f"Attribute name is a reserved keyword; reserved keyword: {token.text}"
            )
        return token.text

    def resolve_name(self, placeholder: str) -> str:
        if placeholder not in self.names:
            self.note(
                "names",
                "An expression attribute name used in the document path is not defined; "
                f"attribute name: {placeholder}",
            )
            return placeholder
        self.names_used.add(placeholder)
        return self.names[placeholder]

    def parse_value(self) -> Value:
        token = self.advance()
        placeholder = token.text
        if placeholder not in self.values:
            self.note(
                "values",
                "An expression attribute value used in expression is not defined; "
                f"attribute value: {placeholder}",
            )
            return Value(placeholder, {"NULL": True})
        self.values_used.add(placeholder)
        return Value(placeholder, _checked_value(placeholder, self.values[placeholder]))


def _checked_value(placeholder: str, value: object) -> dict[str, Any]:
    try:
        return validate_value(value)
    except ServiceError as error:
        raise validation(
            f"ExpressionAttributeValues contains invalid value: {error.message} for key "
            f"{placeholder}"
        ) from None
