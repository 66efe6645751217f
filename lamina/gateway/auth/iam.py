"""AWS_IAM authorization: verify the request's SigV4 signature (service `execute-api`)
against Lamina's credential store, then evaluate the caller's identity policies for
`execute-api:Invoke` on the method ARN.

https://docs.aws.amazon.com/apigateway/latest/developerguide/permissions.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html
The failures answer as API Gateway does (REST; HTTP APIs answer 403 `Forbidden` for all):
no signature → MISSING_AUTHENTICATION_TOKEN; unknown key or wrong session token →
`The security token included in the request is invalid.` (UnrecognizedClientException);
signature mismatch → the message with the canonical request and string to sign
(InvalidSignatureException); date outside ±15 minutes → `Signature expired: ...` /
`Signature not yet current: ...`; a policy that does not allow → ACCESS_DENIED
`User: {arn} is not authorized to perform: execute-api:Invoke on resource: {arn}`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl

from lamina.aws.credentials import CredentialStore, Identity
from lamina.aws.policy import Decision, PolicyRequest, evaluate
from lamina.aws.sigv4 import (
    ALGORITHM,
    MAX_SKEW,
    Signature,
    SignatureProblem,
    canonical_request,
    read_signature,
    verify,
)
from lamina.gateway.error import ApiKind, GatewayError, ResponseType
from lamina.gateway.events.v1 import V1Target
from lamina.gateway.private import endpoint_keys
from lamina.http.message import HttpRequest

if TYPE_CHECKING:
    from lamina.gateway.context import RequestContext
    from lamina.gateway.model import Authorizer

INVOKE = "execute-api:Invoke"
SIGNING_NAME = "execute-api"
_DATE = "%Y%m%dT%H%M%SZ"
_INVALID_TOKEN = "The security token included in the request is invalid."
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


class IamCheck:
    """The AWS_IAM `Check`. The Authorize stage also calls its steps one by one
    (authenticate, then decide) to combine the identity policy with a resource policy."""

    def __init__(
        self, credentials: CredentialStore, *, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self._credentials = credentials
        self._clock = clock

    async def __call__(self, ctx: RequestContext, authorizer: Authorizer | None) -> None:
        """Without a resource policy (HTTP APIs, REST APIs with none): the identity policy
        alone, and only for callers of the API owner's account; another account's caller
        needs the resource policy to allow as well (Table B of
        https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-authorization-flow.html)."""
        identity = self.authenticate(ctx)
        decision = self.decide(identity, ctx)
        if decision is Decision.ALLOW and identity.account_id != ctx.deployment.account_id:
            decision = Decision.IMPLICIT_DENY
        if decision is not Decision.ALLOW:
            raise denied(ctx, identity.arn, explicit=decision is Decision.EXPLICIT_DENY)
        self.admit(ctx, identity)

    def authenticate(self, ctx: RequestContext) -> Identity:
        """The caller the request's signature proves, or the GatewayError AWS answers."""
        request = _signed_request(ctx)
        try:
            claim = read_signature(request)
        except SignatureProblem as problem:
            raise _refused(ctx, ResponseType.INVALID_SIGNATURE, problem.message, problem) from None
        if claim is None:
            raise _unsigned(ctx, request)
        if claim.service != SIGNING_NAME:
            message = f"Credential should be scoped to correct service: '{SIGNING_NAME}'. "
            raise _refused(ctx, ResponseType.INVALID_SIGNATURE, message, "wrong service")
        identity = self._credentials.identity(claim.access_key, ctx.deployment.account_id)
        if identity is None or not _token_accepted(identity, _session_token(request, claim)):
            raise _refused(ctx, ResponseType.INVALID_SIGNATURE, _INVALID_TOKEN, "unrecognized")
        now = self._clock()
        _check_not_future(ctx, request, claim, now)
        try:
            verify(request, claim, identity.secret_key, now=now, s3=False)
        except SignatureProblem as problem:
            message = problem.message
            if problem.kind == SignatureProblem.MISMATCH and message == _MISMATCH:
                message = _mismatch_message(request, claim)
            raise _refused(ctx, ResponseType.INVALID_SIGNATURE, message, problem) from None
        return identity

    def decide(self, identity: Identity, ctx: RequestContext) -> Decision:
        """The caller's identity policies on `execute-api:Invoke` for the method ARN."""
        request = PolicyRequest(
            action=INVOKE,
            resource=ctx.source_arn,
            principal=identity.arn,
            context=policy_context(ctx, identity),
        )
        return evaluate(identity.statements, request)

    @staticmethod
    def admit(ctx: RequestContext, identity: Identity) -> None:
        """The caller's fields in the event: REST / payload 1.0 `requestContext.identity`;
        HTTP API payload 2.0 `requestContext.authorizer.iam`.
        https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
        """
        ctx.identity.update(
            {
                "accessKey": identity.access_key,
                "accountId": identity.account_id,
                "caller": identity.principal_id,
                "user": identity.principal_id,
                "userArn": identity.arn,
            }
        )
        if ctx.kind is ApiKind.HTTP and not isinstance(ctx.target, V1Target):
            ctx.authorizer = {
                "iam": {
                    "accessKey": identity.access_key,
                    "accountId": identity.account_id,
                    "callerId": identity.principal_id,
                    "cognitoIdentity": None,
                    "principalOrgId": None,
                    "userArn": identity.arn,
                    "userId": identity.principal_id,
                }
            }


