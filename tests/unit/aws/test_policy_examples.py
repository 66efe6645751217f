"""The policy evaluator against the examples of AWS's IAM User Guide: each row is a
condition (or a Resource) from a documentation page, a request context, and whether AWS
says it matches. Then deny-wins as a property: one matching Deny beats any number of
Allows in any order (hypothesis).
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lamina.aws.policy import Decision, PolicyRequest, evaluate

OPERATORS = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html"
MULTI = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition_examples-multi-valued-context-keys.html"
LOGIC = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-logic-multiple-context-keys-or-values.html"
VARIABLES = "https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"
ROLE = "arn:aws:iam::123456789012:role/job"


def _holds(condition: dict[str, Any], context: dict[str, Any]) -> bool:
    statement: dict[str, Any] = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}
    statement["Condition"] = condition
    request = PolicyRequest(action="s3:ListBucket", resource="arn:aws:s3:::b", context=context)
    return evaluate([statement], request) is Decision.ALLOW


# (page, condition, request context, matches)
CONDITIONS: list[tuple[str, dict[str, Any], dict[str, Any], bool]] = [
    # String condition operators: aws:PrincipalTag/job-category.
    (OPERATORS, {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
     {"aws:PrincipalTag/job-category": "iamuser-admin"}, True),
    (OPERATORS, {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}},
     {"aws:PrincipalTag/job-category": "dev-ops"}, False),
    (OPERATORS, {"StringEquals": {"aws:PrincipalTag/job-category": "iamuser-admin"}}, {}, False),
    # StringLike with a policy variable: s3:prefix home/${aws:username}/.
    (OPERATORS, {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}},
     {"s3:prefix": "home/Mary/", "aws:username": "Mary"}, True),
    (OPERATORS, {"StringLike": {"s3:prefix": ["", "home/", "home/${aws:username}/"]}},
     {"s3:prefix": "home/Bob/", "aws:username": "Mary"}, False),
    # Numeric: s3:max-keys at most 10.
    (OPERATORS, {"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "10"}, True),
    (OPERATORS, {"NumericLessThanEquals": {"s3:max-keys": "10"}}, {"s3:max-keys": "11"}, False),
    (OPERATORS, {"NumericLessThanEquals": {"s3:max-keys": "10"}}, {}, False),
    # Date: temporary credentials issued after a date.
    (OPERATORS, {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}},
     {"aws:TokenIssueTime": "2020-06-01T00:00:00Z"}, True),
    (OPERATORS, {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}},
     {"aws:TokenIssueTime": "2019-06-01T00:00:00Z"}, False),
    (OPERATORS, {"DateGreaterThan": {"aws:TokenIssueTime": "2020-01-01T00:00:01Z"}}, {}, False),
    # Bool: aws:SecureTransport.
    (OPERATORS, {"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "true"}, True),
    (OPERATORS, {"Bool": {"aws:SecureTransport": "true"}}, {"aws:SecureTransport": "false"}, False),
    (OPERATORS, {"Bool": {"aws:SecureTransport": "true"}}, {}, False),
    # IpAddress / NotIpAddress: 203.0.113.0/24.
    (OPERATORS, {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
     {"aws:SourceIp": "203.0.113.7"}, True),
    (OPERATORS, {"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
     {"aws:SourceIp": "198.51.100.7"}, False),
    (OPERATORS, {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"}},
     {"aws:SourceIp": "198.51.100.7"}, True),
    (OPERATORS, {"IpAddress": {"aws:SourceIp": "2001:DB8:1234:5678::/64"}},
     {"aws:SourceIp": "2001:db8:1234:5678::9"}, True),
    # ARN: aws:SourceArn of an SNS topic; ArnEquals and ArnLike both take wildcards, per
    # colon-delimited component.
    (OPERATORS, {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:TOPIC-ID"}},
     {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:TOPIC-ID"}, True),
    (OPERATORS, {"ArnEquals": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}},
     {"aws:SourceArn": "arn:aws:sns:us-east-1:123456789012:TOPIC-ID"}, True),
    (OPERATORS, {"ArnLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}},
     {"aws:SourceArn": "arn:aws:sns:us-east-1:999999999999:TOPIC-ID"}, False),
    (OPERATORS, {"ArnLike": {"aws:SourceArn": "arn:aws:s3:::bucket*"}},
     {"aws:SourceArn": "not-an-arn"}, False),
    (OPERATORS, {"ArnNotLike": {"aws:SourceArn": "arn:aws:sns:*:123456789012:*"}}, {}, True),
    # ...IfExists: the key is tested only when present.
    (OPERATORS, {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}}, {}, True),
    (OPERATORS, {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}},
     {"ec2:InstanceType": "t2.micro"}, True),
    (OPERATORS, {"StringLikeIfExists": {"ec2:InstanceType": ["t1.*", "t2.*", "m3.*"]}},
     {"ec2:InstanceType": "p4d.24xlarge"}, False),
    # Null: true when the key is absent (temporary credentials carry aws:TokenIssueTime).
    (OPERATORS, {"Null": {"aws:TokenIssueTime": "true"}}, {}, True),
    (OPERATORS, {"Null": {"aws:TokenIssueTime": "true"}},
     {"aws:TokenIssueTime": "2020-06-01T00:00:00Z"}, False),
    (OPERATORS, {"Null": {"aws:TokenIssueTime": "false"}},
     {"aws:TokenIssueTime": "2020-06-01T00:00:00Z"}, True),
    # Negated operators hold when the key is absent.
    (LOGIC, {"StringNotEquals": {"aws:PrincipalTag/team": "blue"}}, {}, True),
    (LOGIC, {"StringNotEquals": {"aws:PrincipalTag/team": ["blue", "red"]}},
     {"aws:PrincipalTag/team": "red"}, False),
    # Several keys in one block: all must hold; several values for a key: any may.
    (LOGIC, {"StringEquals": {"aws:PrincipalTag/team": ["blue", "red"],
                              "aws:PrincipalTag/cost": "1"}},
     {"aws:PrincipalTag/team": "red", "aws:PrincipalTag/cost": "1"}, True),
    (LOGIC, {"StringEquals": {"aws:PrincipalTag/team": ["blue", "red"],
                              "aws:PrincipalTag/cost": "1"}},
     {"aws:PrincipalTag/team": "red", "aws:PrincipalTag/cost": "2"}, False),
    # ForAllValues:StringNotLike aws:TagKeys "key1*" — the table of the multivalued page.
    (MULTI, {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}},
     {"aws:TagKeys": ["key1:legal"]}, False),
    (MULTI, {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}},
     {"aws:TagKeys": ["key1:hr", "key1:personnel"]}, False),
    (MULTI, {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}},
     {"aws:TagKeys": ["key2:audit"]}, True),
    (MULTI, {"ForAllValues:StringNotLike": {"aws:TagKeys": "key1*"}}, {}, True),
    # ForAnyValue: at least one request value matches; a missing key does not.
    (MULTI, {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "webserver"]}},
     {"aws:TagKeys": ["environment", "cost-center"]}, True),
    (MULTI, {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "webserver"]}},
     {"aws:TagKeys": ["cost-center"]}, False),
    (MULTI, {"ForAnyValue:StringEquals": {"aws:TagKeys": ["environment", "webserver"]}}, {},
     False),
    (MULTI, {"ForAllValues:StringEquals": {"aws:TagKeys": ["environment", "webserver"]}},
     {"aws:TagKeys": ["environment", "cost-center"]}, False),
]  # fmt: skip


@pytest.mark.parametrize(("page", "condition", "context", "matches"), CONDITIONS)
def test_documented_conditions(
    page: str, condition: dict[str, Any], context: dict[str, Any], matches: bool
) -> None:
    assert page.startswith("https://docs.aws.amazon.com/")
    assert _holds(condition, context) is matches


def _resource_allowed(resource_pattern: str, resource: str, context: dict[str, Any]) -> bool:
    statement = {"Effect": "Allow", "Action": "s3:GetObject", "Resource": resource_pattern}
    request = PolicyRequest(action="s3:GetObject", resource=resource, context=context)
    return evaluate([statement], request) is Decision.ALLOW


# (pattern, resource, context, allowed) — the policy variables page.
VARIABLE_ROWS: list[tuple[str, str, dict[str, Any], bool]] = [
    ("arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*",
     "arn:aws:s3:::amzn-s3-demo-bucket/home/ana/notes.txt", {"aws:username": "ana"}, True),
    ("arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*",
     "arn:aws:s3:::amzn-s3-demo-bucket/home/bob/notes.txt", {"aws:username": "ana"}, False),
    # A role session has no aws:username: the Resource matches nothing.
    ("arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/*",
     "arn:aws:s3:::amzn-s3-demo-bucket/home/${aws:username}/x", {}, False),
    # A default value when the key is missing.
    ("arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team, 'company-wide'}/*",
     "arn:aws:s3:::amzn-s3-demo-bucket/company-wide/a", {}, True),
    ("arn:aws:s3:::amzn-s3-demo-bucket/${aws:PrincipalTag/team, 'company-wide'}/*",
     "arn:aws:s3:::amzn-s3-demo-bucket/blue/a", {"aws:PrincipalTag/team": "blue"}, True),
    # ${*} is a literal asterisk, and a value's own * is literal too.
    ("arn:aws:s3:::amzn-s3-demo-bucket/${*}", "arn:aws:s3:::amzn-s3-demo-bucket/*", {}, True),
    ("arn:aws:s3:::amzn-s3-demo-bucket/${*}", "arn:aws:s3:::amzn-s3-demo-bucket/a", {}, False),
    ("arn:aws:s3:::amzn-s3-demo-bucket/${aws:username}",
     "arn:aws:s3:::amzn-s3-demo-bucket/anything", {"aws:username": "*"}, False),
]  # fmt: skip


@pytest.mark.parametrize(("pattern", "resource", "context", "allowed"), VARIABLE_ROWS)
def test_documented_policy_variables(
    pattern: str, resource: str, context: dict[str, Any], allowed: bool
) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html"""
    assert _resource_allowed(pattern, resource, context) is allowed


