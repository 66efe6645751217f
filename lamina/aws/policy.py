"""IAM policy evaluation: does a set of policy statements allow, explicitly deny, or not
mention a request (action, resource, principal, context keys)?

One evaluator for every policy Lamina enforces: the IAM policies a Lambda authorizer
returns, API Gateway resource policies, callers' identity policies (AWS_IAM), and
Lambda resource policies.

Policy grammar and evaluation:
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements.html
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
Condition operators and wildcards: lamina/aws/condition.py
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html
"""

from __future__ import annotations

import enum
import functools
import json
import re
import time
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from lamina.aws.condition import NEGATED, OPERATORS, translate
from lamina.aws.condition import like as like  # the pattern matcher, used beyond policies


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
        "role_arn",
    )

    def __init__(
        self,
        *,
        action: str,
        resource: str,
        principal: str | None = None,
        principal_service: str | None = None,
        context: Mapping[str, str | Sequence[str]] | None = None,
        role_arn: str | None = None,
        lowered: bool = False,
    ) -> None:
        self.action = action
        self.resource = resource
        self.principal = principal
        """The caller's ARN (an IAM user or role) — checked against Principal.AWS."""
        self.principal_account = _account_of(principal) if principal else None
        self.principal_service = principal_service
        """A service principal (apigateway.amazonaws.com) — checked against Principal.Service."""
        self.role_arn = role_arn
        """For an assumed-role session, its role's ARN: a resource policy naming the role
        names its sessions too.
        https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html#principal-role-session"""
        # Condition keys are case-insensitive; `lowered`: the caller already lowered them.
        if lowered and isinstance(context, dict):
            self.context: dict[str, str | Sequence[str]] = context
        else:
            self.context = {key.lower(): value for key, value in (context or {}).items()}

    def value(self, key: str) -> str | Sequence[str] | None:
        """A condition key's value in the request context (`key` lowered); the time keys
        are there for every request, computed only when a condition asks.
        https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-currenttime"""
        found = self.context.get(key)
        if found is None:
            if key == "aws:currenttime":
                return _now_iso()
            if key == "aws:epochtime":
                return str(int(time.time()))
        return found


def evaluate(
    statements: Iterable[Mapping[str, Any]],
    request: PolicyRequest,
    *,
    check_principal: bool = False,
    account_names_all: bool = True,
) -> Decision:
    """Explicit deny wins over allow; no matching statement is an implicit deny.

    `check_principal`: resource-based policies name who they apply to (Principal);
    identity-based policies and authorizer policies have no Principal element.
    `account_names_all`: whether a Principal naming an account (its id or root ARN)
    applies to every principal in it; False asks whether the policy names the caller
    itself (a KMS key policy's direct grants).
    """
    allowed = False
    for statement in statements:
        if not _matches(statement, request, check_principal, account_names_all):
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


@functools.lru_cache(maxsize=1024)
def parsed_statements(text: str) -> tuple[Mapping[str, Any], ...]:
    """The statements of a policy kept as JSON text (a key policy, a secret's policy),
    parsed once per text: policies are read on every call to what they guard. Text that
    is no JSON policy has none."""
    try:
        return tuple(statements_of(json.loads(text)))
    except ValueError:
        return ()


def _like_element(
    value: str, pattern: str, case_sensitive: bool, request: PolicyRequest | None
) -> bool:
    if request is not None and "${" in pattern:
        compiled = _with_variables(pattern, request)
        return compiled is not None and compiled.fullmatch(value) is not None
    return like(value, pattern, case_sensitive=case_sensitive)


# Policy variables: ${aws:username}, ${aws:PrincipalTag/team}, a default after a comma
# (${aws:username, 'nobody'}), and the literals ${*}, ${?} and ${$}.
# https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html
_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_LITERALS = {"*": "*", "?": "?", "$": "$"}


def _with_variables(pattern: str, request: PolicyRequest) -> re.Pattern[str] | None:
    """The pattern with its variables replaced by the request's values (matched
    literally); None when a variable has no value and no default: the element does not
    match."""
    parts: list[str] = []
    at = 0
    for found in _VARIABLE.finditer(pattern):
        parts.append(translate(pattern[at : found.start()]))
        value = _variable(found.group(1), request)
        if value is None:
            return None
        parts.append(re.escape(value))
        at = found.end()
    parts.append(translate(pattern[at:]))
    return re.compile("".join(parts), re.DOTALL)


