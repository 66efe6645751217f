"""Browser-based uploads: `POST /{bucket}` with a multipart/form-data form whose policy
(base64 JSON: expiration and conditions) is signed with SigV4 (or SigV2), as boto3's
`generate_presigned_post` and HTML forms make them.

https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-UsingHTTPPOST.html
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTForms.html
https://docs.aws.amazon.com/AmazonS3/latest/API/RESTObjectPOST.html
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.parser import BytesParser
from email.policy import HTTP
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlencode
from xml.sax.saxutils import escape

import orjson

from lamina.aws.dispatch import SurfaceCall
from lamina.aws.rest_xml import request_headers, virtual_host_bucket
from lamina.aws.service import AwsRequestContext, ServiceError
from lamina.http.message import HttpRequest, HttpResponse
from lamina.http.server import MAX_BODY_BYTES
from lamina.services.s3 import error, event, obj
from lamina.services.s3.state import S3State

_ALGORITHM = "AWS4-HMAC-SHA256"
# Form fields the policy need not name.
# https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-HTTPPOSTConstructPolicy.html
_UNCHECKED = frozenset({"x-amz-signature", "signature", "awsaccesskeyid", "file", "policy"})
_CONTENT = {
    "content-type": "ContentType",
    "cache-control": "CacheControl",
    "content-disposition": "ContentDisposition",
    "content-encoding": "ContentEncoding",
    "expires": "Expires",
    "x-amz-website-redirect-location": "WebsiteRedirectLocation",
    "acl": "ACL",
}


class Form:
    """The form's fields (names lower-cased, in order) and its one file."""

    __slots__ = ("fields", "file", "filename")

    def __init__(self) -> None:
        self.fields: dict[str, str] = {}
        self.file: bytes | None = None
        self.filename = ""


def read_form(request: HttpRequest) -> Form:
    """Fields after the file are ignored, as S3 ignores them ("The file or text content
    must be the last field in the form")."""
    head = f"Content-Type: {request.header('Content-Type')}\r\n\r\n".encode()
    message = BytesParser(policy=HTTP).parsebytes(head + request.body)
    form = Form()
    if not message.is_multipart():
        raise ServiceError(
            "MalformedPOSTRequest",
            "The body of your POST request is not well-formed multipart/form-data.",
            status=400,
        )
    for part in message.iter_parts():
        disposition = part.get("Content-Disposition")
        params = dict(disposition.params) if disposition is not None else {}
        name = str(params.get("name") or "").lower()
        raw = part.get_payload(decode=True)
        payload = raw if isinstance(raw, bytes) else b""
        if name == "file":
            form.file = payload
            form.filename = str(params.get("filename") or "")
            # The file part's own Content-Type is not the object's: only a Content-Type
            # field sets it (else binary/octet-stream).
            break
        form.fields[name] = payload.decode("utf-8", errors="replace")
    return form


def _denied(message: str) -> ServiceError:
    return ServiceError("AccessDenied", message, status=403)


def _condition_failed(condition: object) -> ServiceError:
    text = json.dumps(condition)  # ["starts-with", "$key", "uploads/"], as S3 quotes it
    return _denied(f"Invalid according to Policy: Policy Condition failed: {text}")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _check_signature(form: Form, call: SurfaceCall) -> str | None:
    """The access key that signed the policy (None: an anonymous upload without policy)."""
    fields = form.fields
    policy = fields.get("policy")
    if policy is None:
        return None
    if "x-amz-credential" in fields:
        if fields.get("x-amz-algorithm") != _ALGORITHM:
            raise error.invalid_argument(
                "Only AWS4-HMAC-SHA256 is supported",
                "x-amz-algorithm",
                fields.get("x-amz-algorithm"),
            )
        credential = fields["x-amz-credential"]
        access_key, _, scope = credential.partition("/")
        parts = scope.split("/")
        secret = call.credentials.secret(access_key)
        if len(parts) != 4:
            raise error.invalid_argument("Invalid credential", "x-amz-credential", credential)
        if secret is not None:
            # https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-post-example.html
            key = _hmac(("AWS4" + secret).encode(), parts[0])
            for part in parts[1:]:
                key = _hmac(key, part)
            expected = hmac.new(key, policy.encode(), hashlib.sha256).hexdigest()
            given = fields.get("x-amz-signature", "")
            # Bytes: compare_digest raises on a str with non-ASCII characters (a 500).
            if not hmac.compare_digest(expected.encode(), given.encode()):
                raise _mismatch()
    else:
        access_key = fields.get("awsaccesskeyid", "")
        secret = call.credentials.secret(access_key)
        if secret is not None:
            # Signature Version 2: base64(HMAC-SHA1(secret, policy)).
            digest = hmac.new(secret.encode(), policy.encode(), hashlib.sha1).digest()
            if not hmac.compare_digest(
                base64.b64encode(digest), fields.get("signature", "").encode()
            ):
                raise _mismatch()
    if secret is None and call.credentials.strict:
        raise ServiceError(
            "InvalidAccessKeyId",
            "The AWS Access Key Id you provided does not exist in our records.",
            status=403,
            fields={"AWSAccessKeyId": access_key},
        )
    _check_token(access_key, fields.get("x-amz-security-token"), call)
    return access_key


