"""StsProvider: the botocore "sts" service (query protocol): GetCallerIdentity,
GetSessionToken and AssumeRole over Lamina's credential store and the template's roles.

Temporary credentials go into the same credential store the AWS endpoint and the
gateway's AWS_IAM check read, with their session token and expiry.
https://docs.aws.amazon.com/STS/latest/APIReference/welcome.html
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from lamina.aws.authorize import role_arn as session_role
from lamina.aws.credentials import (
    AssumableRole,
    CredentialStore,
    Identity,
    issue_temporary,
    root_identity,
)
from lamina.aws.policy import Decision, PolicyRequest, evaluate
from lamina.aws.service import (
    AwsRequestContext,
    Handler,
    OperationInput,
    OperationOutput,
    ServiceError,
)

MIN_DURATION_S = 900
SESSION_TOKEN_MAX_S = 129_600
SESSION_TOKEN_DEFAULT_S = 43_200
ROOT_SESSION_MAX_S = 3_600
ASSUME_ROLE_DEFAULT_S = 3_600
_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")


class StsProvider:
    def __init__(
        self,
        *,
        credentials: CredentialStore,
        roles: Iterable[AssumableRole],
        account_id: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._credentials = credentials
        self._roles = {role.arn: role for role in roles}
        self._account = account_id
        self._clock = clock
        self._handlers: dict[str, Handler] = {
            "GetCallerIdentity": self._get_caller_identity,
            "GetSessionToken": self._get_session_token,
            "AssumeRole": self._assume_role,
        }

    @property
    def service_name(self) -> str:
        return "sts"

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers

    def _caller(self, ctx: AwsRequestContext) -> Identity:
        if ctx.access_key is None:
            raise ServiceError(
                "MissingAuthenticationToken", "Request is missing Authentication Token", status=403
            )
        # A key the store accepts without knowing it (not strict) acts as the account root.
        found = self._credentials.identity(ctx.access_key, self._account)
        return found or root_identity(ctx.access_key, "", self._account)

    async def _get_caller_identity(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        # https://docs.aws.amazon.com/STS/latest/APIReference/API_GetCallerIdentity.html
        caller = self._caller(ctx)
        return {"UserId": caller.principal_id, "Account": caller.account_id, "Arn": caller.arn}

    async def _get_session_token(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        # https://docs.aws.amazon.com/STS/latest/APIReference/API_GetSessionToken.html
        caller = self._caller(ctx)
        if caller.session_token is not None and not caller.any_token:
            raise ServiceError(
                "AccessDenied", "Cannot call GetSessionToken with session credentials", status=403
            )
        is_root = caller.arn.endswith(":root")
        maximum = ROOT_SESSION_MAX_S if is_root else SESSION_TOKEN_MAX_S
        duration = _duration(params, default=min(SESSION_TOKEN_DEFAULT_S, maximum), maximum=maximum)
        issued = self._issue(
            caller.arn, caller.principal_id, caller.statements, duration, caller.tags
        )
        return {"Credentials": _credentials(issued)}

    async def _assume_role(self, ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
        # https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
        caller = self._caller(ctx)
        role_arn = params["RoleArn"]
        session = params["RoleSessionName"]
        if not _SESSION_NAME.fullmatch(session):
            raise ServiceError(
                "ValidationError",
                f"1 validation error detected: Value '{session}' at 'roleSessionName' failed to "
                "satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*",
                status=400,
            )
        if params.get("Policy") or params.get("PolicyArns"):
            # Session policies narrow the role's permissions; Lamina cannot apply them yet,
            # and ignoring them would grant more than asked.
            raise ServiceError(
                "ValidationError",
                "Session policies (Policy, PolicyArns) are not supported by Lamina yet",
                status=400,
            )
        role = self._roles.get(role_arn)
        denied = ServiceError(
            "AccessDenied",
            f"User: {caller.arn} is not authorized to perform: sts:AssumeRole on resource: "
            f"{role_arn}",
            status=403,
        )
        if role is None:
            raise denied
        # A trust policy naming a role names that role's sessions too (role chaining).
        asked = PolicyRequest(
            action="sts:AssumeRole",
            resource=role_arn,
            principal=caller.arn,
            role_arn=session_role(caller),
        )
        trusted = evaluate(role.trust_statements, asked, check_principal=True) is Decision.ALLOW
        allowed = evaluate(caller.statements, asked) is Decision.ALLOW
        if not (trusted and allowed):
            raise denied
        if session_role(caller) is not None and int(params.get("DurationSeconds") or 0) > 3600:
            # "Role chaining limits your AWS CLI or AWS API role session to a maximum of one
            # hour ... if you assume a role using role chaining and provide a DurationSeconds
            # parameter value greater than one hour, the operation fails."
            # https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html
            raise ServiceError(
                "ValidationError",
                "The requested DurationSeconds exceeds the 1 hour session limit for roles "
                "assumed by role chaining.",
                status=400,
            )
        if params.get("DurationSeconds") and int(params["DurationSeconds"]) > role.max_session_s:
            raise ServiceError(
                "ValidationError",
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
                status=400,
            )
        duration = _duration(params, default=ASSUME_ROLE_DEFAULT_S, maximum=role.max_session_s)
        name = role_arn.rsplit("/", 1)[-1]
        arn = f"arn:aws:sts::{self._account}:assumed-role/{name}/{session}"
        user_id = f"{role.role_id}:{session}"
        issued = self._issue(arn, user_id, role.statements, duration, role.tags)
        return {
            "Credentials": _credentials(issued),
            "AssumedRoleUser": {"AssumedRoleId": user_id, "Arn": arn},
            "PackedPolicySize": 0,
        }

    def _issue(
        self,
        arn: str,
        principal_id: str,
        statements: tuple[dict[str, Any], ...],
        duration_s: int,
        tags: dict[str, str],
    ) -> Identity:
        now = self._clock()
        return issue_temporary(
            self._credentials,
            arn=arn,
            account_id=self._account,
            principal_id=principal_id,
            statements=statements,
            expires=now + duration_s,
            now=now,
            tags=tags,
        )


def _duration(params: OperationInput, *, default: int, maximum: int) -> int:
    duration = int(params.get("DurationSeconds", default))
    if not MIN_DURATION_S <= duration <= maximum:
        raise ServiceError(
            "ValidationError",
            f"1 validation error detected: Value '{duration}' at 'durationSeconds' failed to "
            f"satisfy constraint: Member must have value between {MIN_DURATION_S} and {maximum}",
            status=400,
        )
    return duration


def _credentials(identity: Identity) -> dict[str, Any]:
    assert identity.expires is not None and identity.session_token is not None
    return {
        "AccessKeyId": identity.access_key,
        "SecretAccessKey": identity.secret_key,
        "SessionToken": identity.session_token,
        "Expiration": datetime.fromtimestamp(identity.expires, UTC),
    }
