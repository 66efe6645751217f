"""Wire request -> operation input, driven by the operation's botocore model.

One function per protocol family: `parse_rest` (rest-json; rest-xml bodies slot in through
`body_decoder`) binds members by their `location` (uri, querystring, header, headers) and
the rest from the body; `parse_json_rpc` reads the whole input from the JSON body.
https://smithy.io/2.0/spec/http-bindings.html
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import orjson

from lamina.aws.shape import ShapeMismatch, from_json, from_text
from lamina.http.message import HttpRequest

BodyDecoder = Callable[[Any, bytes], dict[str, Any]]
"""(structure shape, body) -> members; raises ShapeMismatch."""


def json_body(shape: Any, body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ShapeMismatch("", "a JSON document") from exc
    value = from_json(shape, document)
    return value if isinstance(value, dict) else {}


def parse_json_rpc(operation: Any, request: HttpRequest) -> dict[str, Any]:
    shape = operation.input_shape
    return {} if shape is None else json_body(shape, request.body)


def parse_rest(
    operation: Any,
    request: HttpRequest,
    labels: dict[str, str],
    body_decoder: BodyDecoder = json_body,
) -> dict[str, Any]:
    shape = operation.input_shape
    if shape is None:
        return {}
    query = parse_qsl(request.query_string, keep_blank_values=True)
    out: dict[str, Any] = {}
    body_members = False
    for name, member in shape.members.items():
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "uri":
            value = _from_label(member, labels.get(wire), name)
        elif location == "querystring":
            value = _from_query(shape, member, wire, query, name)
        elif location == "header":
            value = _from_header(member, request.header(wire), name)
        elif location == "headers":
            value = _from_prefixed_headers(wire, request.headers)
        else:
            body_members = True
            continue
        if value is not None:
            out[name] = value
    payload = shape.serialization.get("payload")
    if payload is not None:
        _bind_payload(shape.members[payload], payload, request.body, body_decoder, out)
    elif body_members:
        out.update(body_decoder(shape, request.body))
    return out


def _from_label(member: Any, text: str | None, name: str) -> Any:
    return None if text is None else from_text(member, text, name)


def _from_query(shape: Any, member: Any, wire: str, query: list[tuple[str, str]], name: str) -> Any:
    kind = member.type_name
    if kind == "map":
        # A querystring map takes every parameter no other member names.
        # https://smithy.io/2.0/spec/http-bindings.html#httpqueryparams-trait
        named = _query_names(shape)
        found: dict[str, Any] = {}
        for key, value in query:
            if key in named:
                continue
            if member.value.type_name == "list":
                found.setdefault(key, []).append(value)
            else:
                found.setdefault(key, value)
        return found or None
    values = [value for key, value in query if key == wire]
    if not values:
        return None
    if kind == "list":
        return [from_text(member.member, value, name) for value in values]
    return from_text(member, values[0], name)


def _query_names(shape: Any) -> set[str]:
    return {
        member.serialization.get("name", name)
        for name, member in shape.members.items()
        if member.serialization.get("location") == "querystring" and member.type_name != "map"
    }


def _from_header(member: Any, text: str | None, name: str) -> Any:
    if text is None:
        return None
    kind = member.type_name
    if kind == "list":
        return [from_text(member.member, item, name) for item in _split_header_list(text)]
    if kind == "string" and member.serialization.get("jsonvalue"):
        # Header values holding JSON travel base64-encoded.
        # https://smithy.io/2.0/spec/protocol-traits.html#mediatype-trait
        try:
            return orjson.loads(base64.b64decode(text))
        except (binascii.Error, orjson.JSONDecodeError) as exc:
            raise ShapeMismatch(name, "base64-encoded JSON") from exc
    return from_text(member, text, name)


def _split_header_list(text: str) -> list[str]:
    """`a, "b,c", d` -> [a, b,c, d]: quoted items may hold commas.
    https://smithy.io/2.0/spec/http-bindings.html#httpheader-serialization-rules
    """
    items: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for char in text:
        if escaped:
            current.append(char)
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            items.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    items.append("".join(current).strip())
    return [item for item in items if item]


def _from_prefixed_headers(prefix: str, headers: list[tuple[str, str]]) -> dict[str, str] | None:
    lowered = prefix.lower()
    found = {
        name[len(prefix) :].lower(): value
        for name, value in headers
        if name.lower().startswith(lowered)
    }
    return found or None


def _bind_payload(
    member: Any, name: str, body: bytes, decoder: BodyDecoder, out: dict[str, Any]
) -> None:
    kind = member.type_name
    if kind == "blob":
        if body:
            out[name] = body
    elif kind == "string":
        if body:
            out[name] = body.decode("utf-8", errors="replace")
    elif body.strip():
        out[name] = decoder(member, body)