def _check_token(access_key: str, token: str | None, call: SurfaceCall) -> None:
    """Temporary credentials (a function's role) sign with their session token in the
    `x-amz-security-token` field; S3 answers a wrong one InvalidToken, an expired one
    ExpiredToken. https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
    """
    identity = call.credentials.known_identity(access_key)
    if identity is None or identity.session_token is None or identity.any_token:
        return
    if token != identity.session_token:
        raise ServiceError(
            "InvalidToken", "The provided token is malformed or otherwise invalid.", status=400
        )
    if identity.expires is not None and identity.expires <= call.now.timestamp():
        raise ServiceError("ExpiredToken", "The provided token has expired.", status=400)


def _mismatch() -> ServiceError:
    return ServiceError(
        "SignatureDoesNotMatch",
        "The request signature we calculated does not match the signature you provided. "
        "Check your key and signing method.",
        status=403,
    )


def _policy(text: str) -> Mapping[str, Any]:
    try:
        document = orjson.loads(base64.b64decode(text, validate=False))
    except (binascii.Error, orjson.JSONDecodeError, ValueError):
        raise ServiceError(
            "InvalidPolicyDocument", "Invalid Policy: Invalid JSON.", status=400
        ) from None
    if not isinstance(document, dict) or "expiration" not in document:
        raise ServiceError(
            "InvalidPolicyDocument",
            "Invalid Policy: Policy missing expiration.",
            status=400,
        )
    return document


def _invalid_policy(why: str) -> ServiceError:
    return ServiceError("InvalidPolicyDocument", f"Invalid Policy: {why}", status=400)


def _check_policy(document: Mapping[str, Any], form: Form, bucket: str, now: datetime) -> None:
    """Expiration, then every condition, then that every form field is one a condition
    names (sigv4-HTTPPOSTConstructPolicy.html)."""
    try:
        expires = datetime.fromisoformat(str(document["expiration"]).replace("Z", "+00:00"))
    except ValueError:
        raise _invalid_policy("Invalid 'expiration' value.") from None
    if expires.tzinfo is None:  # the policy's times are GMT (sigv4-HTTPPOSTConstructPolicy)
        expires = expires.replace(tzinfo=UTC)
    if now >= expires:
        raise _denied("Invalid according to Policy: Policy expired.")
    values = {**form.fields, "bucket": bucket}
    named: set[str] = set()
    size = len(form.file or b"")
    conditions = document.get("conditions") or []
    if not isinstance(conditions, list):
        raise _invalid_policy("Invalid 'conditions' value.")
    for condition in conditions:
        if isinstance(condition, dict):
            for field, value in condition.items():
                named.add(field.lower())
                if values.get(field.lower()) != value:
                    raise _condition_failed(["eq", f"${field}", value])
            continue
        if not isinstance(condition, list) or len(condition) != 3:
            raise _invalid_policy(
                "Invalid Simple-Condition: Simple-Conditions must have exactly one property "
                "specified."
            )
        operator = str(condition[0]).lower()
        if operator == "content-length-range":
            try:
                low, high = int(condition[1]), int(condition[2])
            except (TypeError, ValueError):
                raise _invalid_policy(
                    "Invalid content-length-range: bounds must be integers."
                ) from None
            if size > high:
                raise ServiceError(
                    "EntityTooLarge",
                    "Your proposed upload exceeds the maximum allowed size",
                    status=400,
                    fields={"ProposedSize": size, "MaxSizeAllowed": high},
                )
            if size < low:
                raise ServiceError(
                    "EntityTooSmall",
                    "Your proposed upload is smaller than the minimum allowed size",
                    status=400,
                    fields={"ProposedSize": size, "MinSizeAllowed": low},
                )
            continue
        field = str(condition[1]).lstrip("$").lower()
        named.add(field)
        value = values.get(field, "")
        expected = str(condition[2])
        if operator == "eq" and value == expected:
            continue
        if operator == "starts-with" and (
            value.startswith(expected)
            or (
                field == "content-type"
                and all(v.strip().startswith(expected) for v in value.split(","))
            )
        ):
            continue
        raise _condition_failed(condition)
    extra = [
        name
        for name in form.fields
        if name not in named and name not in _UNCHECKED and not name.startswith("x-ignore-")
    ]
    if extra:
        raise _denied(f"Invalid according to Policy: Extra input fields: {', '.join(extra)}")


