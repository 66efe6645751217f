"""AWS::Lambda::Permission resources: who the template lets invoke which function.

SAM writes one for every API event (Principal apigateway.amazonaws.com, SourceArn
`arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path with * for
parameters}`); Lamina enforces them as Lambda does.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-lambda-permission.html
"""

from __future__ import annotations

from lamina.config.model import TemplatePermission
from lamina.config.stack import Stack

LAMBDA_PERMISSION = "AWS::Lambda::Permission"


def build_permissions(stack: Stack) -> list[TemplatePermission]:
    permissions = []
    for resource in stack.of_type(LAMBDA_PERMISSION):
        with stack.blame(resource.logical_id):
            name, qualifier = _function(stack.text(resource, "FunctionName"))
            source_arn = stack.prop(resource, "SourceArn")
            source_account = stack.prop(resource, "SourceAccount")
            permissions.append(
                TemplatePermission(
                    statement_id=resource.logical_id,
                    function_name=name,
                    qualifier=qualifier,
                    action=stack.text(resource, "Action"),
                    principal=stack.text(resource, "Principal"),
                    source_arn=None if source_arn is None else str(source_arn),
                    source_account=None if source_account is None else str(source_account),
                )
            )
    return permissions


def _function(value: str) -> tuple[str, str | None]:
    """A name, a partial ARN (`123:function:name`) or an ARN, optionally `:qualifier`."""
    tail = value.rsplit(":function:", 1)[-1]
    name, _, qualifier = tail.partition(":")
    return name, qualifier or None
