"""IAM policy evaluation: does a set of policy statements allow, explicitly deny, or not
mention a request (action, resource, principal, context keys)?

One evaluator for every policy Lamina enforces: the IAM policies a Lambda authorizer
returns, API Gateway resource policies, callers' identity policies (AWS_IAM), and
Lambda resource policies.

Policy grammar and evaluation:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
Condition operators:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
"""

from __future__ import annotations

import enum
import functools
import ipaddress
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any


class Decision(enum.Enum):
    ALLOW = "Allow"
    EXPLICIT_DENY = "ExplicitDeny"
    IMPLICIT_DENY = "ImplicitDeny"
    """No statement matched: denied unless something else allows."""


class PolicyRequest:
    """What is being asked: `action` (service:Action) on `resource` (an ARN) by `principal`."""

    __slots__ = (
        "action",
        "context",
        "principal",
        "principal_account",
        "principal_service",
        "resource",
    )

    def __init__(
        self,
        *,
        action: str,
        resource: str,
        principal: str | None = None,
        principal_service: str | None = None,
        context: Mapping[str, str | Sequence[str]] | None = None,
    ) -> None:
        self.action = action
        self.resource = resource
        self.principal = principal
        """The caller's ARN (an IAM user or role) — checked against Principal.AWS."""
        self.principal_account = _account_of(principal) if principal else None
        self.principal_service = principal_service
        """A service principal (apigateway.amazonaws.com) — checked against Principal.Service."""
        # Condition keys are case-insensitive.
        self.context = {key.lower(): value for key, value in (context or {}).items()}
        self.context.setdefault("aws:currenttime", _now_iso())


def evaluate(
    statements: Iterable[Mapping[str, Any]],
    request: PolicyRequest,
    *,
    check_principal: bool = False,
) -> Decision:
    """Explicit deny wins over allow; no matching statement is an implicit deny.

    `check_principal`: resource-based policies name who they apply to (Principal);
    identity-based policies and authorizer policies have no Principal element.
    """
    allowed = False
    for statement in statements:
        if not _matches(statement, request, check_principal):
            continue
        if str(statement.get("Effect", "")) == "Deny":
            return Decision.EXPLICIT_DENY
        if str(statement.get("Effect", "")) == "Allow":
            allowed = True
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def statements_of(document: object) -> list[Mapping[str, Any]]:
    """The statements of a policy document (a mapping, or its JSON text already parsed);
    a single statement object is a one-item list, as IAM accepts."""
    if not isinstance(document, Mapping):
        return []
    found = document.get("Statement", ())
    if isinstance(found, Mapping):
        return [found]
    if isinstance(found, list):
        return [statement for statement in found if isinstance(statement, Mapping)]
    return []


def like(actual: str, pattern: str, *, case_sensitive: bool = True) -> bool:
    """IAM wildcards: `*` any run of characters (slashes included), `?` one character."""
    if case_sensitive:
        return _compiled(pattern).fullmatch(actual) is not None
    return _compiled_nocase(pattern).fullmatch(actual) is not None


def _matches(statement: Mapping[str, Any], request: PolicyRequest, check_principal: bool) -> bool:
    if not _element_matches(statement, "Action", request.action, case_sensitive=False):
        return False
    if not _element_matches(statement, "Resource", request.resource, case_sensitive=True):
        return False
    if check_principal and not _principal_matches(statement, request):
        return False
    return _conditions_hold(statement.get("Condition") or {}, request)


def _element_matches(
    statement: Mapping[str, Any], name: str, value: str, *, case_sensitive: bool
) -> bool:
    """Action / NotAction, Resource / NotResource. Action names are case-insensitive;
    ARNs are case-sensitive."""
    negated = f"Not{name}"
    if name in statement:
        patterns = _strings(statement[name])
        return any(like(value, p, case_sensitive=case_sensitive) for p in patterns)
    if negated in statement:
        patterns = _strings(statement[negated])
        return not any(like(value, p, case_sensitive=case_sensitive) for p in patterns)
    # A statement without Resource (identity policies always have one; resource policies
    # may leave it out when they apply to the resource they are attached to).
    return name == "Resource"


def _principal_matches(statement: Mapping[str, Any], request: PolicyRequest) -> bool:
    if "Principal" in statement:
        return _principal_named(statement["Principal"], request)
    if "NotPrincipal" in statement:
        return not _principal_named(statement["NotPrincipal"], request)
    return False


