"""CloudWatch Logs filter patterns: compile once, then test messages.

Three forms, as AWS defines them
(https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/FilterAndPatternSyntax.html):
- terms in unstructured messages: `ERROR`, `"quoted phrase"`, `%regex%` (all must appear),
  `?ERROR ?WARN` (any of them), `-term` (must not appear); case-sensitive; empty = all;
- JSON: `{ $.level = "ERROR" }`, `{ $.latency > 100 }`, `{ ($.a = 1) && ($.b IS TRUE) }`;
- space-delimited: `[ip, user, ..., status_code = 4*, bytes > 1000]`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import orjson

from lamina.services.logs.condition import (
    MISSING,
    Condition,
    PatternError,
    comparison,
    parse_condition,
)
from lamina.services.logs.fields import space_delimited

Matcher = Callable[[str], bool]

__all__ = ["Matcher", "PatternError", "compile_pattern"]


def compile_pattern(text: str | None) -> Matcher:
    """A predicate over messages; raises PatternError for invalid syntax."""
    stripped = (text or "").strip()
    if not stripped:
        return lambda message: True
    if stripped.startswith("{"):
        return _json_pattern(stripped)
    if stripped.startswith("["):
        return space_delimited(stripped)
    return _terms(stripped)


_TERM = re.compile(
    r'\s*(?P<sign>[?-]?)(?:"(?P<quoted>(?:[^"\\]|\\.)*)"|(?P<regex>%[^%]+%)|(?P<word>\S+))'
)


def _terms(text: str) -> Matcher:
    required: list[Matcher] = []
    optional: list[Matcher] = []
    excluded: list[Matcher] = []
    position = 0
    while position < len(text.rstrip()):
        match = _TERM.match(text, position)
        if match is None:
            raise PatternError(f"Invalid character(s) in term '{text[position:]}'")
        position = match.end()
        found = _term_matcher(match)
        {"": required, "?": optional, "-": excluded}[match.group("sign")].append(found)

    def matches(message: str) -> bool:
        if not all(term(message) for term in required):
            return False
        if optional and not any(term(message) for term in optional):
            return False
        return not any(term(message) for term in excluded)

    return matches


def _term_matcher(match: re.Match[str]) -> Matcher:
    if match.group("regex") is not None:
        try:
            regex = re.compile(match.group("regex")[1:-1])
        except re.error as error:
            raise PatternError(f"Invalid regular expression: {error}") from None
        return lambda message: regex.search(message) is not None
    quoted = match.group("quoted")
    term = quoted.replace('\\"', '"') if quoted is not None else match.group("word")
    if quoted is None and not term.replace("_", "").replace(".", "").isalnum():
        # Terms with characters other than letters and digits must be quoted.
        raise PatternError(f"Invalid character(s) in term '{term}'")
    return lambda message: term in message


def _json_pattern(text: str) -> Matcher:
    if not text.endswith("}"):
        raise PatternError("A JSON filter pattern must end with '}'")
    condition: Condition = parse_condition(
        text[1:-1], lambda parser: comparison(parser, typed=True)
    )

    def matches(message: str) -> bool:
        try:
            document = orjson.loads(message)
        except orjson.JSONDecodeError:
            return False
        if not isinstance(document, dict | list):
            return False
        return condition(lambda selector: select(document, selector))

    return matches


_STEP = re.compile(r"\.(?P<key>[^.\[\]]+)|\[(?P<index>\d+)\]")


def select(document: Any, selector: str) -> Any:
    """The value `$.a.b[0].c` names in `document`, MISSING when there is none."""
    if not selector.startswith("$"):
        raise PatternError(f"A JSON selector starts with '$': '{selector}'")
    value = document
    position = 1
    while position < len(selector):
        step = _STEP.match(selector, position)
        if step is None:
            raise PatternError(f"Invalid selector '{selector}'")
        position = step.end()
        if step.group("key") is not None:
            if not isinstance(value, dict) or step.group("key") not in value:
                return MISSING
            value = value[step.group("key")]
        else:
            index = int(step.group("index"))
            if not isinstance(value, list) or index >= len(value):
                return MISSING
            value = value[index]
    return value
