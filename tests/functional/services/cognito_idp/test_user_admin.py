"""Groups (get, update, delete: members lose the group, their next tokens say so), user
attributes (delete, verify with a code from the outbox), AdminResetUserPassword, user
settings and RevokeToken through boto3.

https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_Operations.html
"""

from __future__ import annotations

from typing import Any

import jwt
import pytest
from botocore.exceptions import ClientError

from .conftest import Clock, CognitoServer

PASSWORD = "Passw0rd!"


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]


def _setup(server: CognitoServer, *, secret: bool = False) -> tuple[str, str, str | None]:
    admin = server.admin()
    pool_id = admin.create_user_pool(PoolName="users", AutoVerifiedAttributes=["email"])[
        "UserPool"
    ]["Id"]
    client = admin.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        GenerateSecret=secret,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    admin.admin_create_user(
        UserPoolId=pool_id,
        Username="ada",
        UserAttributes=[
            {"Name": "email", "Value": "ada@example.com"},
            {"Name": "email_verified", "Value": "true"},
            {"Name": "phone_number", "Value": "+15555550100"},
            {"Name": "custom:team", "Value": "blue"},
        ],
        MessageAction="SUPPRESS",
    )
    admin.admin_set_user_password(
        UserPoolId=pool_id, Username="ada", Password=PASSWORD, Permanent=True
    )
    return pool_id, client["ClientId"], client.get("ClientSecret")


def _login(server: CognitoServer, pool_id: str, client_id: str) -> dict[str, Any]:
    answer = server.admin().admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada", "PASSWORD": PASSWORD},
    )
    return answer["AuthenticationResult"]  # type: ignore[no-any-return]


def _claims(token: str) -> dict[str, Any]:
    return jwt.decode(token, options={"verify_signature": False})  # type: ignore[no-any-return]


def _attributes(server: CognitoServer, pool_id: str) -> dict[str, str]:
    user = server.admin().admin_get_user(UserPoolId=pool_id, Username="ada")
    return {a["Name"]: a["Value"] for a in user["UserAttributes"]}


