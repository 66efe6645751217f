"""Lambda integrations with credentials: API Gateway invokes the function with the
integration's credentials, so their identity policies decide, not the function's resource
policy (no AWS::Lambda::Permission is needed).

- A role ARN: API Gateway assumes the role as apigateway.amazonaws.com. A role the
  application does not define, or whose trust policy does not let API Gateway assume it,
  cannot be used; one whose policies do not allow `lambda:InvokeFunction` on the function
  cannot invoke it. Either answers 500, as AWS does ("Execution failed due to configuration
  error" in the execution log).
  https://docs.aws.amazon.com/apigateway/latest/developerguide/set-up-lambda-proxy-integrations.html
  https://docs.aws.amazon.com/apigateway/latest/developerguide/integration-request-basic-setup.html
- `arn:aws:iam::*:user/*`: the caller's own credentials, passed through from an AWS_IAM
  method; the caller's policies must allow `lambda:InvokeFunction`. A method that is not
  AWS_IAM has no caller credentials to pass (500).
  https://docs.aws.amazon.com/apigateway/latest/api/API_Integration.html

The policies are evaluated with Lamina's IAM policy engine (aws/policy.py), as the AWS
service integrations' calls are (integrations/aws_caller.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from lamina.aws.credentials import AssumableRole, CredentialStore
from lamina.aws.policy import Decision, PolicyRequest, evaluate
from lamina.gateway.error import GatewayError, ResponseType
from lamina.gateway.model import CALLER_CREDENTIALS

GATEWAY_SERVICE = "apigateway.amazonaws.com"
INVOKE_ACTION = "lambda:InvokeFunction"


class InvokeRoles:
    """Decides whether an integration's credentials may invoke a function."""

    def __init__(
        self, roles: Iterable[AssumableRole], credentials: CredentialStore | None = None
    ) -> None:
        self._roles = {role.arn: role for role in roles}
        self._credentials = credentials
        self.enforce = True
        """Whether the identity policies are evaluated (`lamina up --no-iam`
        lets every known role or caller invoke; the role must still trust API Gateway)."""

    def use_roles(self, roles: Iterable[AssumableRole]) -> None:
        """The application's roles after a reload: the new policies apply at once."""
        self._roles = {role.arn: role for role in roles}

    def check(
        self,
        credentials: str,
        function_arn: str,
        *,
        caller_key: str | None,
        context: Mapping[str, str] | None = None,
    ) -> None:
        """Raise the GatewayError API Gateway answers unless `credentials` may invoke
        `function_arn` (qualified when the integration names a version or alias).
        `caller_key`: the access key of an AWS_IAM method's caller (None otherwise);
        `context`: the request's global condition keys, which the caller's policies are
        evaluated with."""
        if credentials == CALLER_CREDENTIALS:
            self._check_caller(caller_key, function_arn, context or {})
            return
        role = self._roles.get(credentials)
        assume = PolicyRequest(
            action="sts:AssumeRole", resource=credentials, principal_service=GATEWAY_SERVICE
        )
        if role is None or (
            evaluate(role.trust_statements, assume, check_principal=True) is not Decision.ALLOW
        ):
            raise _configuration_error(
                f"API Gateway does not have permission to assume the provided role {credentials}"
            )
        if self.enforce and not _allows(role.statements, function_arn):
            raise _configuration_error(
                f"Invalid permissions on Lambda function: role {credentials} is not allowed "
                f"{INVOKE_ACTION} on {function_arn}"
            )

    def _check_caller(
        self, caller_key: str | None, function_arn: str, context: Mapping[str, str]
    ) -> None:
        if caller_key is None:
            raise _configuration_error(
                f"integration credentials {CALLER_CREDENTIALS} pass the caller's credentials "
                "through, and only an AWS_IAM method has them"
            )
        caller = None if self._credentials is None else self._credentials.known_identity(caller_key)
        if caller is None:  # a plain key pair: the account root, which may do anything
            return
        # The principal keys as the execute-api check sets them (auth/iam.py policy_context).
        keys = {
            **context,
            "aws:PrincipalArn": caller.arn,
            "aws:PrincipalAccount": caller.account_id,
            "aws:userid": caller.principal_id,
        }
        if self.enforce and not _allows(
            caller.statements, function_arn, principal=caller.arn, context=keys
        ):
            raise _configuration_error(
                f"Invalid permissions on Lambda function: {caller.arn} is not allowed "
                f"{INVOKE_ACTION} on {function_arn}"
            )


def function_arn(region: str, account_id: str, name: str, qualifier: str | None) -> str:
    """The ARN Lambda authorizes an invocation of `name` (and `qualifier`) against."""
    arn = f"arn:aws:lambda:{region}:{account_id}:function:{name}"
    return f"{arn}:{qualifier}" if qualifier else arn


def _allows(
    statements: Iterable[Mapping[str, Any]],
    resource: str,
    *,
    principal: str | None = None,
    context: Mapping[str, str] | None = None,
) -> bool:
    asked = PolicyRequest(
        action=INVOKE_ACTION, resource=resource, principal=principal, context=context
    )
    return evaluate(statements, asked) is Decision.ALLOW


def _configuration_error(detail: str) -> GatewayError:
    return GatewayError(
        ResponseType.DEFAULT_5XX, f"Execution failed due to configuration error: {detail}"
    )