def policy_context(ctx: RequestContext, identity: Identity | None) -> dict[str, str]:
    """The global condition keys Lamina knows for a gateway request.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html
    (through a VPC endpoint: aws:SourceVpce, aws:SourceVpc and aws:VpcSourceIp instead of
    aws:SourceIp, gateway/private.py; the evaluator adds aws:CurrentTime)."""
    endpoint = ctx.address.endpoint if ctx.address is not None else None
    context = {
        # Whether the request came over TLS: always on AWS (execute-api is HTTPS only),
        # here with `lamina up --tls` or a custom domain's certificate.
        "aws:SecureTransport": "false" if ctx.request.tls is None else "true",
        "aws:EpochTime": str(ctx.request.time_epoch_ms // 1000),
    }
    if endpoint is None:
        context["aws:SourceIp"] = ctx.request.source_ip
    else:
        context.update(endpoint_keys(endpoint, ctx.request.source_ip))
    user_agent = ctx.request.header("user-agent")
    if user_agent is not None:
        context["aws:UserAgent"] = user_agent
    if identity is not None:
        context["aws:PrincipalArn"] = identity.arn
        context["aws:PrincipalAccount"] = identity.account_id
        context["aws:userid"] = identity.principal_id
    return context


def denied(ctx: RequestContext, caller: str, *, explicit: bool) -> GatewayError:
    """ACCESS_DENIED naming the caller ("anonymous" when unsigned) and the method ARN with
    the owner's account masked to its last four digits, as captured from AWS:
    {"Message":"User: anonymous is not authorized to perform: execute-api:Invoke on
    resource: arn:aws:execute-api:us-west-2:********2543:vd2gh6uqw3/api/GET/"}
    (https://github.com/ASFHyP3/hyp3/issues/2283) and "... with an explicit deny" when a
    statement denies.
    """
    message = f"User: {caller} is not authorized to perform: {INVOKE} on resource: "
    message += masked_arn(ctx.source_arn)
    if explicit:
        message += " with an explicit deny"
    return GatewayError(
        ResponseType.ACCESS_DENIED,
        f"{'explicit' if explicit else 'implicit'} deny of {caller} on {ctx.source_arn}",
        message=message,
    )


def masked_arn(arn: str) -> str:
    """`arn:aws:execute-api:{region}:********{last 4 digits}:...`."""
    parts = arn.split(":", 5)
    if len(parts) == 6 and len(parts[4]) > 4:
        parts[4] = "*" * (len(parts[4]) - 4) + parts[4][-4:]
    return ":".join(parts)


def _signed_request(ctx: RequestContext) -> HttpRequest:
    """The request as signed: the path the client sent (the stage included), not the one
    routing left behind."""
    request = ctx.request
    return HttpRequest(
        method=request.method,
        path=ctx.raw_path,
        query_string=request.query_string,
        headers=request.headers,
        body=request.body,
        client=request.source_ip,
        http_version="1.1",
    )


def _session_token(request: HttpRequest, claim: Signature) -> str | None:
    if claim.presigned:
        return dict(parse_qsl(request.query_string, keep_blank_values=True)).get(
            "X-Amz-Security-Token"
        )
    return request.header("X-Amz-Security-Token")


def _token_accepted(identity: Identity, token: str | None) -> bool:
    """Temporary keys need their own token; long-term keys carry none."""
    if identity.any_token:
        return True
    return token == identity.session_token


def _unsigned(ctx: RequestContext, request: HttpRequest) -> GatewayError:
    """No SigV4 at all: MISSING_AUTHENTICATION_TOKEN. An Authorization header of another
    scheme (`Bearer ...`) is an incomplete signature, worded as AWS words it (reported:
    "Authorization header requires 'Credential' parameter. ... Authorization=Bearer ...")."""
    header = request.header("Authorization")
    if header is None or ctx.kind is ApiKind.HTTP:
        return _refused(ctx, ResponseType.MISSING_AUTHENTICATION_TOKEN, None, "unsigned")
    return _refused(
        ctx,
        ResponseType.MISSING_AUTHENTICATION_TOKEN,
        _incomplete_message(request, header),
        "incomplete signature",
        error_type="IncompleteSignatureException",
    )


def _incomplete_message(request: HttpRequest, header: str) -> str:
    fields = header.split(" ", 1)[1] if " " in header else ""
    named = {item.strip().partition("=")[0] for item in fields.split(",")}
    problems = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if name not in named
    ]
    if request.header("X-Amz-Date") is None and request.header("Date") is None:
        problems.append(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
        )
    return " ".join([*problems, f"Authorization={header}"])