def _variable(inside: str, request: PolicyRequest) -> str | None:
    name, comma, default = inside.partition(",")
    name = name.strip()
    if name in _LITERALS:
        return _LITERALS[name]
    value = request.value(name.lower())
    if isinstance(value, str):
        return value
    if comma:
        default = default.strip()
        if len(default) >= 2 and default[0] == default[-1] == "'":
            return default[1:-1]
    return None  # missing, or multivalued (never a policy variable)


def _substituted(values: list[str], request: PolicyRequest) -> list[str]:
    """Condition values with their policy variables replaced (values whose variable has
    no value are dropped: they match nothing)."""
    if not any("${" in value for value in values):
        return values
    out = []
    for value in values:
        if "${" not in value:
            out.append(value)
            continue
        replaced = _replace_variables(value, request)
        if replaced is not None:
            out.append(replaced)
    return out


def _replace_variables(value: str, request: PolicyRequest) -> str | None:
    parts: list[str] = []
    at = 0
    for found in _VARIABLE.finditer(value):
        parts.append(value[at : found.start()])
        replaced = _variable(found.group(1), request)
        if replaced is None:
            return None
        parts.append(replaced)
        at = found.end()
    parts.append(value[at:])
    return "".join(parts)


def _matches(
    statement: Mapping[str, Any],
    request: PolicyRequest,
    check_principal: bool,
    account_names_all: bool = True,
) -> bool:
    if not _element_matches(statement, "Action", request.action, case_sensitive=False):
        return False
    if not _element_matches(
        statement, "Resource", request.resource, case_sensitive=True, request=request
    ):
        return False
    if check_principal and not _principal_matches(statement, request, account_names_all):
        return False
    return _conditions_hold(statement.get("Condition") or {}, request)


def _element_matches(
    statement: Mapping[str, Any],
    name: str,
    value: str,
    *,
    case_sensitive: bool,
    request: PolicyRequest | None = None,
) -> bool:
    """Action / NotAction, Resource / NotResource. Action names are case-insensitive;
    ARNs are case-sensitive."""
    negated = f"Not{name}"
    if name in statement:
        patterns = _strings(statement[name])
        return any(_like_element(value, p, case_sensitive, request) for p in patterns)
    if negated in statement:
        patterns = _strings(statement[negated])
        return not any(_like_element(value, p, case_sensitive, request) for p in patterns)
    # A statement without Resource (identity policies always have one; resource policies
    # may leave it out when they apply to the resource they are attached to).
    return name == "Resource"


def _principal_matches(
    statement: Mapping[str, Any], request: PolicyRequest, account_names_all: bool = True
) -> bool:
    if "Principal" in statement:
        return _principal_named(statement["Principal"], request, account_names_all)
    if "NotPrincipal" in statement:
        return not _principal_named(statement["NotPrincipal"], request, account_names_all)
    return False


def _principal_named(
    principal: object, request: PolicyRequest, account_names_all: bool = True
) -> bool:
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
            if name == request.principal:
                return True
            if account_names_all and name in (
                request.principal_account,
                f"arn:aws:iam::{request.principal_account}:root",
            ):
                return True
            if request.role_arn is not None and name == request.role_arn:
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
    present = request.value(key)
    if operator == "Null":
        # Null: true means the key is absent (or an empty multivalued key).
        # https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html#Conditions_Null
        wanted = _strings(expected)[:1] == ["true"]
        return (present is None or (not isinstance(present, str) and not present)) == wanted
    if present is None or (not isinstance(present, str) and not present):
        # A missing key: ForAllValues holds (every one of no values matches), ForAnyValue
        # fails; otherwise IfExists holds, negated operators hold (nothing equals), others
        # fail. https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-single-vs-multi-valued-context-keys.html
        if qualifier == "ForAllValues":
            return True
        if qualifier == "ForAnyValue":
            return False
        return if_exists or operator in NEGATED
    actual_values = [present] if isinstance(present, str) else list(present)
    values = _substituted(_strings(expected), request)
    test = OPERATORS.get(operator)
    if test is None:
        return False  # an operator we do not know never grants
    if operator in NEGATED:
        base = OPERATORS[NEGATED[operator]]
        results = [not any(base(actual, value) for value in values) for actual in actual_values]
    else:
        results = [any(test(actual, value) for value in values) for actual in actual_values]
    if qualifier == "ForAllValues":
        return all(results)
    return any(results)


def _strings(value: object) -> list[str]:
    """A policy element's values as strings (callers only read the list)."""
    if isinstance(value, str):
        return [value]
    if type(value) is list and all(type(item) is str for item in value):
        # The common shape (an Action or Resource list): taken as it is, as every
        # statement of a role is matched on each call the role makes.
        return value
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
