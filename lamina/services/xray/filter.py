"""GetTraceSummaries' FilterExpression, the common part of X-Ray's filter language:
keywords compared with a value, `service("name")` / `id(name: "x")`, `annotation.key`,
joined with AND / OR (AND first) and negated with `!`; parentheses are not supported.
https://docs.aws.amazon.com/xray/latest/devguide/xray-console-filters.html

A filter outside that subset answers InvalidRequestException naming it, never a silent
match-all.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from typing import Any

from lamina.aws.service import ServiceError

Summary = dict[str, Any]
Predicate = Callable[[Summary], bool]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "CONTAINS": lambda have, want: isinstance(have, str) and want in have,
    "BEGINSWITH": lambda have, want: isinstance(have, str) and have.startswith(want),
    "ENDSWITH": lambda have, want: isinstance(have, str) and have.endswith(want),
}
_TERM = re.compile(
    r"(?P<key>[A-Za-z_][\w.]*)\s*"
    r"(?P<op>!=|<=|>=|=|<|>|CONTAINS|BEGINSWITH|ENDSWITH)\s*"
    r"(?P<value>\"(?:[^\"\\]|\\.)*\"|-?\d+(?:\.\d+)?|true|false)",
    re.IGNORECASE,
)
_SERVICE = re.compile(r"(?:service|id)\(\s*(?:name:\s*)?\"(?P<name>[^\"]*)\"\s*\)")
_FLAGS = {"ok", "error", "fault", "throttle", "partial"}
_SPLIT = re.compile(r"\s+(AND|OR)\s+|\s*(&&|\|\|)\s*")
_QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')


def compile_filter(expression: str | None) -> Predicate:
    """A predicate over a TraceSummary (with its segments' service names under
    `_services`); an empty expression matches every trace."""
    if not expression or not expression.strip():
        return lambda summary: True
    groups: list[list[Predicate]] = [[]]
    for term, joiner in _terms(expression.strip()):
        groups[-1].append(_term(term.strip(), expression))
        if joiner in ("OR", "||"):
            groups.append([])
    return lambda summary: any(all(test(summary) for test in group) for group in groups)


def _terms(expression: str) -> list[tuple[str, str | None]]:
    """The expression's terms, each with the AND / OR after it (None for the last); a
    connective inside a quoted value (`http.url CONTAINS "a AND b"`) is part of the value."""
    quoted = [match.span() for match in _QUOTED.finditer(expression)]
    terms: list[tuple[str, str | None]] = []
    start = 0
    for match in _SPLIT.finditer(expression):
        if any(begin <= match.start() < end for begin, end in quoted):
            continue
        joiner = (match.group(1) or match.group(2)).upper()
        terms.append((expression[start : match.start()], joiner))
        start = match.end()
    terms.append((expression[start:], None))
    return terms


def _term(text: str, expression: str) -> Predicate:
    negate = text.startswith("!")
    if negate:
        text = text[1:].strip()
    test = _positive(text, expression)
    return (lambda summary: not test(summary)) if negate else test


def _positive(text: str, expression: str) -> Predicate:
    if text.lower() in _FLAGS:
        flag = text.lower()
        return lambda summary: _flag(summary, flag)
    service = _SERVICE.fullmatch(text)
    if service is not None:
        name = service.group("name")
        return lambda summary: name in summary.get("_services", ())
    term = _TERM.fullmatch(text)
    if term is None:
        raise _unsupported(text, expression)
    key, op = term.group("key").lower(), term.group("op").upper()
    value = _value(term.group("value"))
    read = _reader(key, text, expression)
    compare = _COMPARE[op]

    def test(summary: Summary) -> bool:
        have = read(summary)
        try:
            return have is not None and compare(have, value)
        except TypeError:
            return False

    return test


def _flag(summary: Summary, flag: str) -> bool:
    if flag == "ok":
        return not (summary["HasFault"] or summary["HasError"] or summary["HasThrottle"])
    if flag == "partial":
        return bool(summary["IsPartial"])
    return bool(summary[f"Has{flag.capitalize()}"])


def _value(text: str) -> Any:
    if text.startswith('"'):
        return text[1:-1].replace('\\"', '"')
    if text.lower() in ("true", "false"):
        return text.lower() == "true"
    return float(text) if "." in text else int(text)


_HTTP = {
    "http.status": "HttpStatus",
    "http.url": "HttpURL",
    "http.method": "HttpMethod",
    "http.useragent": "UserAgent",
    "http.clientip": "ClientIp",
}


def _reader(key: str, text: str, expression: str) -> Callable[[Summary], Any]:
    if key in ("duration", "responsetime"):
        field = "Duration" if key == "duration" else "ResponseTime"
        return lambda summary: summary.get(field)
    if key in _HTTP:
        field = _HTTP[key]
        return lambda summary: summary.get("Http", {}).get(field)
    if key.startswith("annotation."):
        name = key.split(".", 1)[1]
        return lambda summary: _annotation(summary, name)
    raise _unsupported(text, expression)


def _annotation(summary: Summary, name: str) -> Any:
    for found_name, values in summary.get("Annotations", {}).items():
        if found_name.lower() == name and values:
            typed = values[0]["AnnotationValue"]
            return next(iter(typed.values()))
    return None


def _unsupported(text: str, expression: str) -> ServiceError:
    return ServiceError(
        "InvalidRequestException",
        f"Lamina does not support the filter expression term {text!r} in {expression!r} "
        '(supported: ok, error, fault, throttle, partial, service("name"), duration, '
        "responsetime, http.status / url / method / useragent / clientip, "
        "annotation.<key>; AND, OR, !)",
    )
