"""S3's legacy query-string authentication (Signature Version 2), which boto3's
`generate_presigned_url` still produces by default: `?AWSAccessKeyId=&Expires=&Signature=`.

https://docs.aws.amazon.com/AmazonS3/latest/userguide/RESTAuthentication.html#RESTAuthenticationQueryStringAuth
StringToSign = VERB \\n Content-MD5 \\n Content-Type \\n Expires \\n CanonicalizedAmzHeaders
CanonicalizedResource, signed with HMAC-SHA1 and sent base64-encoded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime
from urllib.parse import parse_qsl, unquote

from lamina.aws.auth import auth_error
from lamina.aws.credentials import CredentialStore
from lamina.aws.sigv4 import SignatureProblem
from lamina.http.message import HttpRequest

# Query parameters that are part of the canonicalized resource (botocore's list).
SUBRESOURCES = frozenset(
    {
        "accelerate", "acl", "analytics", "cors", "defaultObjectAcl", "delete", "inventory",
        "lifecycle", "location", "logging", "metrics", "notification", "object-lock",
        "partNumber", "policy", "replication", "requestPayment", "response-cache-control",
        "response-content-disposition", "response-content-encoding",
        "response-content-language", "response-content-type", "response-expires", "restore",
        "select", "select-type", "storageClass", "tagging", "torrent", "uploadId", "uploads",
        "versionId", "versioning", "versions", "website",
    }
)  # fmt: skip
_MARKS = ("AWSAccessKeyId=", "Signature=", "Expires=")


class QuerySignature:
    __slots__ = ("access_key", "expires", "signature")

    def __init__(self, access_key: str, expires: str, signature: str) -> None:
        self.access_key = access_key
        self.expires = expires
        self.signature = signature


def read_query_signature(request: HttpRequest) -> QuerySignature | None:
    query = request.query_string
    if not all(mark in query for mark in _MARKS):
        return None
    fields = dict(parse_qsl(query, keep_blank_values=True))
    return QuerySignature(
        fields.get("AWSAccessKeyId", ""), fields.get("Expires", ""), fields.get("Signature", "")
    )


def string_to_sign(request: HttpRequest, claim: QuerySignature, resource_path: str) -> str:
    """`resource_path`: `/bucket/key` as sent (virtual-hosted requests add the bucket)."""
    query = parse_qsl(request.query_string, keep_blank_values=True)
    from_query = {key.lower(): value for key, value in query}
    md5 = request.header("Content-MD5") or from_query.get("content-md5", "")
    content_type = request.header("Content-Type") or from_query.get("content-type", "")
    amz: dict[str, list[str]] = {}
    for name, value in [*request.headers, *query]:
        lowered = name.lower()
        if lowered.startswith("x-amz-"):
            amz.setdefault(lowered, []).append(value.strip())
    headers = "".join(f"{name}:{','.join(amz[name])}\n" for name in sorted(amz))
    subresources = sorted(
        (key, value)
        for key, value in (pair.split("=", 1) if "=" in pair else (pair, None) for pair in
                           filter(None, request.query_string.split("&")))
        if key in SUBRESOURCES
    )  # fmt: skip
    resource = resource_path
    if subresources:
        resource += "?" + "&".join(
            key if value is None else f"{key}={unquote(value)}" for key, value in subresources
        )
    return f"{request.method}\n{md5}\n{content_type}\n{claim.expires}\n{headers}{resource}"


def authenticate_query_v2(
    claim: QuerySignature,
    request: HttpRequest,
    store: CredentialStore,
    *,
    resource_path: str,
    now: datetime,
) -> str:
    """The access key of a valid SigV2 presigned request; raises S3's ServiceError."""
    secret = store.secret(claim.access_key)
    if secret is None:
        if store.strict:
            message = "The AWS Access Key Id you provided does not exist in our records."
            raise auth_error("rest-xml", "s3", "unknown-key", message)
        return claim.access_key
    if not claim.expires.isdigit() or now.timestamp() > int(claim.expires):
        raise auth_error("rest-xml", "s3", SignatureProblem.EXPIRED, "Request has expired")
    text = string_to_sign(request, claim, resource_path)
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
    expected = base64.b64encode(digest).decode()
    if not hmac.compare_digest(expected.encode(), claim.signature.encode()):
        raise auth_error(
            "rest-xml",
            "s3",
            SignatureProblem.MISMATCH,
            "The request signature we calculated does not match the signature you provided. "
            "Check your key and signing method.",
        )
    return claim.access_key
