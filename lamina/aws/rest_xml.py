"""The rest-xml protocol (S3): HTTP bindings as in rest-json, XML bodies and S3's errors.

Inbound, members bound to the URI, query string and headers are read by `parse.parse_rest`;
this module decodes XML payloads (`<Delete>`, `<CompleteMultipartUpload>`, `<Tagging>` ...)
against their shapes. Outbound, `header`/`headers`/`statusCode` members become the status
and headers, a blob payload the raw body, and the other members an XML document whose
root element the provider names (botocore's S3 model no longer carries output root names,
e.g. `ListBucketResult`).
https://smithy.io/2.0/aws/protocols/aws-restxml-protocol.html
https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import unquote
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

from lamina.aws.parse import parse_rest
from lamina.aws.service import ServiceError
from lamina.aws.shape import ShapeMismatch, from_text, to_text
from lamina.http.body import StreamedBody
from lamina.http.message import HttpRequest, HttpResponse

_XML_TYPE = b"application/xml"
MALFORMED_XML = "a well-formed XML document of the payload's shape"
_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n'
# {bucket}.s3.localhost[:port]: virtual-hosted-style addressing on the loopback.
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html
_VIRTUAL_HOST = re.compile(r"^(?P<bucket>[a-z0-9][a-z0-9.\-]*)\.s3\.localhost(?::\d+)?$")


class XmlOptions:
    """What a rest-xml provider tells the serializer: output root element names per
    operation, the XML namespace of its documents, and whether its errors come wrapped
    in `<ErrorResponse>` (every rest-xml service but S3, whose model is marked
    `noErrorWrapping`)."""

    __slots__ = ("namespace", "roots", "wrapped_errors")

    def __init__(
        self, roots: Mapping[str, str], namespace: str | None, *, wrapped_errors: bool = False
    ) -> None:
        self.roots = dict(roots)
        self.namespace = namespace
        self.wrapped_errors = wrapped_errors


# -- request


def virtual_host_bucket(request: HttpRequest) -> str | None:
    """The bucket a virtual-hosted-style request names in its Host, else None."""
    host = (request.header("Host") or "").lower()
    found = _VIRTUAL_HOST.match(host)
    return None if found is None else found.group("bucket")


def path_style(request: HttpRequest) -> HttpRequest:
    """The request as if sent path-style (`/{bucket}/{key}`), so the model's URIs route it."""
    bucket = virtual_host_bucket(request)
    if bucket is None:
        return request
    return request.replace(path=f"/{bucket}{request.path if request.path != '/' else ''}")


def check_payload_hash(request: HttpRequest) -> None:
    """A signed `x-amz-content-sha256` must be the body's SHA-256: S3 answers
    XAmzContentSHA256Mismatch (400) before it looks at the signature.
    https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
    """
    declared = (request.header("X-Amz-Content-SHA256") or "").lower()
    if len(declared) != 64:
        return  # UNSIGNED-PAYLOAD, STREAMING-* (chunk signatures cover those) or none
    computed = hashlib.sha256(request.body).hexdigest()
    if declared != computed:
        raise content_sha256_mismatch(declared, computed)


def content_sha256_mismatch(declared: str, computed: str) -> ServiceError:
    return ServiceError(
        "XAmzContentSHA256Mismatch",
        "The provided 'x-amz-content-sha256' header does not match what was computed.",
        status=400,
        fields={
            "ClientComputedContentSHA256": declared,
            "S3ComputedContentSHA256": computed,
        },
    )


def parse_rest_xml(operation: Any, request: HttpRequest, labels: dict[str, str]) -> dict[str, Any]:
    return parse_rest(operation, request, labels, xml_body)


def xml_body(shape: Any, body: bytes) -> dict[str, Any]:
    """An XML payload (its root element is the member's) -> the shape's members."""
    if not body.strip():
        return {}
    try:
        root = ElementTree.fromstring(body)
        value = _from_element(shape, root, "")
    except (ElementTree.ParseError, ShapeMismatch) as exc:
        raise ShapeMismatch("", MALFORMED_XML) from exc
    return value if isinstance(value, dict) else {}


def _tag(element: ElementTree.Element) -> str:
    return element.tag.rpartition("}")[2] if isinstance(element.tag, str) else ""


def _from_element(shape: Any, element: ElementTree.Element, path: str) -> Any:
    kind = shape.type_name
    if kind == "structure":
        return _structure(shape, element, path)
    if kind == "list":
        tag = shape.member.serialization.get("name", "member")
        items = [child for child in element if _tag(child) == tag]
        return [_from_element(shape.member, item, path) for item in items]
    if kind == "map":
        return _map(shape, list(element), path)
    return from_text(shape, element.text or "", path)


