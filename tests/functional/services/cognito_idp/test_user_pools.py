"""Cognito user pools through boto3: sign-up with a code from the outbox, sign-in,
tokens verifiable against the pool's JWKS, refresh, groups, admin-created users with a
forced password change, password policy, secret hashes, sign-out, triggers.

https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_Operations.html
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from botocore.exceptions import ClientError

from lamina.services.cognito_idp.shapes import secret_hash

from .conftest import Clock, CognitoServer

PASSWORD = "Passw0rd!"


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]


def _pool(server: CognitoServer, **options: Any) -> tuple[str, str]:
    admin = server.admin()
    pool = admin.create_user_pool(PoolName="users", AutoVerifiedAttributes=["email"], **options)
    pool_id = pool["UserPool"]["Id"]
    client = admin.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )
    return pool_id, client["UserPoolClient"]["ClientId"]


def _signed_up(server: CognitoServer, client_id: str, username: str = "ada") -> None:
    public = server.public()
    public.sign_up(
        ClientId=client_id,
        Username=username,
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "ada@example.com"}],
    )
    code = server.provider.outbox.messages[-1]["code"]
    public.confirm_sign_up(ClientId=client_id, Username=username, ConfirmationCode=code)


def _login(server: CognitoServer, client_id: str, username: str = "ada") -> dict[str, Any]:
    answer = server.public().initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": username, "PASSWORD": PASSWORD},
    )
    return answer["AuthenticationResult"]  # type: ignore[no-any-return]


def test_pool_ids_and_arns_have_cognitos_shape(server: CognitoServer) -> None:
    pool_id, client_id = _pool(server)
    assert re.fullmatch(r"us-east-1_[A-Za-z0-9]{9}", pool_id)
    assert re.fullmatch(r"[a-z0-9]{26}", client_id)
    pool = server.admin().describe_user_pool(UserPoolId=pool_id)["UserPool"]
    assert pool["Arn"] == f"arn:aws:cognito-idp:us-east-1:123456789012:userpool/{pool_id}"
    assert pool["Policies"]["PasswordPolicy"]["MinimumLength"] == 8


def test_sign_up_confirm_and_sign_in(server: CognitoServer) -> None:
    pool_id, client_id = _pool(server)
    public = server.public()
    signed = public.sign_up(
        ClientId=client_id,
        Username="ada",
        Password=PASSWORD,
        UserAttributes=[{"Name": "email", "Value": "ada@example.com"}],
    )
    assert signed["UserConfirmed"] is False
    assert signed["CodeDeliveryDetails"] == {
        "Destination": "a***@e***",
        "DeliveryMedium": "EMAIL",
        "AttributeName": "email",
    }
    with pytest.raises(ClientError) as error:
        _login(server, client_id)
    assert _error(error) == ("UserNotConfirmedException", "User is not confirmed.")
    with pytest.raises(ClientError) as error:
        public.confirm_sign_up(ClientId=client_id, Username="ada", ConfirmationCode="000000")
    assert _error(error)[0] == "CodeMismatchException"
    code = server.provider.outbox.messages[-1]["code"]
    public.confirm_sign_up(ClientId=client_id, Username="ada", ConfirmationCode=code)
    user = server.admin().admin_get_user(UserPoolId=pool_id, Username="ada")
    assert user["UserStatus"] == "CONFIRMED"
    attributes = {a["Name"]: a["Value"] for a in user["UserAttributes"]}
    assert attributes["email_verified"] == "true"
    result = _login(server, client_id)
    assert result["TokenType"] == "Bearer" and result["ExpiresIn"] == 3600
    assert {"AccessToken", "IdToken", "RefreshToken"} <= set(result)


def test_tokens_verify_against_the_pools_jwks(server: CognitoServer) -> None:
    pool_id, client_id = _pool(server)
    _signed_up(server, client_id)
    result = _login(server, client_id)
    jwks = httpx.get(f"{server.url}/{pool_id}/.well-known/jwks.json").json()
    keys = jwt.PyJWKSet.from_dict(jwks)
    kid = jwt.get_unverified_header(result["IdToken"])["kid"]
    key = next(k for k in keys.keys if k.key_id == kid)
    issuer = f"{server.url}/{pool_id}"
    id_claims = jwt.decode(
        result["IdToken"], key.key, algorithms=["RS256"], audience=client_id, issuer=issuer
    )
    assert id_claims["token_use"] == "id"
    assert id_claims["cognito:username"] == "ada"
    assert id_claims["email"] == "ada@example.com" and id_claims["email_verified"] is True
    assert id_claims["exp"] - id_claims["iat"] == 3600
    access = jwt.decode(result["AccessToken"], key.key, algorithms=["RS256"], issuer=issuer)
    assert access["token_use"] == "access"
    assert access["client_id"] == client_id and "aud" not in access
    assert access["username"] == "ada" and access["scope"] == "aws.cognito.signin.user.admin"
    assert access["sub"] == id_claims["sub"]


def test_wrong_password_and_unknown_user_read_the_same(server: CognitoServer) -> None:
    _, client_id = _pool(server)
    _signed_up(server, client_id)
    public = server.public()
    for username, password in (("ada", "Wrong0!xx"), ("nobody", PASSWORD)):
        with pytest.raises(ClientError) as error:
            public.initiate_auth(
                ClientId=client_id,
                AuthFlow="USER_PASSWORD_AUTH",
                AuthParameters={"USERNAME": username, "PASSWORD": password},
            )
        assert _error(error) == ("NotAuthorizedException", "Incorrect username or password.")


def test_password_policy(server: CognitoServer) -> None:
    _, client_id = _pool(server)
    public = server.public()
    for password, problem in (
        ("Sh0rt!", "Password not long enough"),
        ("nouppercase0!", "Password must have uppercase characters"),
        ("NoNumbers!!", "Password must have numeric characters"),
        ("NoSymbols00", "Password must have symbol characters"),
    ):
        with pytest.raises(ClientError) as error:
            public.sign_up(ClientId=client_id, Username="bob", Password=password)
        assert _error(error) == (
            "InvalidPasswordException",
            f"Password did not conform with policy: {problem}",
        )


def test_refresh_and_global_sign_out(server: CognitoServer) -> None:
    _, client_id = _pool(server)
    _signed_up(server, client_id)
    result = _login(server, client_id)
    public = server.public()
    refreshed = public.initiate_auth(
        ClientId=client_id,
        AuthFlow="REFRESH_TOKEN_AUTH",
        AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]},
    )["AuthenticationResult"]
    assert "RefreshToken" not in refreshed and refreshed["AccessToken"]
    assert public.get_user(AccessToken=refreshed["AccessToken"])["Username"] == "ada"
    public.global_sign_out(AccessToken=refreshed["AccessToken"])
    with pytest.raises(ClientError) as error:
        public.get_user(AccessToken=refreshed["AccessToken"])
    assert _error(error) == ("NotAuthorizedException", "Access Token has been revoked")
    with pytest.raises(ClientError) as error:
        public.initiate_auth(
            ClientId=client_id,
            AuthFlow="REFRESH_TOKEN_AUTH",
            AuthParameters={"REFRESH_TOKEN": result["RefreshToken"]},
        )
    assert _error(error) == ("NotAuthorizedException", "Refresh Token has been revoked")


def test_expired_access_token(server: CognitoServer, clock: Clock) -> None:
    _, client_id = _pool(server)
    _signed_up(server, client_id)
    token = _login(server, client_id)["AccessToken"]
    clock.now += 3601
    with pytest.raises(ClientError) as error:
        server.public().get_user(AccessToken=token)
    assert _error(error) == ("NotAuthorizedException", "Access Token has expired")


def test_groups_appear_in_tokens_by_precedence(server: CognitoServer) -> None:
    pool_id, client_id = _pool(server)
    _signed_up(server, client_id)
    admin = server.admin()
    admin.create_group(UserPoolId=pool_id, GroupName="readers", Precedence=5)
    admin.create_group(UserPoolId=pool_id, GroupName="admins", Precedence=1)
    admin.admin_add_user_to_group(UserPoolId=pool_id, Username="ada", GroupName="readers")
    admin.admin_add_user_to_group(UserPoolId=pool_id, Username="ada", GroupName="admins")
    result = _login(server, client_id)
    claims = jwt.decode(result["IdToken"], options={"verify_signature": False})
    assert claims["cognito:groups"] == ["admins", "readers"]
    listed = admin.admin_list_groups_for_user(UserPoolId=pool_id, Username="ada")["Groups"]
    assert [g["GroupName"] for g in listed] == ["admins", "readers"]


def test_admin_created_user_must_change_password(server: CognitoServer) -> None:
    pool_id, client_id = _pool(server)
    admin = server.admin()
    created = admin.admin_create_user(
        UserPoolId=pool_id,
        Username="carol",
        TemporaryPassword="Temp0rary!",
        MessageAction="SUPPRESS",
    )
    assert created["User"]["UserStatus"] == "FORCE_CHANGE_PASSWORD"
    public = server.public()
    challenge = public.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "carol", "PASSWORD": "Temp0rary!"},
    )
    assert challenge["ChallengeName"] == "NEW_PASSWORD_REQUIRED"
    answered = public.respond_to_auth_challenge(
        ClientId=client_id,
        ChallengeName="NEW_PASSWORD_REQUIRED",
        Session=challenge["Session"],
        ChallengeResponses={"USERNAME": "carol", "NEW_PASSWORD": PASSWORD},
    )
    assert answered["AuthenticationResult"]["IdToken"]
    assert admin.admin_get_user(UserPoolId=pool_id, Username="carol")["UserStatus"] == "CONFIRMED"


def test_client_secret_requires_the_secret_hash(server: CognitoServer) -> None:
    pool_id, _ = _pool(server)
    client = server.admin().create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="backend",
        GenerateSecret=True,
        ExplicitAuthFlows=["ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"],
    )["UserPoolClient"]
    public = server.public()
    with pytest.raises(ClientError) as error:
        public.sign_up(ClientId=client["ClientId"], Username="dan", Password=PASSWORD)
    assert _error(error) == (
        "NotAuthorizedException",
        f"Unable to verify secret hash for client {client['ClientId']}",
    )
    digest = secret_hash(client["ClientSecret"], "dan", client["ClientId"])
    public.sign_up(
        ClientId=client["ClientId"], Username="dan", Password=PASSWORD, SecretHash=digest
    )


def test_flow_must_be_enabled_on_the_client(server: CognitoServer) -> None:
    pool_id, _ = _pool(server)
    bare = server.admin().create_user_pool_client(UserPoolId=pool_id, ClientName="srp-only")
    with pytest.raises(ClientError) as error:
        server.public().initiate_auth(
            ClientId=bare["UserPoolClient"]["ClientId"],
            AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": "x", "PASSWORD": "y"},
        )
    assert _error(error) == (
        "InvalidParameterException",
        "USER_PASSWORD_AUTH flow not enabled for this client",
    )


def test_forgot_password(server: CognitoServer) -> None:
    _, client_id = _pool(server)
    _signed_up(server, client_id)
    public = server.public()
    public.forgot_password(ClientId=client_id, Username="ada")
    code = server.provider.outbox.messages[-1]["code"]
    public.confirm_forgot_password(
        ClientId=client_id, Username="ada", ConfirmationCode=code, Password="N3w-passw0rd"
    )
    answer = public.initiate_auth(
        ClientId=client_id,
        AuthFlow="USER_PASSWORD_AUTH",
        AuthParameters={"USERNAME": "ada", "PASSWORD": "N3w-passw0rd"},
    )
    assert answer["AuthenticationResult"]["AccessToken"]


def test_email_as_username(server: CognitoServer) -> None:
    _, client_id = _pool(server, UsernameAttributes=["email"])
    public = server.public()
    signed = public.sign_up(ClientId=client_id, Username="eve@example.com", Password=PASSWORD)
    code = server.provider.outbox.messages[-1]["code"]
    public.confirm_sign_up(ClientId=client_id, Username="eve@example.com", ConfirmationCode=code)
    result = _login(server, client_id, "eve@example.com")
    claims = jwt.decode(result["IdToken"], options={"verify_signature": False})
    # The username is the sub; the e-mail is the sign-in name.
    assert claims["cognito:username"] == signed["UserSub"] == claims["sub"]
    assert claims["email"] == "eve@example.com"


def test_triggers_shape_sign_up_and_tokens(tmp_path: Path, clock: Clock) -> None:
    seen: list[str] = []

    async def triggers(function: str, event: dict[str, Any]) -> dict[str, Any]:
        seen.append(event["triggerSource"])
        if event["triggerSource"] == "PreSignUp_SignUp":
            event["response"] = {"autoConfirmUser": True, "autoVerifyEmail": True}
        if event["triggerSource"] == "TokenGeneration_Authentication":
            event["response"] = {
                "claimsOverrideDetails": {
                    "claimsToAddOrOverride": {"tenant": "acme"},
                    "claimsToSuppress": ["email"],
                }
            }
        return event

    server = CognitoServer(tmp_path, clock, triggers)
    try:
        arn = "arn:aws:lambda:us-east-1:123456789012:function:hook"
        _, client_id = _pool(
            server,
            LambdaConfig={"PreSignUp": arn, "PostConfirmation": arn, "PreTokenGeneration": arn},
        )
        signed = server.public().sign_up(
            ClientId=client_id,
            Username="ada",
            Password=PASSWORD,
            UserAttributes=[{"Name": "email", "Value": "ada@example.com"}],
        )
        assert signed["UserConfirmed"] is True and "CodeDeliveryDetails" not in signed
        claims = jwt.decode(
            _login(server, client_id)["IdToken"], options={"verify_signature": False}
        )
        assert claims["tenant"] == "acme" and "email" not in claims
        assert seen == [
            "PreSignUp_SignUp",
            "PostConfirmation_ConfirmSignUp",
            "TokenGeneration_Authentication",
        ]
    finally:
        server.close()


def test_pools_and_users_survive_a_restart(tmp_path: Path, clock: Clock) -> None:
    first = CognitoServer(tmp_path, clock)
    _, client_id = _pool(first)
    _signed_up(first, client_id)
    first.close()
    second = CognitoServer(tmp_path, clock)
    try:
        assert _login(second, client_id)["IdToken"]
    finally:
        second.close()


def test_key_rotation_keeps_old_tokens_valid_until_they_expire(
    server: CognitoServer, clock: Any
) -> None:
    """After a rotation new tokens carry the new `kid`; the JWKS lists both keys, and a
    token signed before still verifies (by its kid) until the old key is dropped a day
    later, when it has expired anyway.
    https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html
    """
    pool_id, client_id = _pool(server)
    _signed_up(server, client_id)
    before = _login(server, client_id)
    old_kid = jwt.get_unverified_header(before["AccessToken"])["kid"]
    pool = server.provider.pool(pool_id)
    new_kid = server.provider.rotate_signing_key(pool)
    assert new_kid != old_kid

    after = _login(server, client_id)
    assert jwt.get_unverified_header(after["IdToken"])["kid"] == new_kid
    jwks = httpx.get(f"{server.url}/{pool_id}/.well-known/jwks.json").json()
    assert [k["kid"] for k in jwks["keys"]] == [new_kid, old_kid]
    keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(jwks).keys}
    for token in (before["AccessToken"], after["AccessToken"]):
        kid = jwt.get_unverified_header(token)["kid"]
        jwt.decode(token, keys[kid].key, algorithms=["RS256"])
    # Cognito's own APIs accept the old access token too (GetUser verifies by kid).
    public = server.public()
    assert public.get_user(AccessToken=before["AccessToken"])["Username"] == "ada"

    clock.advance(86_400 + 301)  # past the longest token lifetime
    jwks = httpx.get(f"{server.url}/{pool_id}/.well-known/jwks.json").json()
    assert [k["kid"] for k in jwks["keys"]] == [new_kid]


def test_a_rotation_by_another_process_sharing_the_store_is_followed(
    tmp_path: Path, clock: Clock
) -> None:
    """Two Lamina processes on one store: after one rotates a pool's key, the other signs
    with the new key and publishes it in its JWKS (its cached key is the retired one)."""
    first = CognitoServer(tmp_path, clock)
    second = CognitoServer(tmp_path, clock)
    try:
        pool_id, client_id = _pool(first)
        _signed_up(first, client_id)
        old_kid = jwt.get_unverified_header(_login(second, client_id)["IdToken"])["kid"]
        new_kid = first.provider.rotate_signing_key(first.provider.pool(pool_id))
        token = _login(second, client_id)["IdToken"]
        assert jwt.get_unverified_header(token)["kid"] == new_kid
        jwks = httpx.get(f"{second.url}/{pool_id}/.well-known/jwks.json").json()
        assert [k["kid"] for k in jwks["keys"]] == [new_kid, old_kid]
    finally:
        second.close()
        first.close()
