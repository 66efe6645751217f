"""Space-delimited filter patterns: `[ip, user, ..., status_code = 4*, bytes > 1000]`.

A message splits on whitespace; text in double quotes or square brackets is one field
(without its delimiters). Each pattern entry names one field, `...` stands for any number
of fields, and without `...` the counts must be equal. Conditions may use `&&` / `||`
and name any field of the pattern.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from lamina.services.logs.condition import (
    MISSING,
    Condition,
    PatternError,
    comparison,
    parse_condition,
    tokens,
)

_ELLIPSIS = "..."
_FIELD = re.compile(r'"([^"]*)"|\[([^\]]*)\]|(\S+)')
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def split_fields(message: str) -> list[str]:
    return [next(g for g in match.groups() if g is not None) for match in _FIELD.finditer(message)]


def space_delimited(text: str) -> Callable[[str], bool]:
    if not text.endswith("]"):
        raise PatternError("A space-delimited filter pattern must end with ']'")
    names: list[str] = []
    conditions: list[Condition] = []
    for entry in _entries(text[1:-1]):
        if entry == _ELLIPSIS:
            names.append(_ELLIPSIS)
            continue
        first = tokens(entry)[0] if entry else ""
        if not _NAME.fullmatch(first):
            raise PatternError(f"Invalid field name '{first}'")
        names.append(first)
        if entry != first:
            conditions.append(parse_condition(entry, lambda p: comparison(p, typed=False)))

    def matches(message: str) -> bool:
        return any(
            all(condition(binding.lookup) for condition in conditions)
            for binding in _bindings(names, split_fields(message))
        )

    return matches


class _Binding(dict[str, str]):
    """Field name -> the message's field it covers."""

    def lookup(self, name: str) -> object:
        return self.get(name, MISSING)


def _entries(body: str) -> list[str]:
    """The comma-separated entries, commas inside quotes not counting."""
    entries: list[str] = []
    current: list[str] = []
    quoted = False
    for char in body:
        if char == '"':
            quoted = not quoted
        if char == "," and not quoted:
            entries.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    entries.append("".join(current).strip())
    if any(not entry for entry in entries):
        raise PatternError("Empty field in space-delimited filter pattern")
    return entries


def _bindings(names: Sequence[str], fields: Sequence[str]) -> list[_Binding]:
    """Every way the pattern's entries cover the fields (ellipses absorb 0..n fields)."""
    if not names:
        return [_Binding()] if not fields else []
    head, rest = names[0], names[1:]
    if head == _ELLIPSIS:
        found: list[_Binding] = []
        for skip in range(len(fields) + 1):
            found.extend(_bindings(rest, fields[skip:]))
        return found
    if not fields:
        return []
    return [_Binding({head: fields[0], **tail}) for tail in _bindings(rest, fields[1:])]
