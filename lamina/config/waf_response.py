"""Custom responses of AWS WAF Block actions, from a web ACL: CustomResponseBodies, and the
CustomResponse of a rule's or the default action's Block; and the headers Allow and Count
actions insert into the request (CustomRequestHandling).
https://docs.aws.amazon.com/waf/latest/APIReference/API_CustomResponse.html
https://docs.aws.amazon.com/waf/latest/APIReference/API_CustomResponseBody.html
https://docs.aws.amazon.com/waf/latest/APIReference/API_CustomRequestHandling.html
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from lamina.config.error import ConfigError
from lamina.gateway.waf.model import CustomResponse

# CustomResponseBody ContentType → the content-type AWS WAF answers with.
CONTENT_TYPES = {
    "TEXT_PLAIN": "text/plain",
    "TEXT_HTML": "text/html",
    "APPLICATION_JSON": "application/json",
}
_KEY = re.compile(r"^[\w\-]+$")
# CustomHTTPHeader: a Name of 1-64 letters, digits and . _ $ -, a Value of 1-255 characters
# on one line (botocore's wafv2 model: CustomHTTPHeaderName / CustomHTTPHeaderValue, whose
# pattern `.*` matches no line break).
# https://docs.aws.amazon.com/waf/latest/APIReference/API_CustomHTTPHeader.html
_HEADER_NAME = re.compile(r"[a-zA-Z0-9._$-]{1,64}")
_HEADER_VALUE = re.compile(r"[^\r\n]{1,255}")

Bodies = dict[str, tuple[str, bytes]]


def custom_response_bodies(raw: Any) -> Bodies:
    """CustomResponseBodies: key → (content-type, content)."""
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        raise ConfigError("CustomResponseBodies must be a mapping of keys to bodies")
    bodies: Bodies = {}
    for key, body in raw.items():
        where = f"CustomResponseBodies.{key}"
        if not _KEY.match(str(key)):
            raise ConfigError(f"{where}: a key is letters, digits, _ and - only")
        if not isinstance(body, Mapping) or not isinstance(body.get("Content"), str):
            raise ConfigError(f"{where} needs ContentType and Content")
        kind = body.get("ContentType")
        if kind not in CONTENT_TYPES:
            raise ConfigError(f"{where}.ContentType must be one of {', '.join(CONTENT_TYPES)}")
        bodies[str(key)] = (CONTENT_TYPES[kind], body["Content"].encode())
    return bodies


def block_response(settings: Any, bodies: Bodies, where: str) -> CustomResponse | None:
    """A Block action's CustomResponse (None without one)."""
    raw = settings.get("CustomResponse") if isinstance(settings, Mapping) else None
    if raw is None:
        return None
    where = f"{where}.CustomResponse"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a mapping")
    code = raw.get("ResponseCode")
    if isinstance(code, str) and code.isdigit():
        code = int(code)
    if not isinstance(code, int) or not 200 <= code <= 599:
        raise ConfigError(f"{where}.ResponseCode must be a status code from 200 to 599")
    content_type, body = None, b""
    key = raw.get("CustomResponseBodyKey")
    if key is not None:
        if key not in bodies:
            raise ConfigError(
                f"{where}.CustomResponseBodyKey {key!r} is not in CustomResponseBodies"
            )
        content_type, body = bodies[key]
    return CustomResponse(
        status=code,
        headers=_headers(raw.get("ResponseHeaders") or [], f"{where}.ResponseHeaders"),
        body=body,
        content_type=content_type,
    )


def _headers(raw: Any, where: str) -> tuple[tuple[str, str], ...]:
    """ "You can specify any header name except for content-type. Duplicate header names are
    not allowed." (API_CustomResponse)"""
    if not isinstance(raw, list):
        raise ConfigError(f"{where} must be a list of Name/Value pairs")
    headers: list[tuple[str, str]] = []
    for index, header in enumerate(raw):
        name, value = _header(header, f"{where}[{index}]")
        if name.lower() == "content-type":
            raise ConfigError(f"{where}[{index}]: content-type cannot be set")
        if any(name.lower() == seen.lower() for seen, _ in headers):
            raise ConfigError(f"{where}[{index}]: duplicate header name {name}")
        headers.append((name, value))
    return tuple(headers)


def inserted_headers(settings: Any, where: str) -> tuple[tuple[str, str], ...]:
    """An Allow or Count action's CustomRequestHandling InsertHeaders (() without one)."""
    raw = settings.get("CustomRequestHandling") if isinstance(settings, Mapping) else None
    if raw is None:
        return ()
    where = f"{where}.CustomRequestHandling"
    if not isinstance(raw, Mapping) or not isinstance(raw.get("InsertHeaders"), list):
        raise ConfigError(f"{where} needs InsertHeaders, a list of Name/Value pairs")
    return tuple(
        _header(header, f"{where}.InsertHeaders[{index}]")
        for index, header in enumerate(raw["InsertHeaders"])
    )


def _header(header: object, where: str) -> tuple[str, str]:
    """One CustomHTTPHeader's Name and Value, checked as WAF checks them (a line break in
    either would split the response or request it is written into)."""
    name = header.get("Name") if isinstance(header, Mapping) else None
    value = header.get("Value") if isinstance(header, Mapping) else None
    if not isinstance(name, str) or not name or not isinstance(value, str):
        raise ConfigError(f"{where} needs a Name and a Value")
    if _HEADER_NAME.fullmatch(name) is None:
        raise ConfigError(
            f"{where}: header Name {name!r} must be 1-64 letters, digits, '.', '_', '$' or '-'"
        )
    if _HEADER_VALUE.fullmatch(value) is None:
        raise ConfigError(f"{where}: header Value must be 1-255 characters on one line")
    return name, value
