"""USER_SRP_AUTH with an SRP client we did not write (pycognito's AWSSRP, which follows
amazon-cognito-identity-js): a right password signs in, a wrong one is refused, a
forced password change still surfaces as NEW_PASSWORD_REQUIRED."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from pycognito.aws_srp import AWSSRP
from pycognito.exceptions import ForceChangePasswordException

from lamina.services.cognito_idp import srp

from .conftest import CognitoServer

PASSWORD = "Passw0rd!"


def _pool(server: CognitoServer) -> tuple[str, str]:
    admin = server.admin()
    pool_id = admin.create_user_pool(PoolName="srp")["UserPool"]["Id"]
    # No ExplicitAuthFlows: SRP is among the defaults.
    client_id = admin.create_user_pool_client(UserPoolId=pool_id, ClientName="app")[
        "UserPoolClient"
    ]["ClientId"]
    return pool_id, client_id


def _user(server: CognitoServer, pool_id: str, username: str, *, permanent: bool = True) -> None:
    admin = server.admin()
    admin.admin_create_user(
        UserPoolId=pool_id, Username=username, TemporaryPassword=PASSWORD, MessageAction="SUPPRESS"
    )
    if permanent:
        admin.admin_set_user_password(
            UserPoolId=pool_id, Username=username, Password=PASSWORD, Permanent=True
        )


def _password_verifier(server: CognitoServer) -> tuple[Any, str, dict[str, str]]:
    """A signed-up user's PASSWORD_VERIFIER answer, computed by pycognito and not yet sent:
    the public client, the app client id and the challenge responses."""
    pool_id, client_id = _pool(server)
    _user(server, pool_id, "ada")
    helper = AWSSRP(
        username="ada",
        password=PASSWORD,
        pool_id=pool_id,
        client_id=client_id,
        client=server.public(),
    )
    client = server.public()
    challenge = client.initiate_auth(
        ClientId=client_id, AuthFlow="USER_SRP_AUTH", AuthParameters=helper.get_auth_params()
    )
    responses = helper.process_challenge(challenge["ChallengeParameters"], helper.get_auth_params())
    return client, client_id, responses


def test_srp_sign_in_with_pycognito(server: CognitoServer) -> None:
    pool_id, client_id = _pool(server)
    _user(server, pool_id, "ada")
    client = server.public()
    tokens = AWSSRP(
        username="ada", password=PASSWORD, pool_id=pool_id, client_id=client_id, client=client
    ).authenticate_user()
    assert tokens["AuthenticationResult"]["IdToken"]
    assert (
        client.get_user(AccessToken=tokens["AuthenticationResult"]["AccessToken"])["Username"]
        == "ada"
    )


def test_srp_wrong_password_is_refused(server: CognitoServer) -> None:
    pool_id, client_id = _pool(server)
    _user(server, pool_id, "ada")
    with pytest.raises(ClientError) as error:
        AWSSRP(
            username="ada",
            password="Not-the-passw0rd",
            pool_id=pool_id,
            client_id=client_id,
            client=server.public(),
        ).authenticate_user()
    assert error.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_srp_forced_password_change(server: CognitoServer) -> None:
    pool_id, client_id = _pool(server)
    _user(server, pool_id, "bob", permanent=False)
    with pytest.raises(ForceChangePasswordException):
        AWSSRP(
            username="bob",
            password=PASSWORD,
            pool_id=pool_id,
            client_id=client_id,
            client=server.public(),
        ).authenticate_user()


def test_a_secret_block_answers_once(server: CognitoServer) -> None:
    client, client_id, responses = _password_verifier(server)
    client.respond_to_auth_challenge(
        ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=responses
    )
    with pytest.raises(ClientError) as error:
        client.respond_to_auth_challenge(
            ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=responses
        )
    assert error.value.response["Error"]["Code"] == "NotAuthorizedException"


def test_a_non_ascii_claim_signature_is_a_wrong_password(server: CognitoServer) -> None:
    client, client_id, responses = _password_verifier(server)
    responses["PASSWORD_CLAIM_SIGNATURE"] = "é" * 44
    with pytest.raises(ClientError) as error:
        client.respond_to_auth_challenge(
            ClientId=client_id, ChallengeName="PASSWORD_VERIFIER", ChallengeResponses=responses
        )
    # The first answer's error (a retried 500 would meet the spent secret block instead).
    assert error.value.response["Error"] == {
        **error.value.response["Error"],
        "Code": "NotAuthorizedException",
        "Message": "Incorrect username or password.",
    }


def test_padded_hex_matches_the_clients_rule() -> None:
    assert srp.padded_hex(0x7F) == "7f"
    assert srp.padded_hex(0x80) == "0080"
    assert srp.padded_hex(0xABC) == "0abc"
