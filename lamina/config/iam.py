"""The IAM identities a template declares, as the gateway's AWS_IAM check needs them: each
access key with its user's ARN, id and identity policies.

Read: AWS::IAM::User (inline `Policies`, `ManagedPolicyArns`), AWS::IAM::AccessKey
(`UserName`, `Status`), AWS::IAM::Policy and AWS::IAM::ManagedPolicy attached to users
(`Users`). The key id and secret are derived from the stack name and the key's logical
id, so they survive restarts; `Ref` gives the id and `Fn::GetAtt Key.SecretAccessKey`
the secret, and `lamina up` prints both.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-user.html
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-accesskey.html
This is the identity data the gateway needs, not the IAM API.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import orjson

from lamina.aws.credentials import (
    ALLOW_ALL,
    AssumableRole,
    Identity,
    derived_key_pair,
    derived_principal_id,
)
from lamina.aws.execution import lambda_may_assume
from lamina.aws.policy import statements_of
from lamina.config.error import ConfigError
from lamina.config.reference import (
    IAM_ACCESS_KEY,
    IAM_MANAGED_POLICY,
    IAM_ROLE,
    IAM_USER,
    LAMBDA_FUNCTION,
    CfnResource,
    iam_arn,
    iam_name,
)
from lamina.config.stack import Stack
from lamina.functions.environment import (
    LOCAL_ACCESS_KEY_ID,
    LOCAL_SECRET_ACCESS_KEY,
    LOCAL_SESSION_TOKEN,
    function_credentials,
)

IAM_POLICY = "AWS::IAM::Policy"
IAM_TYPES = (IAM_USER, IAM_ACCESS_KEY, IAM_POLICY, IAM_MANAGED_POLICY)
"""The IAM resource types read here."""

# AWS-managed policies Lamina knows, with their published content.
# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AdministratorAccess.html
# https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonAPIGatewayInvokeFullAccess.html
AWS_MANAGED: dict[str, tuple[dict[str, Any], ...]] = {
    "AdministratorAccess": ALLOW_ALL,
    "AmazonAPIGatewayInvokeFullAccess": (
        {
            "Effect": "Allow",
            "Action": ["execute-api:Invoke", "execute-api:ManageConnections"],
            "Resource": "arn:aws:execute-api:*:*:*",
        },
    ),
    # What SAM gives every function's role.
    # https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AWSLambdaBasicExecutionRole.html
    "AWSLambdaBasicExecutionRole": (
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*",
        },
    ),
}

_User = tuple[str, str, tuple[dict[str, Any], ...], dict[str, str]]
"""An IAM user: ARN, user id, statements, tags."""

FUNCTION_ROLE = "lamina-function"
"""Who signs with the one key pair Lamina used to hand every function
(LOCAL_ACCESS_KEY_ID): an assumed role that may do anything. Functions now get a key of
their own (function_identities)."""


def build_identities(stack: Stack) -> list[Identity]:
    """An identity per active template access key, then one per function (problems go
    to stack.warnings)."""
    warnings = stack.warnings
    managed = _managed_policies(stack)
    attached = _attached_statements(stack)
    users: dict[str, _User] = {}
    for resource in stack.of_type(IAM_USER):
        with stack.blame(resource.logical_id):
            users[_name(stack, resource, "UserName")] = _user(
                stack, resource, managed, attached, warnings
            )
    identities = []
    for resource in stack.of_type(IAM_ACCESS_KEY):
        with stack.blame(resource.logical_id):
            identity = _access_key(stack, resource, users)
            if identity is not None:
                identities.append(identity)
    return identities + function_identities(stack)


def function_identities(stack: Stack) -> list[Identity]:
    """Each function's own key (lamina.functions.environment.function_credentials) as its
    execution role's session: `arn:aws:sts::{account}:assumed-role/{role}/{function}`, as
    Lambda names the session after the function, with the template role's policies
    (inline `Policies`, `ManagedPolicyArns`, AWS::IAM::Policy `Roles`). A role from outside
    the template may do anything here (its policies are unknown)."""
    account = str(stack.resolver.parameters["AWS::AccountId"])
    declared = build_roles(stack)
    roles = {role.arn: (role.role_id, role.statements) for role in declared}
    untrusting = {role.arn for role in declared if not lambda_may_assume(role)}
    identities = []
    for resource in stack.of_type(LAMBDA_FUNCTION):
        with stack.blame(resource.logical_id):
            name = stack.resources.function_name(resource.logical_id, stack.resolver)
            role_arn = str(stack.prop(resource, "Role") or "")
            if role_arn in untrusting:
                # CloudFormation's CreateFunction would fail with Lambda's
                # InvalidParameterValueException; the function still runs here.
                stack.warnings.append(
                    f"{resource.logical_id}: the trust policy of its role {role_arn} does not "
                    "let lambda.amazonaws.com assume it (on AWS: The role defined for the "
                    "function cannot be assumed by Lambda.)"
                )
            role_name = role_arn.rsplit("/", 1)[-1] or FUNCTION_ROLE
            role_id, statements = roles.get(
                role_arn, (derived_principal_id("AROA", role_arn), ALLOW_ALL)
            )
            key_id, secret, token = function_credentials(name)
            identities.append(
                Identity(
                    access_key=key_id,
                    secret_key=secret,
                    arn=f"arn:aws:sts::{account}:assumed-role/{role_name}/{name}",
                    account_id=account,
                    principal_id=f"{role_id}:{name}",
                    statements=statements,
                    session_token=token,
                )
            )
    return identities


def build_roles(stack: Stack) -> list[AssumableRole]:
    """Template roles: their policies, and who may assume them (for STS AssumeRole).
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-iam-role.html
    """
    managed = _managed_policies(stack)
    attached = _attached_statements(stack, key="Roles")
    roles = []
    for resource in stack.of_type(IAM_ROLE):
        with stack.blame(resource.logical_id):
            name = _name(stack, resource, "RoleName")
            statements = _inline_and_managed(stack, resource, managed, [])
            statements += attached.get(name, [])
            trust = stack.prop(resource, "AssumeRolePolicyDocument")
            if isinstance(trust, str):
                trust = orjson.loads(trust)
            roles.append(
                AssumableRole(
                    arn=iam_arn(resource, stack.resolver, "role", name),
                    role_id=derived_principal_id(
                        "AROA", stack.resources.stack_name, resource.logical_id
                    ),
                    statements=tuple(statements),
                    trust_statements=tuple(dict(s) for s in statements_of(trust)),
                    max_session_s=int(stack.prop(resource, "MaxSessionDuration", 3600)),
                    tags=_tags(stack.prop(resource, "Tags")),
                )
            )
    return roles


def function_identity(account_id: str) -> Identity:
    """Who functions sign as with the key Lamina hands them."""
    return Identity(
        access_key=LOCAL_ACCESS_KEY_ID,
        secret_key=LOCAL_SECRET_ACCESS_KEY,
        arn=f"arn:aws:sts::{account_id}:assumed-role/{FUNCTION_ROLE}/lamina",
        account_id=account_id,
        principal_id=derived_principal_id("AROA", FUNCTION_ROLE) + ":lamina",
        statements=ALLOW_ALL,
        session_token=LOCAL_SESSION_TOKEN,
    )


def _name(stack: Stack, resource: CfnResource, key: str) -> str:
    return iam_name(stack.resources, resource, stack.resolver, key)


def _user(
    stack: Stack,
    resource: CfnResource,
    managed: Mapping[str, tuple[dict[str, Any], ...]],
    attached: Mapping[str, list[dict[str, Any]]],
    warnings: list[str],
) -> _User:
    """(ARN, user id, statements, tags) of one AWS::IAM::User."""
    name = _name(stack, resource, "UserName")
    statements = _inline_and_managed(stack, resource, managed, warnings)
    statements += attached.get(name, [])
    if stack.prop(resource, "Groups"):
        warnings.append(
            f"{resource.logical_id}: IAM groups are not read — their policies do not apply"
        )
    arn = iam_arn(resource, stack.resolver, "user", name)
    user_id = derived_principal_id("AIDA", stack.resources.stack_name, resource.logical_id)
    return arn, user_id, tuple(statements), _tags(stack.prop(resource, "Tags"))


def _tags(tags: object) -> dict[str, str]:
    """A resource's Tags ([{Key, Value}]): its principals' aws:PrincipalTag/{key}."""
    if not isinstance(tags, list):
        return {}
    return {
        str(tag["Key"]): str(tag.get("Value", ""))
        for tag in tags
        if isinstance(tag, dict) and "Key" in tag
    }


def _inline_and_managed(
    stack: Stack,
    resource: CfnResource,
    managed: Mapping[str, tuple[dict[str, Any], ...]],
    warnings: list[str] | None,
) -> list[dict[str, Any]]:
    """A user's or role's inline `Policies` and `ManagedPolicyArns` statements."""
    statements: list[dict[str, Any]] = []
    for policy in stack.prop(resource, "Policies") or []:
        if not isinstance(policy, dict) or "PolicyDocument" not in policy:
            raise ConfigError("each of Policies needs a PolicyDocument")
        statements += _statements(policy["PolicyDocument"])
    for arn in stack.prop(resource, "ManagedPolicyArns") or []:
        found = _managed_policy(str(arn), managed)
        if found is None:
            if warnings is not None:
                warnings.append(
                    f"{resource.logical_id}: managed policy {arn} is unknown to Lamina — "
                    "it grants nothing here"
                )
            continue
        statements += found
    return statements


def _managed_policy(
    arn: str, managed: Mapping[str, tuple[dict[str, Any], ...]]
) -> tuple[dict[str, Any], ...] | None:
    """A template's own managed policy, or an AWS-managed one Lamina knows
    (`arn:aws:iam::aws:policy/{Name}`)."""
    if arn in managed:
        return managed[arn]
    if ":iam::aws:policy/" not in arn:
        return None
    return AWS_MANAGED.get(arn.rsplit("/", 1)[-1])


def _access_key(
    stack: Stack,
    resource: CfnResource,
    users: Mapping[str, _User],
) -> Identity | None:
    """An Inactive key is left out: AWS refuses it as an unknown one."""
    if stack.text(resource, "Status", "Active") != "Active":
        return None
    user = stack.text(resource, "UserName")
    if user not in users:
        raise ConfigError(f"UserName {user!r} is no AWS::IAM::User of this template")
    arn, user_id, statements, tags = users[user]
    key_id, secret = derived_key_pair(
        stack.resources.stack_name, resource.logical_id, secret_seed=stack.resources.secret_seed
    )
    return Identity(
        access_key=key_id,
        secret_key=secret,
        arn=arn,
        account_id=str(stack.resolver.parameters["AWS::AccountId"]),
        principal_id=user_id,
        statements=statements,
        tags=tags,
    )


def _managed_policies(stack: Stack) -> dict[str, tuple[dict[str, Any], ...]]:
    """Template customer-managed policies by ARN (what ManagedPolicyArns lists)."""
    found = {}
    for resource in stack.of_type(IAM_MANAGED_POLICY):
        with stack.blame(resource.logical_id):
            name = _name(stack, resource, "ManagedPolicyName")
            arn = iam_arn(resource, stack.resolver, "policy", name)
            found[arn] = tuple(_statements(stack.prop(resource, "PolicyDocument")))
    return found


def _attached_statements(stack: Stack, key: str = "Users") -> dict[str, list[dict[str, Any]]]:
    """User (or role, `key="Roles"`) name -> statements of the AWS::IAM::Policy /
    ManagedPolicy resources that name it."""
    attached: dict[str, list[dict[str, Any]]] = {}
    for resource in stack.of_type(IAM_POLICY, IAM_MANAGED_POLICY):
        with stack.blame(resource.logical_id):
            users = stack.prop(resource, key) or []
            if not isinstance(users, list):
                raise ConfigError(f"{key} must be a list of names")
            statements = _statements(stack.prop(resource, "PolicyDocument"))
            for user in users:
                attached.setdefault(str(user), []).extend(statements)
    return attached


def _statements(document: object) -> list[dict[str, Any]]:
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"a PolicyDocument is not valid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise ConfigError("a PolicyDocument must be a mapping")
    return [dict(statement) for statement in statements_of(document)]
