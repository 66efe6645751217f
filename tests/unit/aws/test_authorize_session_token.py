"""sts:GetSessionToken is an authentication operation no policy controls: "No permissions
are required for a user to get a session token ... You cannot use policies to control
authentication operations."
https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_getsessiontoken.html"""

from __future__ import annotations

import pytest

from lamina.aws.authorize import authorize
from lamina.aws.credentials import Identity
from lamina.aws.service import ServiceError

ACCOUNT = "123456789012"


def _user(*statements: dict[str, object]) -> Identity:
    return Identity(
        access_key="AKIAEXAMPLE",
        secret_key="s",
        arn=f"arn:aws:iam::{ACCOUNT}:user/ann",
        account_id=ACCOUNT,
        principal_id="AIDAEXAMPLE",
        statements=tuple(statements),
    )


@pytest.mark.parametrize(
    "statements",
    [(), ({"Effect": "Deny", "Action": "sts:*", "Resource": "*"},)],
    ids=["no-policy", "explicit-deny"],
)
def test_get_session_token_needs_no_permission(statements: tuple[dict[str, object], ...]) -> None:
    authorize(_user(*statements), "sts", "GetSessionToken", ["*"], source_ip="127.0.0.1")


def test_other_sts_calls_still_need_their_permission() -> None:
    with pytest.raises(ServiceError):
        authorize(_user(), "sts", "AssumeRole", ["*"], source_ip="127.0.0.1")