def test_time_keys_are_there_without_being_given() -> None:
    """aws:CurrentTime and aws:EpochTime are in every request context.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"""
    assert _holds({"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, {})
    assert _holds({"DateLessThan": {"aws:EpochTime": "4102444800"}}, {})
    assert not _holds({"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}, {})
    assert _holds({"NumericGreaterThan": {"aws:EpochTime": "1577836800"}}, {})


def test_a_policy_naming_a_role_names_its_sessions() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html"""
    statement = {"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "*", "Resource": "*"}
    session = "arn:aws:sts::123456789012:assumed-role/job/fn"
    asked = PolicyRequest(action="kms:Decrypt", resource="*", principal=session, role_arn=ROLE)
    assert evaluate([statement], asked, check_principal=True) is Decision.ALLOW
    other = PolicyRequest(action="kms:Decrypt", resource="*", principal=session)
    assert evaluate([statement], other, check_principal=True) is Decision.IMPLICIT_DENY


def test_account_principals_can_be_told_from_named_ones() -> None:
    root = {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "*", "Resource": "*"}  # fmt: skip
    user = "arn:aws:iam::123456789012:user/ann"
    asked = PolicyRequest(action="kms:Decrypt", resource="*", principal=user)
    assert evaluate([root], asked, check_principal=True) is Decision.ALLOW
    direct = evaluate([root], asked, check_principal=True, account_names_all=False)
    assert direct is Decision.IMPLICIT_DENY


_ACTIONS = st.sampled_from(["s3:GetObject", "s3:*", "*", "s3:Get*", "dynamodb:PutItem"])
_STATEMENT = st.fixed_dictionaries(
    {
        "Effect": st.sampled_from(["Allow", "Deny"]),
        "Action": _ACTIONS,
        "Resource": st.sampled_from(["*", "arn:aws:s3:::b/*", "arn:aws:s3:::other/*"]),
    }
)


@given(st.lists(_STATEMENT, max_size=8), st.data())
def test_a_matching_deny_wins_in_any_order(statements: list[dict[str, Any]], data: Any) -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
    "An explicit deny in any of these policies overrides the allow." """
    request = PolicyRequest(action="s3:GetObject", resource="arn:aws:s3:::b/key")
    deny = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    where = data.draw(st.integers(min_value=0, max_value=len(statements)))
    mixed = [*statements[:where], deny, *statements[where:]]
    assert evaluate(mixed, request) is Decision.EXPLICIT_DENY
    shuffled = data.draw(st.permutations(mixed))
    assert evaluate(shuffled, request) is Decision.EXPLICIT_DENY


@given(st.lists(_STATEMENT, max_size=8))
def test_without_a_matching_statement_nothing_is_allowed(statements: list[dict[str, Any]]) -> None:
    request = PolicyRequest(action="s3:GetObject", resource="arn:aws:s3:::b/key")
    decision = evaluate(statements, request)
    matching = [
        s
        for s in statements
        if s["Action"] in ("s3:GetObject", "s3:*", "*", "s3:Get*")
        and s["Resource"] in ("*", "arn:aws:s3:::b/*")
    ]
    if any(s["Effect"] == "Deny" for s in matching):
        assert decision is Decision.EXPLICIT_DENY
    elif matching:
        assert decision is Decision.ALLOW
    else:
        assert decision is Decision.IMPLICIT_DENY
