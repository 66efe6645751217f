"""ServiceError -> the protocol's error response.

rest-json: `x-amzn-ErrorType: <Code>` header and a JSON body of the error shape's members
(Lambda's `Type` and `Message`); botocore reads the code from that header.
query: `<ErrorResponse>` XML (lamina.aws.query).
json: body `{"__type": "<Code>", "message": ...}` (with the provider's namespace prefix when
it declares one, as DynamoDB's `com.amazonaws.dynamodb.v20120810#` does).
Every protocol adds the error's own `headers` after its request id.
https://smithy.io/2.0/aws/protocols/aws-restjson1-protocol.html#operation-error-serialization
https://smithy.io/2.0/aws/protocols/aws-json-1_0-protocol.html#operation-error-serialization
"""

from __future__ import annotations

from typing import Any

import orjson

from lamina.aws.model import ServiceSpec
from lamina.aws.query import render_query_error
from lamina.aws.service import ServiceError
from lamina.aws.shape import to_json
from lamina.http.message import HttpResponse


def error_status(spec: ServiceSpec, error: ServiceError) -> int:
    if error.status is not None:
        return error.status
    status = spec.error_status(error.code)
    if status is not None:
        return status
    return 400 if error.sender_fault else 500


def error_document(spec: ServiceSpec, error: ServiceError) -> dict[str, Any]:
    """The error shape's members: `fields`, the message under the shape's own spelling
    (`Message` or `message`), and Lambda-style `Type` when the shape has it."""
    shape = spec.error_shapes.get(error.code)
    members = shape.members if shape is not None else {}
    document: dict[str, Any] = {}
    if "Type" in members:
        document["Type"] = "User" if error.sender_fault else "Service"
    for name, value in error.fields.items():
        member = members.get(name)
        document[name] = value if member is None else to_json(member, value)
    key = "Message" if "Message" in members else "message"
    document[key] = error.message
    return document


def render_error(
    spec: ServiceSpec, error: ServiceError, request_id: str, namespace: str | None = None
) -> HttpResponse:
    status = error_status(spec, error)
    if spec.protocol in ("query", "ec2"):
        response = render_query_error(spec, error, status, request_id)
        response.headers.extend(error.header_pairs())
        return response
    document = error_document(spec, error)
    headers = [(b"x-amzn-RequestId", request_id.encode()), *error.header_pairs()]
    if spec.protocol == "json":
        document["__type"] = f"{namespace}#{error.code}" if namespace else error.code
        content_type = b"application/x-amz-json-" + spec.json_version.encode()
    else:
        headers.append((b"x-amzn-ErrorType", error.code.encode()))
        content_type = b"application/json"
    headers.append((b"Content-Type", content_type))
    return HttpResponse(status, headers, orjson.dumps(document))