def _principal_named(principal: object, request: PolicyRequest) -> bool:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"""
    if principal == "*":
        return True
    if not isinstance(principal, Mapping):
        return False
    for kind, named in principal.items():
        for name in _strings(named):
            if kind == "Service" and name == request.principal_service:
                return True
            if kind != "AWS":
                continue
            if name == "*":
                return True
            if request.principal is None:
                continue
            # An account id, or the account root ARN, names every principal in it.
            if name == request.principal or name in (
                request.principal_account,
                f"arn:aws:iam::{request.principal_account}:root",
            ):
                return True
    return False


def _conditions_hold(conditions: object, request: PolicyRequest) -> bool:
    """Every operator block must hold; within one, every key; a key holds when any of its
    values matches (OR), negated operators when none does."""
    if not isinstance(conditions, Mapping):
        return False
    for operator, tests in conditions.items():
        if not isinstance(tests, Mapping):
            return False
        for key, expected in tests.items():
            if not _condition_holds(str(operator), str(key).lower(), expected, request):
                return False
    return True


def _condition_holds(operator: str, key: str, expected: object, request: PolicyRequest) -> bool:
    qualifier = ""
    if ":" in operator:
        qualifier, operator = operator.split(":", 1)
    if_exists = operator.endswith("IfExists")
    operator = operator.removesuffix("IfExists")
    present = request.context.get(key)
    if operator == "Null":
        wanted = _strings(expected)[:1] == ["true"]
        return (present is None) == wanted
    if present is None:
        # A missing key: IfExists holds; negated operators hold (nothing equals); others fail.
        return if_exists or operator in _NEGATED
    actual_values = [present] if isinstance(present, str) else list(present)
    values = _strings(expected)
    test = _OPERATORS.get(operator)
    if test is None:
        return False  # an operator we do not know never grants
    if operator in _NEGATED:
        base = _OPERATORS[_NEGATED[operator]]
        results = [not any(base(actual, value) for value in values) for actual in actual_values]
    else:
        results = [any(test(actual, value) for value in values) for actual in actual_values]
    if qualifier == "ForAllValues":
        return all(results)
    return any(results)


def _ip_in(actual: str, cidr: str) -> bool:
    try:
        return ipaddress.ip_address(actual) in _network(cidr)
    except ValueError:
        return False


@functools.lru_cache(maxsize=1024)
def _network(cidr: str) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    # Resource policies test aws:SourceIp on every request: parse each CIDR once (parsing
    # cost more than the rest of the evaluation).
    return ipaddress.ip_network(cidr, strict=False)


def _numeric(op: str) -> Any:
    def test(actual: str, expected: str) -> bool:
        try:
            a, e = float(actual), float(expected)
        except ValueError:
            return False
        return bool({"lt": a < e, "le": a <= e, "gt": a > e, "ge": a >= e, "eq": a == e}[op])

    return test


def _date(op: str) -> Any:
    def test(actual: str, expected: str) -> bool:
        a, e = _parse_time(actual), _parse_time(expected)
        if a is None or e is None:
            return False
        return bool({"lt": a < e, "le": a <= e, "gt": a > e, "ge": a >= e, "eq": a == e}[op])

    return test


def _parse_time(text: str) -> datetime | None:
    try:
        if text.isdigit():
            return datetime.fromtimestamp(int(text), UTC)
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


_OPERATORS: dict[str, Any] = {
    "StringEquals": lambda a, e: a == e,
    "StringEqualsIgnoreCase": lambda a, e: a.lower() == e.lower(),
    "StringLike": lambda a, e: like(a, e),
    "ArnEquals": lambda a, e: a == e,
    "ArnLike": lambda a, e: like(a, e),
    "IpAddress": _ip_in,
    "NumericEquals": _numeric("eq"),
    "NumericLessThan": _numeric("lt"),
    "NumericLessThanEquals": _numeric("le"),
    "NumericGreaterThan": _numeric("gt"),
    "NumericGreaterThanEquals": _numeric("ge"),
    "DateEquals": _date("eq"),
    "DateLessThan": _date("lt"),
    "DateLessThanEquals": _date("le"),
    "DateGreaterThan": _date("gt"),
    "DateGreaterThanEquals": _date("ge"),
    "Bool": lambda a, e: a.lower() == e.lower(),
    "BinaryEquals": lambda a, e: a == e,
}
_NEGATED = {
    "StringNotEquals": "StringEquals",
    "StringNotEqualsIgnoreCase": "StringEqualsIgnoreCase",
    "StringNotLike": "StringLike",
    "ArnNotEquals": "ArnEquals",
    "ArnNotLike": "ArnLike",
    "NotIpAddress": "IpAddress",
    "NumericNotEquals": "NumericEquals",
    "DateNotEquals": "DateEquals",
}
_OPERATORS.update({name: _OPERATORS[base] for name, base in _NEGATED.items()})


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, bool):
        return ["true" if value else "false"]
    if isinstance(value, int | float):
        return [str(value)]
    if isinstance(value, list | tuple):
        return [item for entry in value for item in _strings(entry)]
    return []


def _account_of(arn: str) -> str | None:
    parts = arn.split(":", 5)
    return parts[4] if len(parts) == 6 and parts[4] else None


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _translate(pattern: str) -> str:
    """Only `*` and `?` are special in IAM patterns (no [ranges] as in shell globs)."""
    return "".join(
        ".*" if char == "*" else "." if char == "?" else re.escape(char) for char in pattern
    )


@functools.lru_cache(maxsize=4096)
def _compiled(pattern: str) -> re.Pattern[str]:
    # Policies are matched on every request: translate each pattern once.
    return re.compile(_translate(pattern), re.DOTALL)


@functools.lru_cache(maxsize=4096)
def _compiled_nocase(pattern: str) -> re.Pattern[str]:
    return re.compile(_translate(pattern), re.DOTALL | re.IGNORECASE)