def _structure(shape: Any, element: ElementTree.Element, path: str) -> dict[str, Any]:
    children: dict[str, list[ElementTree.Element]] = {}
    for child in element:
        children.setdefault(_tag(child), []).append(child)
    out: dict[str, Any] = {}
    for name, member in shape.members.items():
        wire = member.serialization.get("name", name)
        where = f"{path}.{name}" if path else name
        if member.serialization.get("xmlAttribute"):
            continue
        found = children.get(wire)
        if not found:
            continue
        if member.type_name == "list" and member.serialization.get("flattened"):
            out[name] = [_from_element(member.member, item, where) for item in found]
        elif member.type_name == "map" and member.serialization.get("flattened"):
            out[name] = _map(member, found, where)
        else:
            out[name] = _from_element(member, found[0], where)
    return out


def _map(shape: Any, entries: list[ElementTree.Element], path: str) -> dict[str, Any]:
    key_tag = shape.key.serialization.get("name", "key")
    value_tag = shape.value.serialization.get("name", "value")
    out: dict[str, Any] = {}
    for entry in entries:
        key = entry.find(f"{{*}}{key_tag}")
        value = entry.find(f"{{*}}{value_tag}")
        if key is not None and value is not None:
            out[key.text or ""] = _from_element(shape.value, value, path)
    return out


# -- response


def serialize_rest_xml(
    operation: Any,
    output: dict[str, Any],
    request_id: str,
    options: XmlOptions,
    *,
    head: bool = False,
) -> HttpResponse:
    status = int(operation.http.get("responseCode", 200))
    headers = request_headers(request_id)
    shape = operation.output_shape
    if shape is None:
        return HttpResponse(status, headers, b"")
    body_members: dict[str, Any] = {}
    length: int | None = None
    for name, value in output.items():
        member = shape.members.get(name)
        if member is None or value is None:
            continue
        location = member.serialization.get("location")
        wire = member.serialization.get("name", name)
        if location == "statusCode":
            status = int(value)
        elif location == "header" and wire.lower() == "content-length":
            length = int(value)  # the server writes Content-Length from the body
        elif location == "header":
            if wire.lower() == "content-range" and status == 200:
                # A 2xx answer with Content-Range is a partial one (RFC 9110, 15.3.7).
                status = 206
            text = to_text(member, value, "rfc822")
            headers.append((wire.encode(), _header_value(text)))
        elif location == "headers":
            headers.extend((f"{wire}{k}".encode(), _header_value(str(v))) for k, v in value.items())
        else:
            body_members[name] = value
    streamed = _streamed_payload(shape, body_members)
    if streamed is not None:
        return HttpResponse(status, headers, b"", stream=streamed)
    body = _body(operation.name, shape, body_members, options, headers)
    if head and length is not None and not body:
        # A HEAD answer has no body, but its Content-Length is the object's.
        return HttpResponse(status, headers, b"", length=length)
    return HttpResponse(status, headers, body)


def _streamed_payload(shape: Any, members: dict[str, Any]) -> StreamedBody | None:
    """A blob payload the handler answers as a stream (GetObject's file range)."""
    payload = shape.serialization.get("payload")
    value = members.get(payload) if payload is not None else None
    return value if isinstance(value, StreamedBody) else None


def _header_value(text: str) -> bytes:
    """Line breaks never reach a header (`?response-content-type=` comes from a URL)."""
    cleaned = text.replace("\r", " ").replace("\n", " ")
    return cleaned.encode("latin-1", errors="replace")


def request_headers(request_id: str) -> list[tuple[bytes, bytes]]:
    """S3's request id pair: `x-amz-request-id` and the extended `x-amz-id-2`."""
    return [(b"x-amz-request-id", request_id.encode()), (b"x-amz-id-2", host_id(request_id))]


def host_id(request_id: str) -> bytes:
    return hashlib.sha256(request_id.encode()).hexdigest().encode()


def _body(
    operation: str,
    shape: Any,
    members: dict[str, Any],
    options: XmlOptions,
    headers: list[tuple[bytes, bytes]],
) -> bytes:
    payload = shape.serialization.get("payload")
    if payload is not None:
        value = members.get(payload)
        if value is None:
            return b""
        member = shape.members[payload]
        if member.type_name == "blob":
            return bytes(value)
        if member.type_name == "string":
            return str(value).encode()
        root = member.serialization.get("name", payload)
        document = _element(member, root, value, options.namespace)
    elif not members and operation not in options.roots:
        return b""
    else:
        root = shape.serialization.get("name") or options.roots.get(operation, f"{operation}Result")
        if list(shape.members) == [root]:
            # The root element is the only member (S3's GetBucketLocation answers
            # `<LocationConstraint>eu-west-1</LocationConstraint>`).
            document = _element(shape.members[root], root, members.get(root, ""), options.namespace)
        else:
            document = _element(shape, root, members, options.namespace)
    if not any(name.lower() == b"content-type" for name, _ in headers):
        headers.append((b"Content-Type", _XML_TYPE))
    return (_DECLARATION + document).encode()


