"""authorize() with the resource policies beyond S3, combined as AWS's evaluation logic
documents them, and the request context it builds for conditions.

https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html
https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-default.html
"""

from __future__ import annotations

from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from lamina.aws.authorize import authorize, request_context, role_arn, service_context
from lamina.aws.credentials import ALLOW_ALL, Identity, root_identity
from lamina.aws.service import ServiceError

ACCOUNT = "123456789012"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
SECRET = f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:db-AbCdEf"
FUNCTION = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:worker"
ROOT = f"arn:aws:iam::{ACCOUNT}:root"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/app"
# The default key policy: the account may do everything, which enables IAM policies.
DEFAULT_KEY_POLICY = [
    {"Sid": "Enable IAM User Permissions", "Effect": "Allow", "Principal": {"AWS": ROOT},
     "Action": "kms:*", "Resource": "*"},
]  # fmt: skip


def _user(name: str, *statements: dict[str, Any]) -> Identity:
    return Identity(
        access_key=f"AKIA{name.upper():0<16}"[:20],
        secret_key="s",
        arn=f"arn:aws:iam::{ACCOUNT}:user/{name}",
        account_id=ACCOUNT,
        principal_id=f"AIDA{name.upper()}",
        statements=tuple(statements),
    )


def _session(*statements: dict[str, Any]) -> Identity:
    return Identity(
        access_key="ASIAEXAMPLEEXAMPLE00",
        secret_key="s",
        arn=f"arn:aws:sts::{ACCOUNT}:assumed-role/app/fn",
        account_id=ACCOUNT,
        principal_id="AROAAPPAPPAPPAPPAPP:fn",
        statements=tuple(statements),
        session_token="t",
        expires=2_000_000_000.0,
        issued=1_600_000_000.0,
    )


def _denied(identity: Identity, service: str, operation: str, resource: str,
            policy: list[dict[str, Any]], **options: Any) -> str:  # fmt: skip
    with pytest.raises(ServiceError) as error:
        authorize(identity, service, operation, [resource], source_ip="127.0.0.1",
                  resource_statements=policy, **options)  # fmt: skip
    return error.value.message


def _allowed(identity: Identity, service: str, operation: str, resource: str,
             policy: list[dict[str, Any]], **options: Any) -> None:  # fmt: skip
    authorize(identity, service, operation, [resource], source_ip="127.0.0.1",
              resource_statements=policy, **options)  # fmt: skip


def test_default_key_policy_delegates_to_iam() -> None:
    decrypt = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": KEY}
    _allowed(_user("ann", decrypt), "kms", "Decrypt", KEY, DEFAULT_KEY_POLICY)
    message = _denied(_user("bob"), "kms", "Decrypt", KEY, DEFAULT_KEY_POLICY)
    assert message.endswith("because no identity-based policy allows the kms:Decrypt action")
    _allowed(root_identity("test", "test", ACCOUNT), "kms", "Decrypt", KEY, DEFAULT_KEY_POLICY)


def test_a_key_policy_without_the_account_ignores_iam_policies() -> None:
    """ "Unless the key policy explicitly allows it, you cannot use IAM policies to allow
    access to a KMS key." https://docs.aws.amazon.com/kms/latest/developerguide/control-access.html"""
    only_role = [{"Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt",
                  "Resource": "*"}]  # fmt: skip
    admin = _user("admin", *ALLOW_ALL)
    message = _denied(admin, "kms", "Decrypt", KEY, only_role)
    assert message == (
        f"User: {admin.arn} is not authorized to perform: kms:Decrypt on resource: {KEY} "
        "because no resource-based policy allows the kms:Decrypt action"
    )
    # The role named in the key policy needs no identity policy of its own.
    _allowed(_session(), "kms", "Decrypt", KEY, only_role)
    _denied(_session(), "kms", "Encrypt", KEY, only_role)


