"""Operation output -> wire response, driven by the operation's botocore model.

rest-json: status from `http.responseCode` (or a `statusCode` member), `header`/`headers`
members as headers, a blob/string payload member as the raw body, else the remaining
members as a JSON object. json: the whole output as a JSON object.
https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html
https://smithy.io/2.0/aws/protocols/aws-json-1_1-protocol.html
"""

from __future__ import annotations

from typing import Any

import orjson

from lamina.aws.eventstream import CONTENT_TYPE, EventStreamOutput, streamed
from lamina.aws.shape import to_json, to_text
from lamina.http.message import HttpResponse

_JSON = b"application/json"


def serialize_json_rpc(
    operation: Any, output: dict[str, Any], request_id: str, json_version: str
) -> HttpResponse:
    shape = operation.output_shape
    if shape is not None and operation.has_event_stream_output:
        for name, value in output.items():
            if isinstance(value, EventStreamOutput):
                rest = {k: v for k, v in output.items() if k != name}
                body = streamed(shape.members[name], to_json(shape, rest), value)
                headers = [
                    (b"x-amzn-RequestId", request_id.encode()),
                    (b"Content-Type", CONTENT_TYPE),
                ]
                return HttpResponse(200, headers, b"", stream=body)
    document = {} if shape is None else to_json(shape, output)
    headers = [
        (b"x-amzn-RequestId", request_id.encode()),
        (b"Content-Type", b"application/x-amz-json-" + json_version.encode()),
    ]
    return HttpResponse(200, headers, orjson.dumps(document))


def serialize_rest_json(operation: Any, output: dict[str, Any], request_id: str) -> HttpResponse:
    status = int(operation.http.get("responseCode", 200))
    headers = [(b"x-amzn-RequestId", request_id.encode()), (b"Content-Type", _JSON)]
    shape = operation.output_shape
    if shape is None:
        return HttpResponse(status, headers, b"")
    body_members: dict[str, Any] = {}
    for name, value in output.items():
        member = shape.members.get(name)
        if member is None or value is None:
            continue
        location = member.serialization.get("location")
        if location == "statusCode":
            status = int(value)
        elif location == "header":
            header = _header(member, name, value)
            if header[0].lower() == b"content-type":
                # The member says what the payload is (API Gateway GetExport's YAML).
                headers = [h for h in headers if h[0] != b"Content-Type"]
            headers.append(header)
        elif location == "headers":
            prefix = member.serialization.get("name", name)
            headers.extend((f"{prefix}{k}".encode(), str(v).encode()) for k, v in value.items())
        else:
            body_members[name] = value
    return HttpResponse(status, headers, _rest_body(shape, body_members))


def _header(member: Any, name: str, value: Any) -> tuple[bytes, bytes]:
    wire = member.serialization.get("name", name)
    # Header timestamps default to RFC 822 (HTTP-date).
    # https://smithy.io/2.0/spec/http-bindings.html#httpheader-serialization-rules
    text = to_text(member, value, "rfc822")
    return wire.encode(), text.encode("latin-1", errors="replace")


def _rest_body(shape: Any, members: dict[str, Any]) -> bytes:
    payload = shape.serialization.get("payload")
    if payload is None:
        return orjson.dumps(to_json(shape, members))
    value = members.get(payload)
    if value is None:
        return b""
    kind = shape.members[payload].type_name
    if kind == "blob":
        return bytes(value)
    if kind == "string":
        return str(value).encode()
    return orjson.dumps(to_json(shape.members[payload], value))