def _element(shape: Any, tag: str, value: Any, namespace: str | None = None) -> str:
    opening = tag if namespace is None else f"{tag} xmlns={quoteattr(namespace)}"
    kind = shape.type_name
    if kind == "structure":
        return f"<{opening}>{_members(shape, value)}</{tag}>"
    if kind == "list":
        inner_tag = shape.member.serialization.get("name", "member")
        inner = "".join(_element(shape.member, inner_tag, item) for item in value)
        return f"<{opening}>{inner}</{tag}>"
    if kind == "map":
        return f"<{opening}>{_entries(shape, value)}</{tag}>"
    return f"<{opening}>{escape(to_text(shape, value, 'iso8601'))}</{tag}>"


def _members(shape: Any, value: dict[str, Any]) -> str:
    parts: list[str] = []
    for name, item in value.items():
        member = shape.members.get(name)
        if member is None or item is None or member.serialization.get("xmlAttribute"):
            continue
        tag = member.serialization.get("name", name)
        if member.type_name == "list" and member.serialization.get("flattened"):
            parts.extend(_element(member.member, tag, entry) for entry in item)
        elif member.type_name == "map" and member.serialization.get("flattened"):
            parts.append(_entries(member, item))
        else:
            parts.append(_element(member, tag, item))
    return "".join(parts)


def _entries(shape: Any, value: dict[str, Any]) -> str:
    key_tag = shape.key.serialization.get("name", "key")
    value_tag = shape.value.serialization.get("name", "value")
    return "".join(
        f"<entry>{_element(shape.key, key_tag, k)}{_element(shape.value, value_tag, v)}</entry>"
        for k, v in value.items()
    )


# -- errors


def resource_of(request: HttpRequest) -> str:
    """The bucket or object a request names, `/bucket/key`, as S3's errors show it."""
    return unquote(path_style(request).path)


def render_rest_xml_error(
    error: ServiceError,
    status: int,
    request_id: str,
    resource: str | None = None,
    options: XmlOptions | None = None,
) -> HttpResponse:
    """S3's error document:
    `<Error><Code/><Message/>{fields}<Resource/><RequestId/><HostId/></Error>`.
    https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#RESTErrorResponses
    A 304 Not Modified carries no body. The error's own headers follow the request ids.
    A service whose `options` wrap errors answers `_wrapped_error`'s document instead.
    """
    headers = request_headers(request_id) + error.header_pairs()
    if status == 304:
        return HttpResponse(status, headers, b"")
    fields = _error_fields(error)
    headers.append((b"Content-Type", _XML_TYPE))
    if options is not None and options.wrapped_errors:
        return HttpResponse(status, headers, _wrapped_error(error, fields, request_id, options))
    if resource is not None:
        fields += f"<Resource>{escape(resource)}</Resource>"
    document = (
        f"{_DECLARATION}<Error><Code>{escape(error.code)}</Code>"
        f"<Message>{escape(error.message)}</Message>{fields}"
        f"<RequestId>{request_id}</RequestId><HostId>{host_id(request_id).decode()}</HostId>"
        "</Error>"
    )
    return HttpResponse(status, headers, document.encode())


def _error_fields(error: ServiceError) -> str:
    return "".join(f"<{name}>{escape(str(value))}</{name}>" for name, value in error.fields.items())


def _wrapped_error(error: ServiceError, fields: str, request_id: str, options: XmlOptions) -> bytes:
    """The rest-xml protocol's error document (CloudFront's, Route 53's):
    `<ErrorResponse xmlns=...><Error><Type>Sender|Receiver</Type><Code/><Message/>{fields}
    </Error><RequestId/></ErrorResponse>`.
    https://smithy.io/2.0/aws/protocols/aws-restxml-protocol.html#error-response-serialization
    """
    opening = "ErrorResponse"
    if options.namespace is not None:
        opening += f" xmlns={quoteattr(options.namespace)}"
    fault = "Sender" if error.sender_fault else "Receiver"
    document = (
        f"{_DECLARATION}<{opening}><Error><Type>{fault}</Type>"
        f"<Code>{escape(error.code)}</Code><Message>{escape(error.message)}</Message>{fields}"
        f"</Error><RequestId>{escape(request_id)}</RequestId></ErrorResponse>"
    )
    return document.encode()
