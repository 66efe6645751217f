"""The AwsServiceCaller AWS service integrations use: a request signed with the execution
role's temporary credentials, answered by Lamina's own AWS endpoint (aws/dispatch.py), which
authenticates it and checks the role's policies as for any client.

API Gateway assumes the role as the service principal apigateway.amazonaws.com: a role whose
trust policy does not allow that cannot be used (500, "Execution failed due to configuration
error"), and neither can a role the application does not define.
https://docs.aws.amazon.com/apigateway/latest/developerguide/integrating-api-with-aws-services-s3.html
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from urllib.parse import quote

from lamina.aws.credentials import AssumableRole, CredentialStore, Identity
from lamina.aws.dispatch import AwsApi
from lamina.aws.error import UnknownServiceModel
from lamina.aws.model import ModelLibrary
from lamina.aws.policy import Decision, PolicyRequest, evaluate
from lamina.aws.sigv4 import ALGORITHM, Signature, canonical_request, signing_key
from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.integrations.aws_service import AwsServiceCall
from lamina.gateway.integrations.http import MAX_RESPONSE_BYTES
from lamina.http.message import HttpRequest, HttpResponse

GATEWAY_SERVICE = "apigateway.amazonaws.com"
# The session name API Gateway's assumed-role ARNs carry.
SESSION_NAME = "BackplaneAssumeRoleSession"
_SESSION_S = 3600
_RENEW_BEFORE_S = 300
_KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_DATE = "%Y%m%dT%H%M%SZ"


class AwsApiCaller:
    """Calls `api` as the integration's role, with credentials minted once per role (and
    renewed before they expire) and kept in `credentials`, the store `api` authenticates with."""

    def __init__(
        self,
        api: AwsApi,
        credentials: CredentialStore,
        roles: Iterable[AssumableRole],
        *,
        region: str,
        account_id: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._api = api
        self._credentials = credentials
        self._roles = {role.arn: role for role in roles}
        self._region = region
        self._account_id = account_id
        self._clock = clock
        self._sessions: dict[str, Identity] = {}
        self._models = ModelLibrary()

    def use_roles(self, roles: Iterable[AssumableRole]) -> None:
        """The application's roles after a reload: added roles can be used from now on; a
        role whose policies or trust changed (or that was removed) is assumed again at its
        next use, so the new permissions apply at once, as IAM evaluates a role's policies
        per request."""
        before, self._roles = self._roles, {role.arn: role for role in roles}
        for arn in list(self._sessions):
            if self._roles.get(arn) != before.get(arn):  # policies or trust changed, or gone
                del self._sessions[arn]

    async def call(self, call: AwsServiceCall) -> tuple[int, list[tuple[str, str]], bytes]:
        identity = self._session(call.role_arn)
        request = self._request(call)
        _sign(request, identity, self._region, call.service)
        answer = await self._api.handle(request)
        headers = [(n.decode("latin-1"), v.decode("latin-1")) for n, v in answer.headers]
        return answer.status, headers, await _whole_body(answer)

    def _session(self, role_arn: str) -> Identity:
        now = self._clock()
        held = self._sessions.get(role_arn)
        if held is not None and held.expires is not None and held.expires - now > _RENEW_BEFORE_S:
            return held
        role = self._roles.get(role_arn)
        asked = PolicyRequest(
            action="sts:AssumeRole", resource=role_arn, principal_service=GATEWAY_SERVICE
        )
        if role is None or (
            evaluate(role.trust_statements, asked, check_principal=True) is not Decision.ALLOW
        ):
            raise GatewayError(
                ResponseType.DEFAULT_5XX,
                "Execution failed due to configuration error: API Gateway does not have "
                f"permission to assume the provided role {role_arn}",
            )
        name = role_arn.rsplit("/", 1)[-1]
        identity = Identity(
            access_key="ASIA" + "".join(secrets.choice(_KEY_CHARS) for _ in range(16)),
            secret_key=base64.b64encode(secrets.token_bytes(30)).decode(),
            arn=f"arn:aws:sts::{self._account_id}:assumed-role/{name}/{SESSION_NAME}",
            account_id=self._account_id,
            principal_id=f"{role.role_id}:{SESSION_NAME}",
            statements=role.statements,
            session_token=base64.b64encode(secrets.token_bytes(96)).decode(),
            expires=now + _SESSION_S,
        )
        self._credentials.add_identity(identity)
        self._sessions[role_arn] = identity
        return identity

    def _request(self, call: AwsServiceCall) -> HttpRequest:
        headers = list(call.headers)
        path = call.path or "/"
        query = call.query
        if call.action is not None:
            try:
                spec = self._models.spec(call.service)
            except UnknownServiceModel as error:
                raise GatewayError(
                    ResponseType.DEFAULT_5XX,
                    f"Execution failed due to configuration error: {error}",
                ) from error
            if spec.protocol == "json" and spec.target_prefix:
                headers = [(n, v) for n, v in headers if n.lower() != "content-type"]
                headers.append(("X-Amz-Target", f"{spec.target_prefix}.{call.action}"))
                headers.append(("Content-Type", f"application/x-amz-json-{spec.json_version}"))
            elif spec.protocol == "query":
                query = "&".join(q for q in (f"Action={quote(call.action)}", query) if q)
            else:
                raise GatewayError(
                    ResponseType.DEFAULT_5XX,
                    f"Execution failed due to configuration error: {call.service} "
                    f"({spec.protocol}) has no actions; use a path URI",
                )
        headers.append(("Host", f"{call.service}.{self._region}.amazonaws.com"))
        return HttpRequest(
            method=call.http_method,
            path=path,
            query_string=query,
            headers=headers,
            body=call.body,
            client="127.0.0.1",
            http_version="1.1",
        )


async def _whole_body(answer: HttpResponse) -> bytes:
    """The answer's body, a streamed one (a large S3 GetObject) read whole up to API
    Gateway's 10 MB payload quota: a larger one is refused without reading the rest, and the
    stream is always closed (an S3 object's file descriptor with it)."""
    stream = answer.stream
    if stream is None:
        return answer.body
    try:
        if stream.length is not None and len(answer.body) + stream.length > MAX_RESPONSE_BYTES:
            raise _too_large()
        body = bytearray(answer.body)
        async for chunk in stream.chunks:
            body += chunk
            if len(body) > MAX_RESPONSE_BYTES:
                raise _too_large()
        return bytes(body)
    finally:
        await stream.aclose()


def _too_large() -> GatewayError:
    return GatewayError(ResponseType.DEFAULT_5XX, "integration response over 10 MB")


def _sign(request: HttpRequest, identity: Identity, region: str, service: str) -> None:
    """Add SigV4 headers for `identity` (what an SDK sends)."""
    now = datetime.now(UTC)
    stamp = now.strftime(_DATE)
    request.headers.append(("X-Amz-Date", stamp))
    request.headers.append(("X-Amz-Content-SHA256", hashlib.sha256(request.body).hexdigest()))
    if identity.session_token:
        request.headers.append(("X-Amz-Security-Token", identity.session_token))
    names = sorted({name.lower() for name, _ in request.headers})
    credential = f"{identity.access_key}/{stamp[:8]}/{region}/{service}/aws4_request"
    claim = Signature(credential, ";".join(names), "")
    canonical = canonical_request(request, claim, s3=service == "s3")
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    to_sign = f"{ALGORITHM}\n{stamp}\n{claim.scope}\n{digest}"
    key = signing_key(identity.secret_key, claim.date, region, service)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    request.headers.append(
        (
            "Authorization",
            f"{ALGORITHM} Credential={credential}, SignedHeaders={';'.join(names)}, "
            f"Signature={signature}",
        )
    )
