"""Execution roles: the temporary credentials Lambda gives each execution environment of
a function, as its role's session.

"When you invoke your function, Lambda automatically provides your function with
temporary credentials by assuming this role" and "the role's trust policy must specify
the Lambda service principal (lambda.amazonaws.com) as a trusted service."
https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
The session is named after the function (`arn:aws:sts::{account}:assumed-role/{role}/{function}`)
and each environment gets its own keys when it starts, as each concurrent Lambda
environment has its own set.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from lamina.aws.authorize import request_context
from lamina.aws.credentials import (
    ALLOW_ALL,
    AssumableRole,
    CredentialStore,
    Identity,
    derived_principal_id,
    issue_temporary,
)
from lamina.aws.policy import Decision, PolicyRequest, evaluate

LAMBDA_PRINCIPAL = "lambda.amazonaws.com"
SESSION_S = 12 * 3600
"""How long an environment's credentials are valid. AWS does not publish it (its
environments are recycled "every few hours"); 12 hours is the longest session IAM allows
a role (MaxSessionDuration 43,200 s). [choice]
https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html"""
UNNAMED_ROLE = "lamina-function"
"""The role name of a function declared without a Role (its policies are unknown)."""


class ExecutionRoles:
    """Which role each function runs as, and fresh credentials of it per environment."""

    def __init__(
        self,
        store: CredentialStore,
        roles: Iterable[AssumableRole],
        *,
        account_id: str,
        clock: Callable[[], float] = time.time,
        session_s: float = SESSION_S,
    ) -> None:
        self._store = store
        self._account = account_id
        self._clock = clock
        self.session_s = session_s
        self._roles: dict[str, AssumableRole] = {}
        self.enforce = False
        """Whether callers need iam:PassRole to give a function a role (IAM enforced)."""
        self.use_roles(roles)

    def use_roles(self, roles: Iterable[AssumableRole]) -> None:
        """The roles a (re)deployed template declares."""
        self._roles = {role.arn: role for role in roles}

    def known(self, role_arn: str) -> AssumableRole | None:
        return self._roles.get(role_arn)

    def trusts_lambda(self, role: AssumableRole) -> bool:
        return lambda_may_assume(role)

    def may_pass(
        self, access_key: str | None, role_arn: str, *, source_ip: str = ""
    ) -> Identity | None:
        """The caller, when IAM is enforced and its policies do not allow iam:PassRole on
        the role; None when it may pass it (the account root, or IAM not enforced).
        Conditions see the caller's keys and iam:PassedToService (lambda.amazonaws.com),
        which the PassRole policies AWS recommends test.
        https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
        https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService"""
        if not self.enforce or access_key is None:
            return None
        caller = self._store.known_identity(access_key)
        if caller is None:
            return None  # the account root
        context = request_context(caller, source_ip=source_ip)
        context["iam:passedtoservice"] = LAMBDA_PRINCIPAL
        asked = PolicyRequest(
            action="iam:PassRole",
            resource=role_arn,
            principal=caller.arn,
            context=context,
            lowered=True,
        )
        return None if evaluate(caller.statements, asked) is Decision.ALLOW else caller

    def issue(self, function_name: str, role_arn: str) -> Identity:
        """New credentials for one environment of `function_name`, valid `session_s`."""
        role = self._roles.get(role_arn)
        name = role_arn.rsplit("/", 1)[-1] if role_arn else UNNAMED_ROLE
        tags: dict[str, str] = {}
        if role is None:
            # A role Lamina does not know (from outside the template, or none at all): its
            # policies are unknown, so it may do anything here. [choice]
            role_id, statements = derived_principal_id("AROA", role_arn or name), ALLOW_ALL
        else:
            role_id, statements, tags = role.role_id, role.statements, role.tags
        now = self._clock()
        return issue_temporary(
            self._store,
            arn=f"arn:aws:sts::{self._account}:assumed-role/{name}/{function_name}",
            account_id=self._account,
            principal_id=f"{role_id}:{function_name}",
            statements=statements,
            expires=now + self.session_s,
            now=now,
            tags=tags,
        )

    def credentials(self, function_name: str, role_arn: str) -> tuple[str, str, str]:
        """(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) of a new session."""
        issued = self.issue(function_name, role_arn)
        return issued.access_key, issued.secret_key, issued.session_token or ""


def lambda_may_assume(role: AssumableRole) -> bool:
    """Does the role's trust policy let Lambda (lambda.amazonaws.com) assume it?"""
    asked = PolicyRequest(
        action="sts:AssumeRole", resource=role.arn, principal_service=LAMBDA_PRINCIPAL
    )
    return evaluate(role.trust_statements, asked, check_principal=True) is Decision.ALLOW
