"""The execution role a CreateFunction / UpdateFunctionConfiguration gives a function:
Lambda must be able to assume it, and the caller must be allowed to pass it.

"In order for Lambda to properly assume your execution role, the role's trust policy
must specify the Lambda service principal (lambda.amazonaws.com) as a trusted service."
https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html
"To pass a role (and its permissions) to an AWS service, a user must have permissions to
pass the role to the service" (iam:PassRole).
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html
https://docs.aws.amazon.com/lambda/latest/dg/security_iam_troubleshoot.html
"""

from __future__ import annotations

from lamina.aws.service import AwsRequestContext, OperationInput, ServiceError
from lamina.services.lambda_.error import invalid
from lamina.services.lambda_.state import LambdaState

CANNOT_ASSUME = "The role defined for the function cannot be assumed by Lambda."
"""InvalidParameterValueException's message for a role whose trust policy leaves Lambda
out, as Lambda and CloudFormation users report it (not on a documentation page)."""


def check_role(state: LambdaState, ctx: AwsRequestContext, params: OperationInput) -> None:
    """Raise unless the call's Role may be the function's execution role. A role Lamina
    does not know (no IAM API makes roles here) is accepted. [choice]"""
    roles = state.execution_roles
    if "Role" not in params or roles is None:
        return
    arn = str(params["Role"])
    caller = roles.may_pass(ctx.access_key, arn, source_ip=ctx.source_ip)
    if caller is not None:
        raise ServiceError(
            "AccessDeniedException",
            f"User: {caller.arn} is not authorized to perform: iam:PassRole on resource: {arn}",
            status=403,
        )
    role = roles.known(arn)
    if role is not None and not roles.trusts_lambda(role):
        raise invalid(CANNOT_ASSUME)
