"""The query protocol (STS, IAM, SNS ...): form-encoded input, XML output and errors.

Input `Tags.member.1.Key=k` flattens nested members into dotted keys; output is
`<{Op}Response><{Op}Result>...</{Op}Result><ResponseMetadata>` and errors
`<ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
https://smithy.io/2.0/aws/protocols/aws-query-protocol.html
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

from lamina.aws.model import ServiceSpec
from lamina.aws.service import ServiceError
from lamina.aws.shape import from_text, to_text
from lamina.http.message import HttpRequest, HttpResponse

_XML = b"text/xml"


def query_form(request: HttpRequest) -> dict[str, str]:
    """The request's parameters: the form body of a POST, else the query string."""
    text = request.body.decode("utf-8", errors="replace") if request.body else ""
    return dict(parse_qsl(text or request.query_string, keep_blank_values=True))


def parse_query(operation: Any, form: dict[str, str]) -> dict[str, Any]:
    shape = operation.input_shape
    if shape is None:
        return {}
    value = _read(shape, form, "")
    return value if isinstance(value, dict) else {}


def _read(shape: Any, form: dict[str, str], prefix: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        out = {}
        for name, member in shape.members.items():
            wire = member.serialization.get("name", name)
            value = _read(member, form, f"{prefix}.{wire}" if prefix else wire)
            if value is not None:
                out[name] = value
        return out if out or not prefix else None
    if kind == "list":
        return _read_list(shape, form, prefix)
    if kind == "map":
        return _read_map(shape, form, prefix)
    text = form.get(prefix)
    return None if text is None else from_text(shape, text, prefix)


def _read_list(shape: Any, form: dict[str, str], prefix: str) -> list[Any] | None:
    if form.get(prefix) == "":
        return []  # the query protocol sends an empty list as `Name=`
    if shape.serialization.get("flattened"):
        base = prefix
    else:
        base = f"{prefix}.{shape.member.serialization.get('name', 'member')}"
    items = []
    for index in _indices(form, base):
        item = _read(shape.member, form, f"{base}.{index}")
        if item is not None:
            items.append(item)
    return items or None


def _read_map(shape: Any, form: dict[str, str], prefix: str) -> dict[str, Any] | None:
    base = prefix if shape.serialization.get("flattened") else f"{prefix}.entry"
    key_name = shape.key.serialization.get("name", "key")
    value_name = shape.value.serialization.get("name", "value")
    out = {}
    for index in _indices(form, base):
        key = form.get(f"{base}.{index}.{key_name}")
        if key is not None:
            out[key] = _read(shape.value, form, f"{base}.{index}.{value_name}")
    return out or None


def _indices(form: dict[str, str], base: str) -> list[int]:
    start = base + "."
    found = set()
    for key in form:
        if key.startswith(start):
            head = key[len(start) :].split(".", 1)[0]
            if head.isdigit():
                found.add(int(head))
    return sorted(found)


def serialize_query(
    spec: ServiceSpec, operation: Any, output: dict[str, Any], request_id: str
) -> HttpResponse:
    name = operation.name
    namespace = f' xmlns="{spec.namespace}"' if spec.namespace else ""
    parts = [f"<{name}Response{namespace}>"]
    shape = operation.output_shape
    if shape is not None:
        wrapper = shape.serialization.get("resultWrapper", f"{name}Result")
        parts.append(f"<{wrapper}>{_members(shape, output)}</{wrapper}>")
    parts.append(f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>")
    parts.append(f"</{name}Response>")
    return HttpResponse(200, _headers(request_id), "".join(parts).encode())


def _members(shape: Any, value: dict[str, Any]) -> str:
    parts = []
    for name, item in value.items():
        member = shape.members.get(name)
        if member is not None and item is not None:
            parts.append(_element(member, member.serialization.get("name", name), item))
    return "".join(parts)


def _element(shape: Any, tag: str, value: Any) -> str:
    kind = shape.type_name
    if kind == "structure":
        return f"<{tag}>{_members(shape, value)}</{tag}>"
    if kind == "list":
        inner_tag = shape.member.serialization.get("name", "member")
        if shape.serialization.get("flattened"):
            return "".join(_element(shape.member, tag, item) for item in value)
        inner = "".join(_element(shape.member, inner_tag, item) for item in value)
        return f"<{tag}>{inner}</{tag}>"
    if kind == "map":
        entries = "".join(
            f"<entry>{_element(shape.key, 'key', k)}{_element(shape.value, 'value', v)}</entry>"
            for k, v in value.items()
        )
        return f"<{tag}>{entries}</{tag}>"
    return f"<{tag}>{escape(to_text(shape, value, 'iso8601'))}</{tag}>"


def render_query_error(
    spec: ServiceSpec, error: ServiceError, status: int, request_id: str
) -> HttpResponse:
    # https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html
    kind = "Sender" if error.sender_fault else "Receiver"
    namespace = f' xmlns="{spec.namespace}"' if spec.namespace else ""
    body = (
        f"<ErrorResponse{namespace}><Error><Type>{kind}</Type>"
        f"<Code>{escape(spec.wire_code(error.code))}</Code><Message>{escape(error.message)}</Message>"
        f"</Error><RequestId>{request_id}</RequestId></ErrorResponse>"
    )
    return HttpResponse(status, _headers(request_id), body.encode())


def _headers(request_id: str) -> list[tuple[bytes, bytes]]:
    return [(b"x-amzn-RequestId", request_id.encode()), (b"Content-Type", _XML)]
