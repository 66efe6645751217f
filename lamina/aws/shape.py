"""Values ⇄ botocore shapes: wire JSON or strings in, the boto3-shaped Python value out.

Inbound, blobs become bytes and timestamps aware datetimes; a value of the wrong type
raises `ShapeMismatch` (rendered as the service's serialization error). Outbound, bytes
become base64 and datetimes the location's timestamp format.
https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html#shape-serialization
"""

from __future__ import annotations

import base64
import binascii
import calendar
import contextlib
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from typing import Any

from lamina.aws.error import AwsError


class ShapeMismatch(AwsError):
    """A wire value does not fit its shape; `path` is where, e.g. `Environment.Variables`."""

    def __init__(self, path: str, expected: str) -> None:
        super().__init__(f"{path or 'body'}: expected {expected}")
        self.path = path
        self.expected = expected


_JSON_SCALARS: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int,),
    "long": (int,),
    "short": (int,),
    "byte": (int,),
    "boolean": (bool,),
    "float": (int, float),
    "double": (int, float),
    "bigdecimal": (int, float),
    "biginteger": (int,),
}


def from_json(shape: Any, value: Any, path: str = "") -> Any:
    """A JSON-decoded value -> the Python value for `shape` (a botocore Shape)."""
    if value is None:
        return None
    kind = shape.type_name
    if kind == "structure":
        return _structure_from_json(shape, value, path)
    if kind == "list":
        if not isinstance(value, list):
            raise ShapeMismatch(path, "a list")
        return [from_json(shape.member, item, f"{path}.{i}") for i, item in enumerate(value)]
    if kind == "map":
        if not isinstance(value, dict):
            raise ShapeMismatch(path, "a map")
        return {key: from_json(shape.value, item, f"{path}.{key}") for key, item in value.items()}
    if kind == "blob":
        return decode_blob(value, path)
    if kind == "timestamp":
        return parse_timestamp(value, path)
    expected = _JSON_SCALARS.get(kind)
    if expected is not None and (
        not isinstance(value, expected) or (kind != "boolean" and isinstance(value, bool))
    ):
        raise ShapeMismatch(path, kind)
    return value


def _structure_from_json(shape: Any, value: Any, path: str) -> Any:
    if not isinstance(value, dict):
        raise ShapeMismatch(path, "a structure")
    if shape.is_document_type:
        return value
    out: dict[str, Any] = {}
    for name, member in shape.members.items():
        if member.serialization.get("location"):
            continue  # bound from the URI, query or headers, never from the body
        item = value.get(_wire_name(name, member))
        if item is not None:
            out[name] = from_json(member, item, f"{path}.{name}" if path else name)
    return out


def _wire_name(name: str, member: Any) -> str:
    """A body member's JSON key: its `locationName` when the model gives one (API Gateway's
    PutIntegration sends `integrationHttpMethod` as "httpMethod", lists travel as "item"),
    as botocore's JSON serializer and parser name it."""
    return str(member.serialization.get("name", name))


def to_json(shape: Any, value: Any, timestamp_format: str = "unixTimestamp") -> Any:
    """A Python value -> JSON-encodable value for `shape`, the inverse of `from_json`."""
    kind = shape.type_name
    if kind == "structure":
        if shape.is_document_type or not isinstance(value, dict):
            return value
        members = shape.members
        return {
            _wire_name(name, members[name]): to_json(members[name], item, timestamp_format)
            for name, item in value.items()
            if item is not None and name in members
        }
    if kind == "list":
        return [to_json(shape.member, item, timestamp_format) for item in value]
    if kind == "map":
        return {key: to_json(shape.value, item, timestamp_format) for key, item in value.items()}
    if kind == "blob":
        raw = value.encode() if isinstance(value, str) else bytes(value)
        return base64.b64encode(raw).decode("ascii")
    if kind == "timestamp":
        return format_timestamp(value, shape.serialization.get("timestampFormat", timestamp_format))
    return value


def decode_blob(value: Any, path: str) -> bytes:
    if not isinstance(value, str):
        raise ShapeMismatch(path, "a base64 string")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ShapeMismatch(path, "a base64 string") from exc


def parse_timestamp(value: Any, path: str) -> datetime:
    """Epoch seconds (number or numeric string), ISO 8601 or RFC 822 -> aware datetime."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, UTC)
    if not isinstance(value, str):
        raise ShapeMismatch(path, "a timestamp")
    with contextlib.suppress(ValueError):  # not epoch seconds: a date string then
        return datetime.fromtimestamp(float(value), UTC)
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:
            parsed = parsedate_to_datetime(value)
        except (TypeError, ValueError) as exc:
            raise ShapeMismatch(path, "a timestamp") from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def format_timestamp(value: Any, timestamp_format: str) -> Any:
    """datetime (or epoch number) -> `unixTimestamp` number, `iso8601` or `rfc822` text.
    Strings pass through: the provider already formatted them.
    https://smithy.io/2.0/spec/protocol-traits.html#timestampformat-trait
    """
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        epoch: float = calendar.timegm(moment.utctimetuple()) + moment.microsecond / 1e6
    else:
        epoch = float(value)
    fmt = timestamp_format.lower()
    if fmt == "unixtimestamp":
        return int(epoch) if epoch == int(epoch) else round(epoch, 3)
    if fmt == "rfc822":
        return formatdate(epoch, usegmt=True)
    moment = datetime.fromtimestamp(epoch, UTC)
    millis = f".{moment.microsecond // 1000:03d}" if moment.microsecond else ""
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + millis + "Z"


def from_text(shape: Any, text: str, path: str) -> Any:
    """A scalar sent as text (URI label, query value, header) -> its Python value."""
    kind = shape.type_name
    try:
        if kind in ("integer", "long", "short", "byte", "biginteger"):
            return int(text)
        if kind in ("float", "double", "bigdecimal"):
            return float(text)
    except ValueError as exc:
        raise ShapeMismatch(path, kind) from exc
    if kind == "boolean":
        if text not in ("true", "false"):
            raise ShapeMismatch(path, "true or false")
        return text == "true"
    if kind == "timestamp":
        return parse_timestamp(text, path)
    if kind == "blob":
        return decode_blob(text, path)
    return text


def to_text(shape: Any, value: Any, timestamp_format: str) -> str:
    """A scalar -> its text form in a header or query string."""
    kind = shape.type_name
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "timestamp":
        fmt = shape.serialization.get("timestampFormat", timestamp_format)
        return str(format_timestamp(value, fmt))
    if kind == "blob":
        raw = value.encode() if isinstance(value, str) else bytes(value)
        return base64.b64encode(raw).decode("ascii")
    if kind == "list":
        return ",".join(to_text(shape.member, item, timestamp_format) for item in value)
    return str(value)
