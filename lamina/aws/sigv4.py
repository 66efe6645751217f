"""Signature Version 4 verification, for the Authorization header and presigned URLs.

https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
The canonical request uses the path as the client sent it: most services encode it once
more before signing (double encoding); S3 does not, and its presigned URLs sign
`UNSIGNED-PAYLOAD` where other services sign the body's hash (`s3=True`).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote, unquote

from lamina.aws.error import AwsError
from lamina.http.message import HttpRequest

ALGORITHM = "AWS4-HMAC-SHA256"
MAX_SKEW = timedelta(minutes=15)
MAX_EXPIRES_S = 7 * 24 * 3600
_DATE = "%Y%m%dT%H%M%SZ"


class SignatureProblem(AwsError):
    """Why a signature was refused; `kind` picks the service's error code."""

    MISMATCH = "mismatch"
    EXPIRED = "expired"
    INCOMPLETE = "incomplete"

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class Signature:
    """What a SigV4 request claims: key, scope, signed headers, signature, time."""

    __slots__ = (
        "access_key",
        "date",
        "expires_s",
        "presigned",
        "region",
        "service",
        "signature",
        "signed_headers",
    )

    def __init__(self, credential: str, signed_headers: str, signature: str) -> None:
        parts = credential.split("/")
        if len(parts) != 5 or parts[4] != "aws4_request":
            raise SignatureProblem(SignatureProblem.INCOMPLETE, _MALFORMED_CREDENTIAL)
        self.access_key, self.date, self.region, self.service = parts[:4]
        self.signed_headers = signed_headers.split(";") if signed_headers else []
        self.signature = signature
        self.presigned = False
        self.expires_s = 0

    @property
    def scope(self) -> str:
        return f"{self.date}/{self.region}/{self.service}/aws4_request"


_MALFORMED_CREDENTIAL = "Credential should be scoped to a valid region, service and date."


def read_signature(request: HttpRequest) -> Signature | None:
    """The request's SigV4 claim, None when it carries none."""
    auth = request.header("Authorization")
    if auth is not None and auth.startswith(ALGORITHM + " "):
        fields = {}
        for item in auth[len(ALGORITHM) + 1 :].split(","):
            key, _, value = item.strip().partition("=")
            fields[key] = value
        return Signature(
            fields.get("Credential", ""),
            fields.get("SignedHeaders", ""),
            fields.get("Signature", ""),
        )
    if "X-Amz-Credential=" not in request.query_string:
        return None
    query = dict(parse_qsl(request.query_string, keep_blank_values=True))
    if query.get("X-Amz-Algorithm") != ALGORITHM:
        return None
    found = Signature(
        query.get("X-Amz-Credential", ""),
        query.get("X-Amz-SignedHeaders", ""),
        query.get("X-Amz-Signature", ""),
    )
    found.presigned = True
    expires = query.get("X-Amz-Expires", "")
    found.expires_s = int(expires) if expires.isdigit() else MAX_EXPIRES_S
    return found


def verify(request: HttpRequest, claim: Signature, secret: str, *, now: datetime, s3: bool) -> None:
    """Raise SignatureProblem unless `claim` is a valid signature of `request` by `secret`."""
    text, stamp = _request_time(request, claim)
    _check_time(claim, stamp, now)
    canonical = canonical_request(request, claim, s3=s3)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"{ALGORITHM}\n{text}\n{claim.scope}\n{digest}"
    key = signing_key(secret, claim.date, claim.region, claim.service)
    expected = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    # As bytes: compare_digest raises TypeError on a str with non-ASCII characters.
    if not hmac.compare_digest(expected.encode(), claim.signature.encode()):
        raise SignatureProblem(
            SignatureProblem.MISMATCH,
            "The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method. "
            "Consult the service documentation for details.",
        )


@functools.lru_cache(maxsize=1024)
def signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The derived key, the same for a secret, day, Region and service: derived once
    (four HMACs) and reused, as SDKs cache it.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html"""
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


def _request_time(request: HttpRequest, claim: Signature) -> tuple[str, datetime]:
    """X-Amz-Date as sent (`YYYYMMDDTHHMMSSZ`, what the string to sign repeats) and as a
    time; read by hand, as strptime costs several times more on every signed request."""
    if claim.presigned:
        text = dict(parse_qsl(request.query_string)).get("X-Amz-Date")
    else:
        text = request.header("X-Amz-Date")
    try:
        if text is None or len(text) != 16 or text[8] != "T" or text[15] != "Z":
            raise ValueError(text)
        stamp = datetime(
            int(text[0:4]),
            int(text[4:6]),
            int(text[6:8]),
            int(text[9:11]),
            int(text[11:13]),
            int(text[13:15]),
            tzinfo=UTC,
        )
        return text, stamp
    except ValueError as exc:
        raise SignatureProblem(
            SignatureProblem.INCOMPLETE, "Authorization header requires existence of X-Amz-Date."
        ) from exc


def _check_time(claim: Signature, stamp: datetime, now: datetime) -> None:
    if claim.presigned:
        # https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html
        if now > stamp + timedelta(seconds=min(claim.expires_s, MAX_EXPIRES_S)):
            raise SignatureProblem(SignatureProblem.EXPIRED, "Request has expired")
        return
    if abs(now - stamp) > MAX_SKEW:
        earliest = (now - MAX_SKEW).strftime(_DATE)
        raise SignatureProblem(
            SignatureProblem.EXPIRED,
            f"Signature expired: {stamp.strftime(_DATE)} is now earlier than {earliest} "
            f"({now.strftime(_DATE)} - 15 min.)",
        )


def canonical_request(request: HttpRequest, claim: Signature, *, s3: bool) -> str:
    path = request.path or "/"
    if not s3:
        path = quote(path, safe="/~")
    headers = _canonical_headers(request, claim.signed_headers)
    payload = _payload_hash(request, claim, s3)
    query = _canonical_query(request.query_string, claim.presigned)
    signed = ";".join(claim.signed_headers)
    return f"{request.method}\n{path}\n{query}\n{headers}\n\n{signed}\n{payload}"


def _canonical_query(query_string: str, presigned: bool) -> str:
    pairs = []
    for pair in filter(None, query_string.split("&")):
        key, _, value = pair.partition("=")
        key, value = unquote(key), unquote(value)
        if presigned and key == "X-Amz-Signature":
            continue
        pairs.append((quote(key, safe="-_.~"), quote(value, safe="-_.~")))
    return "&".join(f"{key}={value}" for key, value in sorted(pairs))


def _canonical_headers(request: HttpRequest, names: list[str]) -> str:
    values: dict[str, list[str]] = {name: [] for name in names}
    for name, value in request.headers:
        found = values.get(name.lower())
        if found is not None:
            found.append(" ".join(value.split()))
    return "\n".join(f"{name}:{','.join(values[name])}" for name in names)


def _payload_hash(request: HttpRequest, claim: Signature, s3: bool) -> str:
    declared = request.header("X-Amz-Content-SHA256")
    if declared is not None:
        # S3 compares the body with the declared hash itself, as the body is read
        # (rest_xml.check_payload_hash, payload.StreamedPayload): each body hashed once.
        if (
            not s3
            and len(declared) == 64
            and declared.lower() != hashlib.sha256(request.body).hexdigest()
        ):
            # A signed hash that is not the body's: the body was changed after signing.
            raise SignatureProblem(
                SignatureProblem.MISMATCH,
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            )
        return declared
    if claim.presigned and s3:
        return "UNSIGNED-PAYLOAD"
    return hashlib.sha256(request.body).hexdigest()
