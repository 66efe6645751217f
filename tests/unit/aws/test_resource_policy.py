"""Resource-based policies (S3 bucket policies) evaluated with identity policies, anonymous
calls, and S3's host names claiming unsigned requests."""

from __future__ import annotations

from typing import Any

import pytest

from lamina.aws.authorize import authorize, authorize_anonymous
from lamina.aws.claim import has_aws_marks
from lamina.aws.credentials import Identity
from lamina.aws.service import ServiceError
from lamina.http.message import HttpRequest

ACCOUNT = "123456789012"
USER = f"arn:aws:iam::{ACCOUNT}:user/ana"
OBJECT = "arn:aws:s3:::photos/cat.jpg"


def _user(*statements: dict[str, Any]) -> Identity:
    return Identity(
        access_key="AKIAEXAMPLE",
        secret_key="s",
        arn=USER,
        account_id=ACCOUNT,
        principal_id="AIDAEXAMPLE",
        statements=tuple(statements),
    )


def _statement(effect: str, principal: object) -> dict[str, Any]:
    return {"Effect": effect, "Principal": principal, "Action": "s3:GetObject", "Resource": OBJECT}


def _check(identity: Identity, bucket_policy: list[dict[str, Any]]) -> None:
    authorize(
        identity,
        "s3",
        "GetObject",
        [OBJECT],
        source_ip="10.0.0.1",
        resource_statements=bucket_policy,
    )


ALLOW_ALL = {"Effect": "Allow", "Action": "s3:*", "Resource": "*"}


def test_either_policy_allowing_suffices() -> None:
    _check(_user(ALLOW_ALL), [])
    _check(_user(), [_statement("Allow", {"AWS": USER})])
    _check(_user(), [_statement("Allow", {"AWS": ACCOUNT})])


def test_neither_allowing_denies() -> None:
    with pytest.raises(ServiceError) as denied:
        _check(_user(), [_statement("Allow", {"AWS": f"arn:aws:iam::{ACCOUNT}:user/bo"})])
    assert (denied.value.code, denied.value.status) == ("AccessDenied", 403)
    assert "no identity-based policy allows the s3:GetObject action" in denied.value.message


def test_explicit_deny_in_the_bucket_policy_wins() -> None:
    with pytest.raises(ServiceError) as denied:
        _check(_user(ALLOW_ALL), [_statement("Deny", "*")])
    assert "explicit deny in a resource-based policy" in denied.value.message


def test_explicit_deny_in_the_identity_policy_wins() -> None:
    deny = {"Effect": "Deny", "Action": "s3:GetObject", "Resource": "*"}
    with pytest.raises(ServiceError) as denied:
        _check(_user(deny), [_statement("Allow", "*")])
    assert "explicit deny in an identity-based policy" in denied.value.message


def test_anonymous_needs_a_statement_for_everyone() -> None:
    def anonymous(policy: list[dict[str, Any]]) -> None:
        authorize_anonymous("s3", "GetObject", [OBJECT], policy, source_ip="10.0.0.1")

    anonymous([_statement("Allow", "*")])
    anonymous([_statement("Allow", {"AWS": "*"})])
    for refused in ([], [_statement("Allow", {"AWS": USER})], [_statement("Deny", "*")]):
        with pytest.raises(ServiceError) as denied:
            anonymous(refused)
        assert (denied.value.code, denied.value.message) == ("AccessDenied", "Access Denied")
    within = dict(_statement("Allow", "*"), Condition={"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}})
    anonymous([within])
    within["Condition"] = {"IpAddress": {"aws:SourceIp": "192.168.0.0/16"}}
    with pytest.raises(ServiceError):
        anonymous([within])


def _to(host: str) -> HttpRequest:
    return HttpRequest(
        method="OPTIONS",
        path="/cat.jpg",
        query_string="",
        headers=[("Host", host), ("Origin", "https://a.test")],
        body=b"",
        client="127.0.0.1",
        http_version="1.1",
    )


def test_s3_host_names_mark_unsigned_requests_as_s3() -> None:
    assert has_aws_marks(_to("photos.s3.localhost:4566"))
    assert has_aws_marks(_to("s3.localhost"))
    assert not has_aws_marks(_to("localhost:4566"))
    # S3's website endpoint is S3's too (answered by the provider, not the API).
    assert has_aws_marks(_to("photos.s3-website.localhost"))
    assert has_aws_marks(_to("photos.s3-website-us-east-1.localhost:3000"))
    assert not has_aws_marks(_to("s3-website.localhost"))
    assert not has_aws_marks(_to("s3.localhost.example.com"))
