"""`$util`: the functions API Gateway gives mapping templates.
https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-mapping-template-reference.html#util-template-reference

"Unless otherwise specified, the default character set is UTF-8." Each function does what
the Java function behind it does: Apache Commons Lang's `StringEscapeUtils.escapeJavaScript`,
`java.net.URLEncoder` / `URLDecoder` (application/x-www-form-urlencoded), `java.util.Base64`.
A Java exception (malformed JSON, a bad escape, bad base64) fails the template: the gateway
answers 500.
"""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any
from urllib.parse import quote_plus, unquote_to_bytes

import orjson

from lamina.gateway.mapping.java import from_json, render
from lamina.gateway.mapping.velocity import MappingError

_SHORT_ESCAPES = {
    "\b": "\\b",
    "\n": "\\n",
    "\t": "\\t",
    "\f": "\\f",
    "\r": "\\r",
    "'": "\\'",
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
}
_NEEDS_ESCAPE = re.compile(r"[\x00-\x1f'\"\\/\x80-\U0010ffff]")
_MALFORMED_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    short = _SHORT_ESCAPES.get(char)
    if short is not None:
        return short
    data = char.encode("utf-16-be")
    return "".join(
        f"\\u{int.from_bytes(data[i : i + 2], 'big'):04X}" for i in range(0, len(data), 2)
    )


_CONTROL = re.compile(r"[\x00-\x1f]")


def escape_javascript(text: str) -> str:
    """Commons Lang `escapeJavaScript`: quotes (both), backslash and `/` get a backslash,
    control characters their short escape or `\\u00XX`, and every character above 0x7f
    `\\uXXXX` (uppercase hex, per UTF-16 code unit, so an emoji is two escapes)."""
    if text.isascii() and _CONTROL.search(text) is None:  # the common case, without a callback
        return (
            text.replace("\\", "\\\\").replace('"', '\\"').replace("'", "\\'").replace("/", "\\/")
        )
    return _NEEDS_ESCAPE.sub(_escape, text)


def url_encode(text: str) -> str:
    """`URLEncoder.encode(s, "UTF-8")`: letters, digits and `.-*_` stay, a space is `+`,
    everything else is `%XX` of its UTF-8 bytes (so `~` is `%7E`)."""
    return quote_plus(text, safe="*").replace("~", "%7E")


def url_decode(text: str) -> str:
    """`URLDecoder.decode(s, "UTF-8")`: `+` is a space, `%XX` a byte; a `%` without two hex
    digits is an error (IllegalArgumentException)."""
    if _MALFORMED_PERCENT.search(text):
        raise MappingError(f"URLDecoder: illegal hex characters in escape (%) pattern: {text!r}")
    return unquote_to_bytes(text.replace("+", " ")).decode("utf-8", errors="replace")


def base64_encode(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def base64_decode(text: str) -> str:
    """`Base64.getDecoder().decode`: padding may be left out; other characters are an error.
    The bytes are read as UTF-8 (malformed sequences become U+FFFD, as `new String` does)."""
    stripped = text.rstrip("=")
    padded = stripped + "=" * (-len(stripped) % 4)
    try:
        data = base64.b64decode(padded, validate=True)
    except binascii.Error as error:
        raise MappingError(f"base64Decode: {error}") from None
    return data.decode("utf-8", errors="replace")


def parse_json(text: str) -> Any:
    try:
        return from_json(orjson.loads(text))
    except orjson.JSONDecodeError as error:
        raise MappingError(f"parseJson: {error}") from None


def _text(value: object) -> str:
    if value is None:
        raise MappingError("$util function called with null")
    return value if isinstance(value, str) else render(value)


class Util:
    """The `$util` object. Method names are API Gateway's."""

    __slots__ = ()

    def escapeJavaScript(self, value: object) -> str | None:
        return None if value is None else escape_javascript(_text(value))

    def parseJson(self, value: object) -> Any:
        return parse_json(_text(value))

    def urlEncode(self, value: object) -> str:
        return url_encode(_text(value))

    def urlDecode(self, value: object) -> str:
        return url_decode(_text(value))

    def base64Encode(self, value: object) -> str:
        return base64_encode(_text(value))

    def base64Decode(self, value: object) -> str:
        return base64_decode(_text(value))


UTIL = Util()
