"""IAM's condition operators and wildcard patterns: how one value from a request is
compared with one value from a policy.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_resource.html#reference_policies_elements_resource_wildcards
"""

from __future__ import annotations

import functools
import ipaddress
import re
from datetime import UTC, datetime
from typing import Any


def like(actual: str, pattern: str, *, case_sensitive: bool = True) -> bool:
    """IAM wildcards: `*` any run of characters (slashes included), `?` one character."""
    if case_sensitive:
        return _compiled(pattern).fullmatch(actual) is not None
    return _compiled_nocase(pattern).fullmatch(actual) is not None


def _arn_like(actual: str, pattern: str) -> bool:
    """ArnEquals and ArnLike: "each of the six colon-delimited components of the ARN is
    checked separately and each can include multi-character match wildcards (*) or
    single-character match wildcards (?)"; a value that is no ARN does not match.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN"""
    wanted = pattern.split(":", 5)
    if len(wanted) < 6:
        return like(actual, pattern)  # "*" and other patterns that are no ARN
    parts = actual.split(":", 5)
    if len(parts) < 6:
        return False
    return all(like(part, want) for part, want in zip(parts, wanted, strict=True))


def _ip_in(actual: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(actual) in _network(cidr)
    except ValueError:
        return False


@functools.lru_cache(maxsize=1024)
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    # Resource policies test aws:SourceIp on every request: parse each CIDR once (parsing
    # cost more than the rest of the evaluation).
    return ipaddress.ip_network(cidr, strict=False)


def _numeric(op: str) -> Any:
    def test(actual: str, expected: str) -> bool:
        try:
            a, e = float(actual), float(expected)
        except ValueError:
            return False
        return bool({"lt": a < e, "le": a <= e, "gt": a > e, "ge": a >= e, "eq": a == e}[op])

    return test


def _date(op: str) -> Any:
    def test(actual: str, expected: str) -> bool:
        a, e = _parse_time(actual), _parse_time(expected)
        if a is None or e is None:
            return False
        return bool({"lt": a < e, "le": a <= e, "gt": a > e, "ge": a >= e, "eq": a == e}[op])

    return test


def _parse_time(text: str) -> datetime | None:
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text), UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


OPERATORS: dict[str, Any] = {
    "StringEquals": lambda a, e: a == e,
    "StringEqualsIgnoreCase": lambda a, e: a.lower() == e.lower(),
    "StringLike": lambda a, e: like(a, e),
    "ArnEquals": lambda a, e: _arn_like(a, e),
    "ArnLike": lambda a, e: _arn_like(a, e),
    "IpAddress": _ip_in,
    "NumericEquals": _numeric("eq"),
    "NumericLessThan": _numeric("lt"),
    "NumericLessThanEquals": _numeric("le"),
    "NumericGreaterThan": _numeric("gt"),
    "NumericGreaterThanEquals": _numeric("ge"),
    "DateEquals": _date("eq"),
    "DateLessThan": _date("lt"),
    "DateLessThanEquals": _date("le"),
    "DateGreaterThan": _date("gt"),
    "DateGreaterThanEquals": _date("ge"),
    "Bool": lambda a, e: a.lower() == e.lower(),
    "BinaryEquals": lambda a, e: a == e,
}
NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NotIpAddress": "IpAddress",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
}
OPERATORS.update({name: OPERATORS[base] for name, base in NEGATED.items()})


def translate(pattern: str) -> str:
    """Only `*` and `?` are special in IAM patterns (no [ranges] as in shell globs)."""
    return "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    # Policies are matched on every request: translate each pattern once.
    return re.compile(translate(pattern), re.DOTALL)


@functools.lru_cache(maxsize=4096)
def _compiled_nocase(pattern: str) -> re.Pattern[str]:
    return re.compile(translate(pattern), re.DOTALL | re.IGNORECASE)
