"""Resource-based policies: may this service principal, from this source ARN, invoke?

Lambda decides whether another service (API Gateway, S3, ...) may invoke a function from
the function's resource-based policy: an Allow statement naming the service principal,
the action, and conditions on the caller's source ARN (ArnLike, with * and ? wildcards)
and account (StringEquals).
https://docs.aws.amazon.com/lambda/latest/dg/access-control-resource-based.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_ARN
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable, Mapping
from typing import Any

INVOKE_ACTIONS = frozenset({"lambda:InvokeFunction", "lambda:*", "*"})


class InvokeRequest:
    __slots__ = ("principal", "source_account", "source_arn")

    def __init__(self, *, principal: str, source_arn: str, source_account: str) -> None:
        self.principal = principal
        self.source_arn = source_arn
        self.source_account = source_account


def allows(statements: Iterable[Mapping[str, Any]], request: InvokeRequest) -> bool:
    """True when one Allow statement grants the invocation (and no Deny matches)."""
    allowed = False
    for statement in statements:
        if not _applies(statement, request):
            continue
        if statement.get("Effect") == "Deny":
            return False
        allowed = True
    return allowed


def _applies(statement: Mapping[str, Any], request: InvokeRequest) -> bool:
    actions = statement.get("Action", ())
    actions = [actions] if isinstance(actions, str) else list(actions)
    if not INVOKE_ACTIONS.intersection(actions):
        return False
    return _principal_matches(statement.get("Principal"), request.principal) and _conditions_hold(
        statement.get("Condition") or {}, request
    )


def _principal_matches(principal: object, service: str) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        named = principal.get("Service")
        names = [named] if isinstance(named, str) else list(named or ())
        return service in names or principal.get("AWS") == "*"
    return False


def _conditions_hold(conditions: Mapping[str, Any], request: InvokeRequest) -> bool:
    keys = {"aws:sourcearn": request.source_arn, "aws:sourceaccount": request.source_account}
    for operator, tests in conditions.items():
        for key, expected in tests.items():
            actual = keys.get(key.lower())
            if actual is None or not _holds(operator, actual, expected):
                return False
    return True


def _holds(operator: str, actual: str, expected: object) -> bool:
    if isinstance(expected, str):
        values = [expected]
    elif isinstance(expected, list | tuple):
        values = [str(v) for v in expected]
    else:
        return False
    if operator in ("ArnLike", "StringLike"):
        return any(_like(actual, pattern) for pattern in values)
    if operator in ("ArnEquals", "StringEquals"):
        return actual in values
    return False  # an operator we do not evaluate never grants


def _like(actual: str, pattern: str) -> bool:
    """IAM wildcards: * any run of characters (slashes included), ? one character."""
    return _compiled(pattern).fullmatch(actual) is not None


@functools.lru_cache(maxsize=1024)
def _compiled(pattern: str) -> re.Pattern[str]:
    # Checked on every gateway invocation: translate each pattern once.
    return re.compile(fnmatch.translate(pattern))