def _check_not_future(
    ctx: RequestContext, request: HttpRequest, claim: Signature, now: datetime
) -> None:
    """A date more than 15 minutes ahead (sigv4.verify words both directions as expired;
    AWS words the future one differently)."""
    if claim.presigned:
        return
    text = request.header("X-Amz-Date") or ""
    stamp = _amz_date(text)
    if stamp is None:
        return  # verify() reports the missing date
    if stamp - now > MAX_SKEW:
        message = (
            f"Signature not yet current: {text} is still later than "
            f"{(now + MAX_SKEW).strftime(_DATE)} ({now.strftime(_DATE)} + 15 min.)"
        )
        raise _refused(ctx, ResponseType.INVALID_SIGNATURE, message, "future date")


def _amz_date(text: str) -> datetime | None:
    """`20150830T123600Z`, parsed by hand (strptime cost a fifth of a verification)."""
    if len(text) != 16 or text[8] != "T" or text[15] != "Z":
        return None
    digits = text[:8] + text[9:15]
    if not digits.isdigit():
        return None
    try:
        return datetime(
            int(digits[0:4]),
            int(digits[4:6]),
            int(digits[6:8]),
            int(digits[8:10]),
            int(digits[10:12]),
            int(digits[12:14]),
            tzinfo=UTC,
        )
    except ValueError:
        return None


def _mismatch_message(request: HttpRequest, claim: Signature) -> str:
    """AWS's mismatch message for execute-api quotes what it computed (reported, e.g.
    https://github.com/aws-samples/sigv4-signing-examples/pull/14)."""
    canonical = canonical_request(request, claim, s3=False)
    if claim.presigned:
        stamp = dict(parse_qsl(request.query_string)).get("X-Amz-Date", "")
    else:
        stamp = request.header("X-Amz-Date") or ""
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"{ALGORITHM}\n{stamp}\n{claim.scope}\n{digest}"
    return (
        f"{_MISMATCH}\n\nThe Canonical String for this request should have been\n'{canonical}'"
        f"\n\nThe String-to-Sign should have been\n'{to_sign}'\n"
    )


def _refused(
    ctx: RequestContext,
    response_type: ResponseType,
    message: str | None,
    why: Any,
    *,
    error_type: str | None = None,
) -> GatewayError:
    if error_type is None and message == _INVALID_TOKEN:
        error_type = "UnrecognizedClientException"
    incomplete = isinstance(why, SignatureProblem) and why.kind == SignatureProblem.INCOMPLETE
    if error_type is None and incomplete:
        error_type = "IncompleteSignatureException"
    if ctx.kind is ApiKind.HTTP:
        # HTTP APIs answer every IAM failure with 403 {"message":"Forbidden"}.
        return GatewayError(ResponseType.ACCESS_DENIED, f"AWS_IAM: {message or why}")
    return GatewayError(response_type, f"AWS_IAM: {why}", message=message, error_type=error_type)
