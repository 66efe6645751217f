"""Who signed a request: SigV4 checks with the credential store, failures worded per
protocol as AWS words them.

https://docs.aws.amazon.com/lambda/latest/api/CommonErrors.html (json/rest-json services)
https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html (query services)
https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html (S3)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import unquote

from lamina.aws.credentials import CredentialStore
from lamina.aws.service import ServiceError
from lamina.aws.sigv4 import Signature, SignatureProblem, verify

_INVALID_TOKEN = "The security token included in the request is invalid."

# (protocol family, problem kind) -> (code, status)
_CODES: dict[tuple[str, str], tuple[str, int]] = {
    ("json", SignatureProblem.MISMATCH): ("InvalidSignatureException", 403),
    ("json", SignatureProblem.EXPIRED): ("InvalidSignatureException", 403),
    ("json", SignatureProblem.INCOMPLETE): ("IncompleteSignatureException", 400),
    ("json", "unknown-key"): ("UnrecognizedClientException", 403),
    ("json", "missing"): ("MissingAuthenticationTokenException", 403),
    ("query", SignatureProblem.MISMATCH): ("SignatureDoesNotMatch", 403),
    ("query", SignatureProblem.EXPIRED): ("SignatureDoesNotMatch", 403),
    ("query", SignatureProblem.INCOMPLETE): ("IncompleteSignature", 400),
    ("query", "unknown-key"): ("InvalidClientTokenId", 403),
    ("query", "missing"): ("MissingAuthenticationToken", 403),
    ("s3", SignatureProblem.MISMATCH): ("SignatureDoesNotMatch", 403),
    ("s3", SignatureProblem.EXPIRED): ("RequestTimeTooSkewed", 403),
    ("s3", SignatureProblem.INCOMPLETE): ("AuthorizationHeaderMalformed", 400),
    ("s3", "unknown-key"): ("InvalidAccessKeyId", 403),
    ("s3", "missing"): ("AccessDenied", 403),
    # Temporary credentials past their expiry, or a session token that is not theirs.
    # https://docs.aws.amazon.com/awsconsolehelpdocs/latest/gsg/common-errors.html
    ("json", "expired-token"): ("ExpiredTokenException", 403),
    ("query", "expired-token"): ("ExpiredToken", 403),
    ("s3", "expired-token"): ("ExpiredToken", 400),
    ("json", "bad-token"): ("UnrecognizedClientException", 403),
    ("query", "bad-token"): ("InvalidClientTokenId", 403),
    ("s3", "bad-token"): ("InvalidToken", 400),
}


def family(protocol: str, service: str) -> str:
    if service == "s3":
        return "s3"
    return "query" if protocol in ("query", "ec2") else "json"


def auth_error(protocol: str, service: str, kind: str, message: str) -> ServiceError:
    which = family(protocol, service)
    code, status = _CODES[(which, kind)]
    if which == "s3" and kind == SignatureProblem.EXPIRED and message == "Request has expired":
        code = "AccessDenied"  # an expired presigned S3 URL
    return ServiceError(code, message, status=status)


def authenticate(
    claim: Signature | None,
    request: Any,
    store: CredentialStore,
    *,
    protocol: str,
    service: str,
    now: datetime,
) -> str | None:
    """The access key the request was signed with, None when unsigned; raises ServiceError."""
    if claim is None:
        return None
    secret = store.secret(claim.access_key)
    if secret is None:
        if store.strict:
            message = _INVALID_TOKEN
            if service == "s3":
                message = "The AWS Access Key Id you provided does not exist in our records."
            raise auth_error(protocol, service, "unknown-key", message)
        return claim.access_key
    try:
        verify(request, claim, secret, now=now, s3=service == "s3")
    except SignatureProblem as problem:
        raise auth_error(protocol, service, problem.kind, problem.message) from problem
    _check_session(request, claim.access_key, store, protocol, service, now)
    return claim.access_key


def _check_session(
    request: Any,
    access_key: str,
    store: CredentialStore,
    protocol: str,
    service: str,
    now: datetime,
) -> None:
    """Temporary credentials work only with their own session token, until they expire."""
    identity = store.known_identity(access_key)
    if identity is None or identity.session_token is None or identity.any_token:
        return
    token = request.header("x-amz-security-token") or _query_token(request.query_string)
    if token != identity.session_token:
        if service == "s3":
            raise auth_error(
                protocol,
                service,
                "bad-token",
                "The provided token is malformed or otherwise invalid.",
            )
        raise auth_error(protocol, service, "bad-token", _INVALID_TOKEN)
    if identity.expires is not None and identity.expires <= now.timestamp():
        message = "The security token included in the request is expired"
        if service == "s3":
            message = "The provided token has expired."
        raise auth_error(protocol, service, "expired-token", message)


def _query_token(query_string: str) -> str | None:
    for pair in query_string.split("&"):
        name, _, value = pair.partition("=")
        if name == "X-Amz-Security-Token":
            return unquote(value)
    return None


def requires_auth(operation: Any) -> bool:
    """False for operations the model marks anonymous (Cognito's SignUp, STS's
    AssumeRoleWithWebIdentity): `authtype: none` or `auth: [smithy.api#noAuth]`."""
    if operation.auth_type == "none":
        return False
    return "smithy.api#noAuth" not in (operation.auth or [])