def test_an_explicit_deny_anywhere_wins() -> None:
    deny_key = [*DEFAULT_KEY_POLICY, {"Effect": "Deny", "Principal": {"AWS": ROOT},
                                      "Action": "kms:Decrypt", "Resource": "*"}]  # fmt: skip
    message = _denied(_user("admin", *ALLOW_ALL), "kms", "Decrypt", KEY, deny_key)
    assert message.endswith("with an explicit deny in a resource-based policy")
    deny_me = {"Effect": "Deny", "Action": "secretsmanager:*", "Resource": "*"}
    open_secret = [{"Effect": "Allow", "Principal": {"AWS": ROOT},
                    "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]  # fmt: skip
    message = _denied(_user("eve", deny_me), "secretsmanager", "GetSecretValue", SECRET,
                      open_secret)  # fmt: skip
    assert message.endswith("with an explicit deny in an identity-based policy")


def test_a_secret_policy_grants_within_the_account() -> None:
    """Same account: an Allow in the identity policy or in the resource policy allows."""
    reader = f"arn:aws:iam::{ACCOUNT}:user/reader"
    policy = [{"Effect": "Allow", "Principal": {"AWS": reader},
               "Action": "secretsmanager:GetSecretValue", "Resource": "*"}]  # fmt: skip
    _allowed(_user("reader"), "secretsmanager", "GetSecretValue", SECRET, policy)
    _denied(_user("other"), "secretsmanager", "GetSecretValue", SECRET, policy)
    _denied(_user("reader"), "secretsmanager", "PutSecretValue", SECRET, policy)


def test_a_function_policy_lets_another_principal_invoke() -> None:
    """https://docs.aws.amazon.com/lambda/latest/dg/permissions-function-cross-account.html"""
    policy = [{"Sid": "s", "Effect": "Allow", "Principal": {"AWS": ROLE},
               "Action": "lambda:InvokeFunction", "Resource": FUNCTION}]  # fmt: skip
    _allowed(_session(), "lambda", "Invoke", FUNCTION, policy)
    message = _denied(_user("bob"), "lambda", "Invoke", FUNCTION, policy)
    assert "lambda:InvokeFunction" in message


def test_conditions_see_the_callers_keys() -> None:
    https_only = [*DEFAULT_KEY_POLICY, {
        "Effect": "Deny", "Principal": "*", "Action": "kms:*", "Resource": "*",
        "Condition": {"Bool": {"aws:SecureTransport": "false"}}}]  # fmt: skip
    admin = _user("admin", *ALLOW_ALL)
    _denied(admin, "kms", "Decrypt", KEY, https_only)
    _allowed(admin, "kms", "Decrypt", KEY, https_only, secure=True)
    own_folder = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::b",
                  "Condition": {"StringLike": {"s3:prefix": "home/${aws:username}/*"}}}  # fmt: skip
    ann = _user("ann", own_folder)
    _allowed(ann, "s3", "ListObjectsV2", "arn:aws:s3:::b", [], params={"Prefix": "home/ann/x"})
    _denied(ann, "s3", "ListObjectsV2", "arn:aws:s3:::b", [], params={"Prefix": "home/bob/x"})
    web_only = {"StringEquals": {"kms:EncryptionContext:app": "web"}}
    context_bound = {"Effect": "Allow", "Action": "kms:Decrypt", "Resource": "*",
                     "Condition": web_only}  # fmt: skip
    web = _user("web", context_bound)
    _allowed(web, "kms", "Decrypt", KEY, DEFAULT_KEY_POLICY,
             params={"EncryptionContext": {"app": "web"}})  # fmt: skip
    _denied(web, "kms", "Decrypt", KEY, DEFAULT_KEY_POLICY,
            params={"EncryptionContext": {"app": "batch"}})  # fmt: skip
    in_ireland = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
    region_bound = {"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": in_ireland}
    _denied(_user("eu", region_bound), "dynamodb", "GetItem", "*", [], region="us-east-1")
    _allowed(_user("eu", region_bound), "dynamodb", "GetItem", "*", [], region="eu-west-1")


def test_the_request_context_of_each_kind_of_principal() -> None:
    """https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html"""
    user = request_context(_user("ann"), source_ip="10.0.0.1", region="us-east-1")
    assert user["aws:principalarn"] == f"arn:aws:iam::{ACCOUNT}:user/ann"
    assert user["aws:username"] == "ann" and user["aws:principaltype"] == "User"
    assert user["aws:userid"] == "AIDAANN" and user["aws:principalaccount"] == ACCOUNT
    assert user["aws:sourceip"] == "10.0.0.1" and user["aws:requestedregion"] == "us-east-1"
    assert user["aws:securetransport"] == "false" and "aws:tokenissuetime" not in user
    # A role session: aws:PrincipalArn is the role's ARN; no aws:username.
    session = request_context(_session(), source_ip="10.0.0.1", secure=True)
    assert session["aws:principalarn"] == ROLE == role_arn(_session())
    assert session["aws:principaltype"] == "AssumedRole" and "aws:username" not in session
    assert session["aws:userid"] == "AROAAPPAPPAPPAPPAPP:fn"
    assert session["aws:securetransport"] == "true"
    assert session["aws:tokenissuetime"] == "2020-09-13T12:26:40Z"
    root = request_context(root_identity("test", "test", ACCOUNT), source_ip="::1")
    assert root["aws:principaltype"] == "Account" and root["aws:principalarn"] == ROOT


def test_service_keys_of_s3_and_kms() -> None:
    """https://docs.aws.amazon.com/service-authorization/latest/reference/list_amazons3.html"""
    params = {"Prefix": "a/", "Delimiter": "/", "MaxKeys": 5}
    listing = service_context("s3", "ListObjectsV2", params, ACCOUNT)
    assert listing == {"s3:prefix": "a/", "s3:delimiter": "/", "s3:max-keys": "5"}
    kms = service_context("kms", "Encrypt", {"EncryptionContext": {"Dept": "it"}}, ACCOUNT)
    assert kms["kms:encryptioncontext:dept"] == "it"
    assert kms["kms:encryptioncontextkeys"] == ["Dept"]
    assert kms["kms:calleraccount"] == ACCOUNT


def test_principal_tags_from_the_users_or_roles_tags() -> None:
    """aws:PrincipalTag/{key}: the tags of the user, or of the role a session is of.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltag"""
    same_team = {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:PrincipalTag/Team": "blue"}}}  # fmt: skip
    blue = Identity(access_key="AKIABLUE", secret_key="s", arn=f"arn:aws:iam::{ACCOUNT}:user/b",
                    account_id=ACCOUNT, principal_id="AIDAB", statements=(same_team,),
                    tags={"team": "blue"})  # fmt: skip
    red = Identity(access_key="AKIARED", secret_key="s", arn=f"arn:aws:iam::{ACCOUNT}:user/r",
                   account_id=ACCOUNT, principal_id="AIDAR", statements=(same_team,),
                   tags={"team": "red"})  # fmt: skip
    _allowed(blue, "dynamodb", "GetItem", "*", [])
    _denied(red, "dynamodb", "GetItem", "*", [])


def test_a_redeployed_user_with_new_tags_is_judged_by_them() -> None:
    """A template user keeps its access key across deploys; its new Tags count at once."""
    same_team = {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*",
                 "Condition": {"StringEquals": {"aws:PrincipalTag/Team": "blue"}}}  # fmt: skip
    before = Identity(access_key="AKIAMOVED", secret_key="s", arn=f"arn:aws:iam::{ACCOUNT}:user/m",
                      account_id=ACCOUNT, principal_id="AIDAM", statements=(same_team,),
                      tags={"team": "red"})  # fmt: skip
    _denied(before, "dynamodb", "GetItem", "*", [])
    after = msgspec.structs.replace(before, tags={"team": "blue"})
    _allowed(after, "dynamodb", "GetItem", "*", [])


_EFFECT = st.sampled_from(["Allow", "Deny"])
_IDENTITY_STATEMENT = st.fixed_dictionaries(
    {
        "Effect": _EFFECT,
        "Action": st.sampled_from(["secretsmanager:*", "s3:*", "*"]),
        "Resource": st.sampled_from(["*", SECRET, "arn:aws:s3:::b"]),
    }
)
OTHER_ROOT = {"AWS": "arn:aws:iam::999999999999:root"}
_RESOURCE_STATEMENT = st.fixed_dictionaries(
    {
        "Effect": _EFFECT,
        "Principal": st.sampled_from(["*", {"AWS": ROOT}, OTHER_ROOT]),
        "Action": st.sampled_from(["secretsmanager:GetSecretValue", "secretsmanager:Put*"]),
        "Resource": st.just("*"),
    }
)


@given(st.lists(_IDENTITY_STATEMENT, max_size=5), st.lists(_RESOURCE_STATEMENT, max_size=5))
def test_a_deny_in_either_policy_wins(
    identity_statements: list[dict[str, Any]], resource_statements: list[dict[str, Any]]
) -> None:
    """Same account: an explicit Deny in the identity's or the resource's policy denies;
    otherwise an Allow in either allows.
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_evaluation-logic.html"""
    caller = _user("ann", *identity_statements)
    identity_match = [
        s
        for s in identity_statements
        if s["Action"] in ("secretsmanager:*", "*") and s["Resource"] in ("*", SECRET)
    ]
    resource_match = [
        s
        for s in resource_statements
        if s["Principal"] != OTHER_ROOT and s["Action"] == "secretsmanager:GetSecretValue"
    ]
    matched = identity_match + resource_match
    try:
        _allowed(caller, "secretsmanager", "GetSecretValue", SECRET, resource_statements)
    except ServiceError as error:
        assert error.code == "AccessDeniedException"
        assert any(s["Effect"] == "Deny" for s in matched) or not any(
            s["Effect"] == "Allow" for s in matched
        )
        if any(s["Effect"] == "Deny" for s in matched):
            assert "with an explicit deny" in error.message
        return
    assert matched and not any(s["Effect"] == "Deny" for s in matched)
