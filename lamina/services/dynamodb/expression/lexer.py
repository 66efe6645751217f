"""The tokenizer shared by every expression kind.

Tokens: bare names ([A-Za-z_][A-Za-z0-9_]*, which also spell keywords and function names),
#name and :value placeholders, list indexes (digits), and the punctuation
`( ) [ ] , . = <> < <= > >= + -`. Anything else is a syntax error naming that character,
as DynamoDB's "Syntax error; token: ..." does.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Expressions.html
"""

from __future__ import annotations

import re

import msgspec

from lamina.aws.service import ServiceError
from lamina.services.dynamodb.error import validation


class Token(msgspec.Struct, frozen=True):
    kind: str
    """"ident", "name" (#x), "value" (:x), "int", "punct" or "eof"."""
    text: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.text)


_PATTERN = re.compile(
    r"(?P<space>\s+)"
    r"|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<name>#[A-Za-z0-9_]+)"
    r"|(?P<value>:[A-Za-z0-9_]+)"
    r"|(?P<int>[0-9]+)"
    r"|(?P<punct><>|<=|>=|[()\[\],.=<>+-])"
)


def tokenize(source: str, label: str) -> list[Token]:
    """The tokens of `source`, ending with an "eof" token."""
    tokens: list[Token] = []
    position = 0
    while position < len(source):
        match = _PATTERN.match(source, position)
        if match is None:
            bad = Token("punct", source[position], position)
            raise syntax_error(source, label, bad, tokens[-1] if tokens else None)
        kind = match.lastgroup or "space"
        if kind != "space":
            tokens.append(Token(kind, match.group(), position))
        position = match.end()
    tokens.append(Token("eof", "", len(source)))
    return tokens


def syntax_error(source: str, label: str, token: Token, previous: Token | None) -> ServiceError:
    """DynamoDB's syntax error: the offending token and the text from the token before it.

    e.g. 'Invalid UpdateExpression: Syntax error; token: "1", near: "VALUE 1"'.
    """
    shown = "<EOF>" if token.kind == "eof" else token.text
    start = previous.start if previous is not None else token.start
    near = source[start : max(token.end, previous.end if previous else 0)].strip()
    return invalid(label, f'Syntax error; token: "{shown}", near: "{near}"')


def invalid(label: str, message: str) -> ServiceError:
    return validation(f"Invalid {label}: {message}")
