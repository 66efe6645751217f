"""Execution-role sessions (aws/execution.py) and what the credential store keeps of
temporary credentials once they expire."""

from __future__ import annotations

from lamina.aws.credentials import ALLOW_ALL, AssumableRole, CredentialStore, Identity
from lamina.aws.execution import SESSION_S, ExecutionRoles
from tests.clock import ManualClock

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/service-role/app"
READ = ({"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"},)


def _role(*trust: dict[str, object]) -> AssumableRole:
    return AssumableRole(
        arn=ROLE, role_id="AROAAPPAPPAPPAPPAPPA", statements=READ, trust_statements=trust
    )


def test_each_issue_is_a_new_session_of_the_role() -> None:
    store = CredentialStore()
    clock = ManualClock(1_000.0)
    roles = ExecutionRoles(store, [_role()], account_id=ACCOUNT, clock=clock)
    first, second = roles.issue("fn", ROLE), roles.issue("fn", ROLE)
    assert first.access_key != second.access_key and first.session_token != second.session_token
    assert first.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/app/fn"  # no path in it
    assert first.principal_id == "AROAAPPAPPAPPAPPAPPA:fn"
    assert first.statements == READ and first.expires == 1_000.0 + SESSION_S
    assert store.known_identity(first.access_key) == first
    key, secret, token = roles.credentials("fn", ROLE)
    assert store.secret(key) == secret and store.known_identity(key).session_token == token  # type: ignore[union-attr]


def test_a_role_lamina_does_not_know_may_do_anything() -> None:
    roles = ExecutionRoles(CredentialStore(), [], account_id=ACCOUNT)
    outside = roles.issue("fn", f"arn:aws:iam::{ACCOUNT}:role/elsewhere")
    assert outside.statements == ALLOW_ALL and outside.arn.endswith("assumed-role/elsewhere/fn")
    unnamed = roles.issue("fn", "")
    assert unnamed.arn == f"arn:aws:sts::{ACCOUNT}:assumed-role/lamina-function/fn"


def test_trust_policies_lambda_may_assume() -> None:
    """https://docs.aws.amazon.com/lambda/latest/dg/lambda-intro-execution-role.html"""
    roles = ExecutionRoles(CredentialStore(), [], account_id=ACCOUNT)
    as_string = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                 "Action": "sts:AssumeRole"}  # fmt: skip
    as_list = {**as_string, "Principal": {"Service": ["edgelambda.amazonaws.com",
                                                      "lambda.amazonaws.com"]}}  # fmt: skip
    other = {**as_string, "Principal": {"Service": "ecs-tasks.amazonaws.com"}}
    denied = {**as_string, "Effect": "Deny"}
    assert roles.trusts_lambda(_role(as_string)) and roles.trusts_lambda(_role(as_list))
    assert not roles.trusts_lambda(_role(other)) and not roles.trusts_lambda(_role())
    assert not roles.trusts_lambda(_role(as_string, denied))


def test_pass_role_needs_permission_when_iam_is_enforced() -> None:
    allowed = Identity(access_key="AKIAA", secret_key="s", arn=f"arn:aws:iam::{ACCOUNT}:user/a",
                       account_id=ACCOUNT, principal_id="AIDAA",
                       statements=({"Effect": "Allow", "Action": "iam:PassRole",
                                    "Resource": ROLE},))  # fmt: skip
    refused = Identity(access_key="AKIAB", secret_key="s", arn=f"arn:aws:iam::{ACCOUNT}:user/b",
                       account_id=ACCOUNT, principal_id="AIDAB", statements=())  # fmt: skip
    roles = ExecutionRoles(CredentialStore(identities=[allowed, refused]), [], account_id=ACCOUNT)
    assert roles.may_pass("AKIAB", ROLE) is None  # not enforced
    roles.enforce = True
    assert roles.may_pass("AKIAA", ROLE) is None and roles.may_pass("test", ROLE) is None
    assert roles.may_pass("AKIAB", ROLE) == refused


def test_pass_role_conditions_see_the_service_it_is_passed_to() -> None:
    """AWS's PassRole policies pin the service with iam:PassedToService.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_iam-condition-keys.html#ck_PassedToService"""

    def passing(service: str) -> Identity:
        return Identity(access_key="AKIAC", secret_key="s", arn=f"arn:aws:iam::{ACCOUNT}:user/c",
                        account_id=ACCOUNT, principal_id="AIDAC",
                        statements=({"Effect": "Allow", "Action": "iam:PassRole", "Resource": ROLE,
                                     "Condition": {"StringEquals": {
                                         "iam:PassedToService": service}}},))  # fmt: skip

    for service, passes in (("lambda.amazonaws.com", True), ("ecs-tasks.amazonaws.com", False)):
        roles = ExecutionRoles(
            CredentialStore(identities=[passing(service)]), [], account_id=ACCOUNT
        )
        roles.enforce = True
        assert (roles.may_pass("AKIAC", ROLE, source_ip="127.0.0.1") is None) is passes


def test_long_expired_keys_stay_known_without_their_policies() -> None:
    """A forgotten key would pass for an unknown one (the account root, in a store that
    is not strict); it stays known, so it keeps answering ExpiredToken."""
    store = CredentialStore()
    clock = ManualClock(0.0)
    roles = ExecutionRoles(store, [_role()], account_id=ACCOUNT, clock=clock, session_s=900)
    old = roles.issue("fn", ROLE)
    clock.advance(900 + 86_401)
    roles.issue("fn", ROLE)  # issuing sweeps the store
    kept = store.known_identity(old.access_key)
    assert kept is not None and kept.statements == () and kept.expires == 900
    assert store.secret(old.access_key) == old.secret_key


def test_sessions_carry_their_roles_tags() -> None:
    tagged = AssumableRole(arn=ROLE, role_id="AROAAPPAPPAPPAPPAPPA", statements=READ,
                           trust_statements=(), tags={"team": "blue"})  # fmt: skip
    roles = ExecutionRoles(CredentialStore(), [tagged], account_id=ACCOUNT)
    assert roles.issue("fn", ROLE).tags == {"team": "blue"}
