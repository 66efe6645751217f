"""A verified token's claims as API Gateway hands them to the integration: every value a
string, rendered differently by the two kinds of API (docs/fidelity/gateway.md, "JWT and
Cognito authorizers", lists the captures these follow).

- HTTP APIs (`requestContext.authorizer.jwt.claims`): numbers and booleans as their JSON
  text, arrays as `[a b c]` (space-separated in brackets), null claims left out.
- REST APIs, Cognito user pool authorizers (`requestContext.authorizer.claims`): `exp`,
  `iat` (and `nbf`) as dates, `Wed Nov 06 07:36:54 UTC 2019`; other numbers and booleans as
  text (`auth_time` stays `"1573022214"`); arrays joined with commas (`cognito:groups` of one
  group is just its name).
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import orjson

# Java's Date.toString() in UTC: names are English whatever the process locale.
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DATE_CLAIMS = frozenset({"exp", "iat", "nbf"})


def http_claims(claims: dict[str, Any]) -> dict[str, str]:
    return {name: _http_text(value) for name, value in claims.items() if value is not None}


def rest_claims(claims: dict[str, Any]) -> dict[str, str]:
    rendered = {}
    for name, value in claims.items():
        if value is None:
            continue
        if name in _DATE_CLAIMS and _is_number(value):
            rendered[name] = java_date(value)
        else:
            rendered[name] = _rest_text(value)
    return rendered


def java_date(seconds: float) -> str:
    """`EEE MMM dd HH:mm:ss zzz yyyy`, the zone always UTC."""
    t = time.gmtime(seconds)
    return (
        f"{_DAYS[t.tm_wday]} {_MONTHS[t.tm_mon - 1]} {t.tm_mday:02d} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} UTC {t.tm_year}"
    )


def _http_text(value: Any) -> str:
    if isinstance(value, list):
        return "[" + " ".join("<nil>" if item is None else _http_text(item) for item in value) + "]"
    return _scalar_text(value)


def _rest_text(value: Any) -> str:
    if isinstance(value, list):
        return ",".join(_rest_text(item) for item in value if item is not None)
    return _scalar_text(value)


def _scalar_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return repr(value)
    return orjson.dumps(value).decode()


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


class JsonClaims(dict[str, Any]):
    """REST JWT authorizers' claims: a Lambda proxy integration "receives each claim with its
    JSON type", while mapping templates, parameter mappings and access logs read each as
    JSON text (`json_text`). The type tells the mapping context which rendering to use.
    https://docs.aws.amazon.com/apigateway/latest/developerguide/rest-api-jwt-authorizer-claims.html
    """

    __slots__ = ()


# A \uxxxx escape that is not itself an escaped backslash followed by "u".
_ESCAPE = re.compile(r"(?<!\\)((?:\\\\)*)\\u([0-9a-f]{4})")


def json_text(value: Any) -> str:
    """A claim as JSON text: compact, strings quoted ("42" stays distinct from 42), and
    "each non-ASCII character as a Unicode escape sequence. For example, é becomes
    \\u00E9" (upper-case hex, as the page writes it)."""
    text = json.dumps(value, ensure_ascii=True, separators=(",", ":"))
    return _ESCAPE.sub(lambda m: f"{m.group(1)}\\u{m.group(2).upper()}", text)