async def serve(state: S3State, request: HttpRequest, call: SurfaceCall) -> HttpResponse:
    """One browser upload: the object written, then S3's success answer."""
    bucket = virtual_host_bucket(request) or request.path.strip("/").split("/")[0]
    state.bucket(bucket)
    if request.body_too_large:
        # The HTTP server's buffered cap (10 MB, http.server.MAX_BODY_BYTES), well below
        # S3's 5 GB: the form was dropped unread. S3's answer to an upload past its size
        # limit. https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html#ErrorCodeList
        raise ServiceError(
            "EntityTooLarge",
            "Your proposed upload exceeds the maximum allowed size",
            status=400,
            fields={"MaxSizeAllowed": MAX_BODY_BYTES},
        )
    form = read_form(request)
    if form.file is None:
        raise error.invalid_argument(
            "POST requires exactly one file upload per request.", "file", 0
        )
    if "key" not in form.fields:
        raise error.invalid_argument(
            "Bucket POST must contain a field named 'key'.  If it is specified, please check "
            "the order of the fields.",
            "key",
            "",
        )
    # "${filename}" in the key is the name of the file the user chose.
    form.fields["key"] = form.fields["key"].replace("${filename}", form.filename)
    access_key = _check_signature(form, call)
    if "policy" in form.fields:
        _check_policy(_policy(form.fields["policy"]), form, bucket, call.now)
    key = form.fields["key"]
    params: dict[str, Any] = {"Bucket": bucket, "Key": key, "Body": form.file}
    call.check_access(access_key, "PutObject", params)
    for field, member in _CONTENT.items():
        if field in form.fields:
            params[member] = form.fields[field]
    if "Expires" in params:  # an HTTP date, as the Expires header of a PUT
        try:
            params["Expires"] = parsedate_to_datetime(params["Expires"])
        except (TypeError, ValueError):
            del params["Expires"]
    metadata = {
        k[len("x-amz-meta-") :]: v for k, v in form.fields.items() if k.startswith("x-amz-meta-")
    }
    if metadata:
        params["Metadata"] = metadata
    context = AwsRequestContext(
        service="s3",
        operation="PostObject",
        region=call.region,
        account_id=call.account_id,
        request_id=call.request_id,
        access_key=access_key,
        source_ip=request.client,
    )
    output = await obj.put_object(state, context, params)
    found = state.bucket(bucket)
    created = event.created(state, found, "ObjectCreated:Post", key)
    if created is not None:
        await event.publish(state, context, found, created)
    return _answer(request, form, bucket, key, output, call.request_id)


def _answer(
    request: HttpRequest,
    form: Form,
    bucket: str,
    key: str,
    output: Mapping[str, Any],
    request_id: str,
) -> HttpResponse:
    """success_action_redirect: 303 to it with bucket, key and etag in the query;
    success_action_status 200 / 201 (a PostResponse document) / 204 (the default)."""
    etag = str(output["ETag"])
    host = request.header("Host") or "localhost"
    path = f"/{quote(key)}" if virtual_host_bucket(request) else f"/{bucket}/{quote(key)}"
    location = f"http://{host}{path}"
    headers = [
        *request_headers(request_id),
        (b"ETag", etag.encode()),
        (b"Location", location.encode()),
    ]
    if output.get("VersionId"):
        headers.append((b"x-amz-version-id", str(output["VersionId"]).encode()))
    redirect = form.fields.get("success_action_redirect") or form.fields.get("redirect")
    if redirect:
        query = urlencode({"bucket": bucket, "key": key, "etag": etag})
        target = f"{redirect}{'&' if '?' in redirect else '?'}{query}"
        return HttpResponse(303, [*headers[:-1], (b"Location", target.encode())], b"")
    status = form.fields.get("success_action_status")
    if status == "201":
        document = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<PostResponse>'
            f"<Location>{escape(location)}</Location><Bucket>{escape(bucket)}</Bucket>"
            f"<Key>{escape(key)}</Key><ETag>{escape(etag)}</ETag></PostResponse>"
        )
        return HttpResponse(
            201, [*headers, (b"Content-Type", b"application/xml")], document.encode()
        )
    return HttpResponse(200 if status == "200" else 204, headers, b"")
