"""A REST API's resource policy, from the template: the RestApi `Policy` property (an
object or its JSON text), else the body's `x-amazon-apigateway-policy` (where SAM's
`Auth.ResourcePolicy` puts the statements it generates).

Resources written in the short form `execute-api:/{stage}/{METHOD}/{path}` are expanded
here, once, to `arn:aws:execute-api:{region}:{account}:{apiId}/{stage}/{METHOD}/{path}`, as
API Gateway does when it attaches the policy.
https://docs.aws.amazon.com/apigateway/latest/developerguide/apigateway-resource-policies-create-attach.html
https://docs.aws.amazon.com/apigateway/latest/developerguide/openapi-extensions-policy.html
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lamina.config.error import ConfigError
from lamina.config.reference import CfnResource
from lamina.config.stack import Stack

POLICY_KEY = "x-amazon-apigateway-policy"
_SHORT = "execute-api:"


def resource_policy(
    stack: Stack, resource: CfnResource, body: Mapping[str, Any] | None, api_id: str
) -> dict[str, Any] | None:
    """The API's policy document with full resource ARNs; None when it has none."""
    raw = stack.prop(resource, "Policy")
    if raw is None and body is not None:
        raw = body.get(POLICY_KEY)
    if raw is None:
        return None
    document = _document(raw)
    parameters = stack.resolver.parameters
    prefix = (
        f"arn:{parameters['AWS::Partition']}:execute-api:{parameters['AWS::Region']}:"
        f"{parameters['AWS::AccountId']}:{api_id}"
    )
    return expand_resources(document, prefix)


def expand_resources(document: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """`execute-api:/rest` → `{prefix}/rest` in every statement's Resource / NotResource."""
    statements = document.get("Statement")
    if isinstance(statements, Mapping):
        statements = [statements]
    if not isinstance(statements, list):
        raise ConfigError("the resource policy needs a Statement list")
    expanded = []
    for statement in statements:
        if not isinstance(statement, Mapping):
            raise ConfigError("each resource policy statement must be a mapping")
        copy = dict(statement)
        for key in ("Resource", "NotResource"):
            if key in copy:
                copy[key] = _expand(copy[key], prefix)
        expanded.append(copy)
    return {**document, "Statement": expanded}


def _expand(value: object, prefix: str) -> object:
    if isinstance(value, str):
        return prefix + value[len(_SHORT) :] if value.startswith(_SHORT + "/") else value
    if isinstance(value, list):
        return [_expand(item, prefix) for item in value]
    raise ConfigError("a resource policy Resource must be a string or a list of strings")


def _document(raw: object) -> dict[str, Any]:
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"the resource policy is not valid JSON: {exc}") from None
    if not isinstance(raw, dict):
        raise ConfigError("the resource policy must be a policy document (a mapping)")
    return raw
