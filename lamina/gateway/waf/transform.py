"""AWS WAF's text transformations, applied to a request component before it is inspected.

Each works on bytes (AWS matches bytes 0x00-0xFF; its LOWERCASE touches only A-Z), and a
statement applies its transformations from the lowest priority to the highest.
https://docs.aws.amazon.com/waf/latest/developerguide/waf-rule-statement-transformation.html
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import re
from collections.abc import Callable, Sequence
from urllib.parse import unquote_to_bytes

from lamina.gateway.waf.model import TextTransformation

Transform = Callable[[bytes], bytes]

# COMPRESS_WHITE_SPACE: \f \t \n \r \v and the non-breaking space (160) become a space,
# then runs of spaces become one.
_WHITE = re.compile(rb"[\f\t\n\r\v\xa0 ]+")
_SPACES = re.compile(rb" {2,}")
# CMD_LINE: delete \ " ' ^, delete spaces before / and (, turn , and ; into a space,
# compress spaces, lowercase.
_CMD_DELETE = re.compile(rb"[\\\"'^]")
_CMD_SPACE_BEFORE = re.compile(rb" +(?=[/(])")
_CMD_SEPARATORS = re.compile(rb"[,;]")
_UNI_ESCAPE = re.compile(rb"%u([0-9a-fA-F]{4})")
_COMMENT = re.compile(rb"/\*.*?(?:\*/|$)", re.DOTALL)
_SQL_HEX = re.compile(rb"0x((?:[0-9a-fA-F]{2})+)")
_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")
_ESCAPE_SEQ = re.compile(
    rb"\\(?:x([0-9a-fA-F]{2})|([0-7]{1,3})|u([0-9a-fA-F]{4})|([abfnrtv\\'\"?]))"
)
_SIMPLE_ESCAPES = {
    b"a": b"\a", b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t",
    b"v": b"\v", b"\\": b"\\", b"'": b"'", b'"': b'"', b"?": b"?",
}  # fmt: skip


def _compress_white_space(value: bytes) -> bytes:
    return _WHITE.sub(b" ", value)


def _cmd_line(value: bytes) -> bytes:
    value = _CMD_DELETE.sub(b"", value)
    value = _CMD_SEPARATORS.sub(b" ", value)
    value = _WHITE.sub(b" ", value)
    value = _CMD_SPACE_BEFORE.sub(b"", value)
    return _SPACES.sub(b" ", value).lower()


def _html_entity_decode(value: bytes) -> bytes:
    text = value.decode("utf-8", "surrogateescape")
    return html.unescape(text).encode("utf-8", "surrogateescape")


def _url_decode(value: bytes) -> bytes:
    # Form encoding: + is a space too.
    return unquote_to_bytes(value.replace(b"+", b" "))


def _url_decode_uni(value: bytes) -> bytes:
    """URL_DECODE plus Microsoft's %uHHHH escapes."""
    value = _UNI_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)).encode("utf-8"), value)
    return _url_decode(value)


def _base64_decode(value: bytes) -> bytes:
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return value


def _base64_decode_ext(value: bytes) -> bytes:
    """The forgiving decoder: characters outside the alphabet are skipped."""
    cleaned = _NOT_BASE64.sub(b"", value)
    cleaned += b"=" * (-len(cleaned) % 4)
    try:
        return base64.b64decode(cleaned)
    except (binascii.Error, ValueError):
        return value


def _hex_decode(value: bytes) -> bytes:
    try:
        return bytes.fromhex(value.decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        return value


def _sql_hex_decode(value: bytes) -> bytes:
    return _SQL_HEX.sub(lambda m: bytes.fromhex(m.group(1).decode("ascii")), value)


def _escape_seq_decode(value: bytes) -> bytes:
    def one(m: re.Match[bytes]) -> bytes:
        hex_, octal, uni, simple = m.groups()
        if hex_:
            return bytes([int(hex_, 16)])
        if octal:
            return bytes([int(octal, 8) & 0xFF])
        if uni:
            return chr(int(uni, 16)).encode("utf-8")
        return _SIMPLE_ESCAPES[simple]

    return _ESCAPE_SEQ.sub(one, value)


def _normalize_path(value: bytes) -> bytes:
    """Collapse //, drop /./ and resolve /../ (never above the root)."""
    absolute = value.startswith(b"/")
    parts: list[bytes] = []
    for part in value.split(b"/"):
        if part in (b"", b"."):
            continue
        if part == b"..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    path = b"/".join(parts)
    if absolute:
        path = b"/" + path
    if value.endswith(b"/") and path and not path.endswith(b"/"):
        path += b"/"
    return path


_TRANSFORMS: dict[str, Transform] = {
    "NONE": lambda value: value,
    "LOWERCASE": bytes.lower,
    "UPPERCASE": bytes.upper,
    "COMPRESS_WHITE_SPACE": _compress_white_space,
    "REMOVE_WHITESPACE": lambda value: re.sub(rb"[\f\t\n\r\v\xa0 ]", b"", value),
    "TRIM": lambda value: value.strip(b" \f\t\n\r\v"),
    "TRIM_LEFT": lambda value: value.lstrip(b" \f\t\n\r\v"),
    "TRIM_RIGHT": lambda value: value.rstrip(b" \f\t\n\r\v"),
    "CMD_LINE": _cmd_line,
    "HTML_ENTITY_DECODE": _html_entity_decode,
    "URL_DECODE": _url_decode,
    "URL_DECODE_UNI": _url_decode_uni,
    "BASE64_DECODE": _base64_decode,
    "BASE64_DECODE_EXT": _base64_decode_ext,
    "HEX_DECODE": _hex_decode,
    "SQL_HEX_DECODE": _sql_hex_decode,
    "ESCAPE_SEQ_DECODE": _escape_seq_decode,
    "MD5": lambda value: hashlib.md5(value, usedforsecurity=False).digest(),
    "SHA256": lambda value: hashlib.sha256(value).digest(),
    "REPLACE_COMMENTS": lambda value: _COMMENT.sub(b" ", value),
    "REMOVE_COMMENTS_CHAR": lambda value: re.sub(rb"/\*|\*/|--|#", b"", value),
    "REMOVE_NULLS": lambda value: value.replace(b"\x00", b""),
    "REPLACE_NULLS": lambda value: value.replace(b"\x00", b" "),
    "NORMALIZE_PATH": _normalize_path,
    "NORMALIZE_PATH_WIN": lambda value: _normalize_path(value.replace(b"\\", b"/")),
    "UTF8_TO_UNICODE": lambda value: value,
}
"""UTF8_TO_UNICODE is the identity: components are already UTF-8 bytes here."""

SUPPORTED = frozenset(_TRANSFORMS)


class UnsupportedTransformation(ValueError):
    """A transformation type this build does not run (the config layer names it)."""


def pipeline(transformations: Sequence[TextTransformation]) -> Transform | None:
    """One function applying `transformations` by ascending priority; None when there is
    nothing to do (only NONE), so matchers skip the call."""
    steps = []
    for item in sorted(transformations, key=lambda t: t.priority):
        step = _TRANSFORMS.get(item.type)
        if step is None:
            raise UnsupportedTransformation(item.type)
        if item.type != "NONE":
            steps.append(step)
    if not steps:
        return None
    if len(steps) == 1:
        return steps[0]

    def apply(value: bytes) -> bytes:
        for step in steps:
            value = step(value)
        return value

    return apply
