"""A secret's resource policy as PutResourcePolicy checks it: valid JSON with statements,
and, with BlockPublicPolicy, no statement that grants broad access.

https://docs.aws.amazon.com/secretsmanager/latest/apireference/API_PutResourcePolicy.html
https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resource-policies.html
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from lamina.aws.policy import statements_of
from lamina.aws.service import ServiceError

# Condition keys that pin a Principal "*" statement to known callers (an account, an
# organization, a principal or a source), so it is not public. As S3's and IAM Access
# Analyzer's notion of "public". [choice: AWS does not list them for Secrets Manager]
# https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-control-block-public-access.html#access-control-block-public-access-policy-status
_PINNING_KEYS = frozenset(
    {
        "aws:principalaccount",
        "aws:principalarn",
        "aws:principalorgid",
        "aws:sourceaccount",
        "aws:sourcearn",
        "aws:sourcevpc",
        "aws:sourcevpce",
        "aws:userid",
    }
)


def checked_policy(text: str, block_public: bool) -> str:
    """`text`, when PutResourcePolicy may attach it."""
    try:
        document = json.loads(text)
    except ValueError:
        raise ServiceError(
            "MalformedPolicyDocumentException", "The resource policy is not valid JSON."
        ) from None
    statements = statements_of(document)
    if not statements:
        raise ServiceError(
            "MalformedPolicyDocumentException", "The resource policy has no statement."
        )
    if block_public and any(_public(statement) for statement in statements):
        # The message is PublicPolicyException's description in the API model.
        raise ServiceError(
            "PublicPolicyException",
            "The BlockPublicPolicy parameter is set to true, and the resource policy did "
            "not prevent broad access to the secret.",
        )
    return text


def _public(statement: Mapping[str, Any]) -> bool:
    """An Allow for every principal ("*", or AWS "*") that no condition pins down."""
    if statement.get("Effect") != "Allow":
        return False
    principal = statement.get("Principal")
    if isinstance(principal, Mapping):
        aws = principal.get("AWS")
        everyone = aws == "*" or (isinstance(aws, list) and "*" in aws)
    else:
        everyone = principal == "*"
    if not everyone and "NotPrincipal" not in statement:
        return False
    return not _pinned(statement.get("Condition"))


def _pinned(conditions: object) -> bool:
    if not isinstance(conditions, Mapping):
        return False
    for operator, tests in conditions.items():
        if "Not" in str(operator) or not isinstance(tests, Mapping):
            continue  # a negated test excludes some callers, not all but some
        for key, values in tests.items():
            listed = values if isinstance(values, list) else [values]
            if str(key).lower() in _PINNING_KEYS and all(
                isinstance(value, str) and "*" not in value and "?" not in value for value in listed
            ):
                return True
    return False