def test_get_update_delete_group(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id, client_id, _ = _setup(server)
    admin.create_group(UserPoolId=pool_id, GroupName="admins", Description="d", Precedence=1)
    admin.create_group(UserPoolId=pool_id, GroupName="readers", Precedence=5)
    group = admin.get_group(UserPoolId=pool_id, GroupName="admins")["Group"]
    assert group["Description"] == "d" and group["Precedence"] == 1
    role = "arn:aws:iam::123456789012:role/admins"
    updated = admin.update_group(UserPoolId=pool_id, GroupName="admins", RoleArn=role)["Group"]
    # Only what is given changes.
    assert updated["RoleArn"] == role and updated["Description"] == "d"
    assert updated["Precedence"] == 1
    admin.update_group(UserPoolId=pool_id, GroupName="admins", Precedence=9)
    assert admin.get_group(UserPoolId=pool_id, GroupName="admins")["Group"]["Precedence"] == 9
    for name in ("admins", "readers"):
        admin.admin_add_user_to_group(UserPoolId=pool_id, Username="ada", GroupName=name)
    # Precedence 5 before 9.
    assert _claims(_login(server, pool_id, client_id)["IdToken"])["cognito:groups"] == [
        "readers",
        "admins",
    ]
    admin.delete_group(UserPoolId=pool_id, GroupName="readers")
    assert [g["GroupName"] for g in admin.list_groups(UserPoolId=pool_id)["Groups"]] == ["admins"]
    listed = admin.admin_list_groups_for_user(UserPoolId=pool_id, Username="ada")["Groups"]
    assert [g["GroupName"] for g in listed] == ["admins"]
    tokens = _login(server, pool_id, client_id)
    assert _claims(tokens["IdToken"])["cognito:groups"] == ["admins"]
    assert _claims(tokens["AccessToken"])["cognito:groups"] == ["admins"]
    for call in (
        lambda: admin.get_group(UserPoolId=pool_id, GroupName="readers"),
        lambda: admin.update_group(UserPoolId=pool_id, GroupName="readers", Description="x"),
        lambda: admin.delete_group(UserPoolId=pool_id, GroupName="readers"),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert _error(error) == ("ResourceNotFoundException", "Group not found.")
    # A new group of the old name starts empty.
    admin.create_group(UserPoolId=pool_id, GroupName="readers")
    assert admin.list_users_in_group(UserPoolId=pool_id, GroupName="readers")["Users"] == []


def test_delete_user_attributes(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id, client_id, _ = _setup(server)
    admin.admin_delete_user_attributes(
        UserPoolId=pool_id, Username="ada", UserAttributeNames=["custom:team"]
    )
    assert "custom:team" not in _attributes(server, pool_id)
    access = _login(server, pool_id, client_id)["AccessToken"]
    server.public().delete_user_attributes(AccessToken=access, UserAttributeNames=["email"])
    left = _attributes(server, pool_id)
    assert "email" not in left and "email_verified" not in left
    assert left["phone_number"] == "+15555550100"
    with pytest.raises(ClientError) as error:
        admin.admin_delete_user_attributes(
            UserPoolId=pool_id, Username="nobody", UserAttributeNames=["email"]
        )
    assert _error(error) == ("UserNotFoundException", "User does not exist.")
    with pytest.raises(ClientError) as error:
        server.public().delete_user_attributes(AccessToken="bad", UserAttributeNames=["email"])
    assert _error(error) == ("NotAuthorizedException", "Invalid Access Token")


def test_verify_attribute_with_a_code(server: CognitoServer, clock: Clock) -> None:
    pool_id, client_id, _ = _setup(server)
    public = server.public()
    access = _login(server, pool_id, client_id)["AccessToken"]
    delivery = public.get_user_attribute_verification_code(
        AccessToken=access, AttributeName="phone_number"
    )["CodeDeliveryDetails"]
    assert delivery == {
        "Destination": "+*******0100",
        "DeliveryMedium": "SMS",
        "AttributeName": "phone_number",
    }
    message = server.provider.outbox.messages[-1]
    assert message["destination"] == "+15555550100" and message["medium"] == "SMS"
    with pytest.raises(ClientError) as error:
        public.verify_user_attribute(AccessToken=access, AttributeName="phone_number", Code="0")
    assert _error(error) == (
        "CodeMismatchException",
        "Invalid verification code provided, please try again.",
    )
    assert "phone_number_verified" not in _attributes(server, pool_id)
    public.verify_user_attribute(
        AccessToken=access, AttributeName="phone_number", Code=message["code"]
    )
    assert _attributes(server, pool_id)["phone_number_verified"] == "true"
    # A code for one attribute does not verify another.
    public.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    code = server.provider.outbox.messages[-1]["code"]
    assert server.provider.outbox.messages[-1]["medium"] == "EMAIL"
    with pytest.raises(ClientError) as error:
        public.verify_user_attribute(AccessToken=access, AttributeName="phone_number", Code=code)
    assert _error(error)[0] == "CodeMismatchException"
    # Codes last 24 hours.
    public.get_user_attribute_verification_code(AccessToken=access, AttributeName="email")
    code = server.provider.outbox.messages[-1]["code"]
    clock.advance(24 * 3600 + 1)
    fresh = _login(server, pool_id, client_id)["AccessToken"]
    with pytest.raises(ClientError) as error:
        public.verify_user_attribute(AccessToken=fresh, AttributeName="email", Code=code)
    assert _error(error) == (
        "ExpiredCodeException",
        "Invalid code provided, please request a code again.",
    )
    with pytest.raises(ClientError) as error:
        public.get_user_attribute_verification_code(AccessToken=fresh, AttributeName="locale")
    assert _error(error)[0] == "InvalidParameterException"


def test_admin_reset_user_password(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id, client_id, _ = _setup(server)
    admin.admin_reset_user_password(UserPoolId=pool_id, Username="ada")
    user = admin.admin_get_user(UserPoolId=pool_id, Username="ada")
    assert user["UserStatus"] == "RESET_REQUIRED"
    message = server.provider.outbox.messages[-1]
    assert message["destination"] == "ada@example.com"  # the verified email
    with pytest.raises(ClientError) as error:
        _login(server, pool_id, client_id)
    assert _error(error) == (
        "PasswordResetRequiredException",
        "Password reset required for the user",
    )
    server.public().confirm_forgot_password(
        ClientId=client_id,
        Username="ada",
        ConfirmationCode=message["code"],
        Password="N3w-Passw0rd!",
    )
    assert admin.admin_get_user(UserPoolId=pool_id, Username="ada")["UserStatus"] == "CONFIRMED"
    answer = admin.admin_initiate_auth(
        UserPoolId=pool_id,
        ClientId=client_id,
        AuthFlow="ADMIN_USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada", "PASSWORD": "N3w-Passw0rd!"},
    )
    assert "AccessToken" in answer["AuthenticationResult"]
    with pytest.raises(ClientError) as error:
        admin.admin_reset_user_password(UserPoolId=pool_id, Username="nobody")
    assert _error(error) == ("UserNotFoundException", "User does not exist.")


def test_user_settings(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id, client_id, _ = _setup(server)
    options = [{"DeliveryMedium": "SMS", "AttributeName": "phone_number"}]
    admin.admin_set_user_settings(UserPoolId=pool_id, Username="ada", MFAOptions=options)
    assert admin.admin_get_user(UserPoolId=pool_id, Username="ada")["MFAOptions"] == options
    access = _login(server, pool_id, client_id)["AccessToken"]
    server.public().set_user_settings(AccessToken=access, MFAOptions=[])
    assert "MFAOptions" not in server.public().get_user(AccessToken=access)
    with pytest.raises(ClientError) as error:
        admin.admin_set_user_settings(UserPoolId=pool_id, Username="nobody", MFAOptions=[])
    assert _error(error)[0] == "UserNotFoundException"


def test_revoke_token(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id, client_id, secret = _setup(server, secret=True)
    assert secret is not None
    from lamina.services.cognito_idp.shapes import secret_hash

    def login() -> dict[str, Any]:
        answer = admin.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={
                "USERNAME": "ada",
                "PASSWORD": PASSWORD,
                "SECRET_HASH": secret_hash(secret, "ada", client_id),
            },
        )
        return answer["AuthenticationResult"]  # type: ignore[no-any-return]

    tokens = login()
    other = login()
    public = server.public()
    with pytest.raises(ClientError) as error:
        public.revoke_token(Token=tokens["RefreshToken"], ClientId=client_id)
    assert _error(error)[0] == "UnauthorizedException"
    # A secret or secret hash with non-ASCII characters is a wrong one (it was a 500).
    with pytest.raises(ClientError) as error:
        public.revoke_token(Token=tokens["RefreshToken"], ClientId=client_id, ClientSecret="é" * 30)
    assert _error(error)[0] == "UnauthorizedException"
    with pytest.raises(ClientError) as error:
        admin.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow="ADMIN_USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "ada", "PASSWORD": PASSWORD, "SECRET_HASH": "é"},
        )
    assert _error(error)[0] == "NotAuthorizedException"
    with pytest.raises(ClientError) as error:
        public.revoke_token(Token=tokens["AccessToken"], ClientId=client_id, ClientSecret=secret)
    assert _error(error)[0] == "UnsupportedTokenTypeException"
    public.revoke_token(Token=tokens["RefreshToken"], ClientId=client_id, ClientSecret=secret)
    # The access token issued with it is refused; another sign-in's is not.
    with pytest.raises(ClientError) as error:
        public.get_user(AccessToken=tokens["AccessToken"])
    assert _error(error) == ("NotAuthorizedException", "Access Token has been revoked")
    assert public.get_user(AccessToken=other["AccessToken"])["Username"] == "ada"
    with pytest.raises(ClientError) as error:
        admin.admin_initiate_auth(
            UserPoolId=pool_id,
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={
                "REFRESH_TOKEN": tokens["RefreshToken"],
                "SECRET_HASH": secret_hash(secret, "ada", client_id),
            },
        )
    assert _error(error)[0] == "NotAuthorizedException"
    # Revoking again, or an unknown token, is no error.
    public.revoke_token(Token=tokens["RefreshToken"], ClientId=client_id, ClientSecret=secret)
    public.revoke_token(Token="unknown", ClientId=client_id, ClientSecret=secret)
    with pytest.raises(ClientError) as error:
        public.revoke_token(Token="x", ClientId="nosuchclient")
    assert _error(error)[0] == "UnauthorizedException"
    admin.update_user_pool_client(
        UserPoolId=pool_id,
        ClientId=client_id,
        ExplicitAuthFlows=["ALLOW_ADMIN_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
        EnableTokenRevocation=False,
    )
    with pytest.raises(ClientError) as error:
        public.revoke_token(Token=other["RefreshToken"], ClientId=client_id, ClientSecret=secret)
    assert _error(error)[0] == "UnsupportedOperationException"


def test_changing_email_unverifies_it_and_sends_a_code(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id, client_id, _ = _setup(server)  # the pool auto-verifies email
    access = _login(server, pool_id, client_id)["AccessToken"]
    public = server.public()
    sent = len(server.provider.outbox.messages)
    answer = public.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": "new@example.com"}]
    )
    assert answer["CodeDeliveryDetailsList"] == [
        {"Destination": "n***@e***", "DeliveryMedium": "EMAIL", "AttributeName": "email"}
    ]
    message = server.provider.outbox.messages[-1]
    assert len(server.provider.outbox.messages) == sent + 1
    assert message["destination"] == "new@example.com"
    attributes = _attributes(server, pool_id)
    assert attributes["email"] == "new@example.com" and attributes["email_verified"] == "false"
    public.verify_user_attribute(AccessToken=access, AttributeName="email", Code=message["code"])
    assert _attributes(server, pool_id)["email_verified"] == "true"
    # The same value again changes nothing and sends nothing.
    again = public.update_user_attributes(
        AccessToken=access, UserAttributes=[{"Name": "email", "Value": "new@example.com"}]
    )
    assert again["CodeDeliveryDetailsList"] == []
    assert _attributes(server, pool_id)["email_verified"] == "true"
    # An administrator may set the value verified in the same call: no code.
    sent = len(server.provider.outbox.messages)
    admin.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username="ada",
        UserAttributes=[
            {"Name": "email", "Value": "third@example.com"},
            {"Name": "email_verified", "Value": "true"},
        ],
    )
    assert len(server.provider.outbox.messages) == sent
    assert _attributes(server, pool_id)["email_verified"] == "true"
    # The phone number is not auto-verified in this pool: unverified, no code.
    admin.admin_update_user_attributes(
        UserPoolId=pool_id,
        Username="ada",
        UserAttributes=[{"Name": "phone_number", "Value": "+15555550199"}],
    )
    assert len(server.provider.outbox.messages) == sent
    assert _attributes(server, pool_id)["phone_number_verified"] == "false"


def test_group_listings_page(server: CognitoServer) -> None:
    admin = server.admin()
    pool_id, _, _ = _setup(server)
    for index in range(5):
        admin.create_group(UserPoolId=pool_id, GroupName=f"g{index}", Precedence=index)
        admin.admin_add_user_to_group(UserPoolId=pool_id, Username="ada", GroupName=f"g{index}")
    first = admin.list_groups(UserPoolId=pool_id, Limit=2)
    assert [g["GroupName"] for g in first["Groups"]] == ["g0", "g1"]
    names = [
        g["GroupName"]
        for page in admin.get_paginator("list_groups").paginate(
            UserPoolId=pool_id, PaginationConfig={"PageSize": 2}
        )
        for g in page["Groups"]
    ]
    assert names == [f"g{i}" for i in range(5)]
    mine = admin.get_paginator("admin_list_groups_for_user").paginate(
        UserPoolId=pool_id, Username="ada", PaginationConfig={"PageSize": 3}
    )
    assert [len(page["Groups"]) for page in mine] == [3, 2]
    members = admin.list_users_in_group(UserPoolId=pool_id, GroupName="g0", Limit=1)
    assert [u["Username"] for u in members["Users"]] == ["ada"] and "NextToken" not in members
    # Limit 0 means a full page, not an empty one.
    assert len(admin.list_groups(UserPoolId=pool_id, Limit=0)["Groups"]) == 5
    assert len(admin.list_users(UserPoolId=pool_id, Limit=0)["Users"]) == 1
