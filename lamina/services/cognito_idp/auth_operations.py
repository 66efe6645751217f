"""Authentication flows: USER_PASSWORD_AUTH, USER_SRP_AUTH, admin flows, refresh,
NEW_PASSWORD_REQUIRED and PASSWORD_VERIFIER challenges.

https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow.html
"""

from __future__ import annotations

import base64
import secrets as random
from collections.abc import Mapping
from typing import TYPE_CHECKING

import jwt
import orjson

from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.services.cognito_idp import srp
from lamina.services.cognito_idp.model import (
    Client,
    Pool,
    RefreshToken,
    User,
)
from lamina.services.cognito_idp.shapes import (
    SRP_SESSION_S,
    check_secret_hash,
    pool_name,
    token_key,
)

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider


def _flow_allowed(client: Client, flow: str) -> None:
    # A client allows a flow when ExplicitAuthFlows names it (ALLOW_ form or the legacy one).
    # https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-authentication-flow.html
    legacy = {
        "USER_PASSWORD_AUTH": "USER_PASSWORD_AUTH",
        "ADMIN_USER_PASSWORD_AUTH": "ADMIN_NO_SRP_AUTH",
        "ADMIN_NO_SRP_AUTH": "ADMIN_NO_SRP_AUTH",
        "REFRESH_TOKEN_AUTH": "REFRESH_TOKEN_AUTH",
        "REFRESH_TOKEN": "REFRESH_TOKEN_AUTH",
    }
    # A client created without ExplicitAuthFlows allows SRP, refresh and custom auth.
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPoolClient.html
    allowed = set(client.explicit_auth_flows) or {
        "ALLOW_USER_SRP_AUTH",
        "ALLOW_REFRESH_TOKEN_AUTH",
        "ALLOW_CUSTOM_AUTH",
    }
    names = {f"ALLOW_{flow}", f"ALLOW_{legacy.get(flow, flow)}", legacy.get(flow, flow)}
    if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        return  # refresh is always allowed
    if flow == "ADMIN_NO_SRP_AUTH":
        names.add("ALLOW_ADMIN_USER_PASSWORD_AUTH")
    if not allowed & names:
        raise ServiceError("InvalidParameterException", f"{flow} flow not enabled for this client")


async def _authenticate(
    idp: CognitoIdpProvider, pool: Pool, client: Client, flow: str, parameters: Mapping[str, str]
) -> OperationOutput:
    if flow in ("REFRESH_TOKEN_AUTH", "REFRESH_TOKEN"):
        return await _refresh(idp, pool, client, parameters)
    if flow == "USER_SRP_AUTH":
        _flow_allowed(client, flow)
        return _srp_challenge(idp, pool, client, parameters)
    if flow not in ("USER_PASSWORD_AUTH", "ADMIN_USER_PASSWORD_AUTH", "ADMIN_NO_SRP_AUTH"):
        raise ServiceError(
            "InvalidParameterException",
            f"Auth flow {flow} is not supported by Lamina yet (custom auth and MFA are not built)",
        )
    _flow_allowed(client, flow)
    username = parameters.get("USERNAME", "")
    check_secret_hash(client, username, parameters.get("SECRET_HASH"))
    user = _known_user(idp, pool, client, username)
    if not idp.password_matches(user, parameters.get("PASSWORD", "")):
        raise ServiceError("NotAuthorizedException", "Incorrect username or password.")
    return await _signed_in(idp, pool, client, user)


def _known_user(idp: CognitoIdpProvider, pool: Pool, client: Client, username: str) -> User:
    user = idp.find_user(pool, username)
    # With PreventUserExistenceErrors (the default), a missing user reads as a bad password.
    # https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-managing-errors.html
    if user is None:
        if client.prevent_user_existence_errors == "ENABLED":
            raise ServiceError("NotAuthorizedException", "Incorrect username or password.")
        raise ServiceError("UserNotFoundException", "User does not exist.")
    if not user.enabled:
        raise ServiceError("NotAuthorizedException", "User is disabled.")
    return user


async def _signed_in(
    idp: CognitoIdpProvider, pool: Pool, client: Client, user: User
) -> OperationOutput:
    """After the password is proven: confirmation and forced-change checks, then tokens."""
    if user.status == "UNCONFIRMED":
        raise ServiceError("UserNotConfirmedException", "User is not confirmed.")
    if user.status == "RESET_REQUIRED":
        raise ServiceError("PasswordResetRequiredException", "Password reset required for the user")
    if user.status == "FORCE_CHANGE_PASSWORD":
        if user.temporary_expires is not None and user.temporary_expires < idp.now():
            raise ServiceError(
                "NotAuthorizedException",
                "Temporary password has expired and must be reset by an administrator.",
            )
        return {
            "ChallengeName": "NEW_PASSWORD_REQUIRED",
            "Session": _session(idp, pool, client, user),
            "ChallengeParameters": {
                "USER_ID_FOR_SRP": user.username,
                "requiredAttributes": "[]",
                "userAttributes": orjson.dumps(
                    {k: v for k, v in user.attributes.items() if not k.endswith("_verified")}
                ).decode(),
            },
        }
    return {
        "ChallengeParameters": {},
        "AuthenticationResult": await idp.issue(pool, client, user, refresh=True),
    }


def _srp_challenge(
    idp: CognitoIdpProvider, pool: Pool, client: Client, parameters: Mapping[str, str]
) -> OperationOutput:
    """USER_SRP_AUTH step one: answer the client's A with PASSWORD_VERIFIER (salt, B and a
    secret block naming this sign-in)."""
    username = parameters.get("USERNAME", "")
    check_secret_hash(client, username, parameters.get("SECRET_HASH"))
    user = _known_user(idp, pool, client, username)
    if not user.srp_verifier:
        # Users whose password was set before Lamina kept SRP verifiers.
        raise ServiceError("NotAuthorizedException", "Incorrect username or password.")
    try:
        session = srp.ServerSession(parameters.get("SRP_A", ""), user.srp_verifier)
    except ValueError:
        raise ServiceError("InvalidParameterException", "SRP_A is not valid.") from None
    now = idp.now()
    for block, entry in list(idp.srp_sessions.items()):
        if entry[4] < now:
            del idp.srp_sessions[block]
    secret_block = base64.b64encode(random.token_bytes(64)).decode()
    idp.srp_sessions[secret_block] = (
        session,
        pool.id,
        client.id,
        user.username,
        now + SRP_SESSION_S,
    )
    return {
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {
            "SALT": user.srp_salt,
            "SECRET_BLOCK": secret_block,
            "SRP_B": format(session.b_public, "x"),
            "USERNAME": user.username,
            "USER_ID_FOR_SRP": user.username,
        },
    }


async def _password_verifier(
    idp: CognitoIdpProvider, pool: Pool, client: Client, responses: Mapping[str, str]
) -> OperationOutput:
    """USER_SRP_AUTH step two: the client's HMAC proves it derived the same key."""
    block = responses.get("PASSWORD_CLAIM_SECRET_BLOCK", "")
    entry = idp.srp_sessions.pop(block, None)
    if entry is None or entry[1] != pool.id or entry[2] != client.id or entry[4] < idp.now():
        raise ServiceError("NotAuthorizedException", "Invalid session for the user.")
    session, _, _, username, _ = entry
    user = idp.store.get(User, pool.id, username)
    if user is None:
        raise ServiceError("NotAuthorizedException", "Incorrect username or password.")
    check_secret_hash(client, responses.get("USERNAME", username), responses.get("SECRET_HASH"))
    proven = session.signature_matches(
        pool_name(pool),
        username,
        base64.b64decode(block),
        responses.get("TIMESTAMP", ""),
        responses.get("PASSWORD_CLAIM_SIGNATURE", ""),
    )
    if not proven:
        raise ServiceError("NotAuthorizedException", "Incorrect username or password.")
    return await _signed_in(idp, pool, client, user)


def _session(idp: CognitoIdpProvider, pool: Pool, client: Client, user: User) -> str:
    """A challenge session: signed by the pool's key, valid 3 minutes (Cognito's default)."""
    now = int(idp.now())
    return idp.signing_key(pool).sign(
        {
            "pool": pool.id,
            "client": client.id,
            "username": user.username,
            "iat": now,
            "exp": now + 180,
        }
    )


async def _refresh(
    idp: CognitoIdpProvider, pool: Pool, client: Client, parameters: Mapping[str, str]
) -> OperationOutput:
    token = parameters.get("REFRESH_TOKEN", "")
    stored = idp.store.get(RefreshToken, pool.id, token_key(token))
    if stored is None or stored.client_id != client.id:
        raise ServiceError("NotAuthorizedException", "Invalid Refresh Token")
    if stored.expires < idp.now():
        raise ServiceError("NotAuthorizedException", "Refresh Token has expired")
    user = idp.store.get(User, pool.id, stored.username)
    if user is None or stored.issued < user.tokens_revoked_at:
        raise ServiceError("NotAuthorizedException", "Refresh Token has been revoked")
    if client.secret is not None:
        check_secret_hash(
            client, parameters.get("USERNAME", user.username), parameters.get("SECRET_HASH")
        )
    result = await idp.issue(
        pool,
        client,
        user,
        refresh=False,
        auth_time=stored.auth_time,
        scope=stored.scope,
        origin_jti=stored.origin_jti or None,
    )
    return {"ChallengeParameters": {}, "AuthenticationResult": result}


async def _initiate_auth(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool, client = idp.client(params["ClientId"])
    return await _authenticate(
        idp, pool, client, params["AuthFlow"], params.get("AuthParameters") or {}
    )


async def _admin_initiate_auth(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    client = idp.store.get(Client, pool.id, params["ClientId"])
    if client is None:
        raise ServiceError(
            "ResourceNotFoundException", f"User pool client {params['ClientId']} does not exist."
        )
    return await _authenticate(
        idp, pool, client, params["AuthFlow"], params.get("AuthParameters") or {}
    )


async def _respond_to_challenge(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool, client = idp.client(params["ClientId"])
    if params["ChallengeName"] == "PASSWORD_VERIFIER":
        return await _password_verifier(idp, pool, client, params.get("ChallengeResponses") or {})
    if params["ChallengeName"] != "NEW_PASSWORD_REQUIRED":
        raise ServiceError(
            "InvalidParameterException",
            f"Challenge {params['ChallengeName']} is not supported by Lamina yet",
        )
    try:
        token = params.get("Session") or ""
        session = idp.verification_key(pool, token).verify(token, idp.now())
    except jwt.PyJWTError:
        raise ServiceError(
            "NotAuthorizedException", "Invalid session for the user, session is expired."
        ) from None
    responses = params.get("ChallengeResponses") or {}
    user = idp.user(pool, session["username"])
    check_secret_hash(
        client, responses.get("USERNAME", user.username), responses.get("SECRET_HASH")
    )
    password = responses.get("NEW_PASSWORD", "")
    idp.check_password(pool, password)
    idp.set_password(pool, user, password)
    user.status = "CONFIRMED"
    user.temporary_expires = None
    for name, value in responses.items():
        if name.startswith("userAttributes."):
            user.attributes[name.removeprefix("userAttributes.")] = value
    idp.save(pool, user)
    return {
        "ChallengeParameters": {},
        "AuthenticationResult": await idp.issue(pool, client, user, refresh=True),
    }


OPERATIONS: dict[str, Operation[CognitoIdpProvider]] = {
    "InitiateAuth": _initiate_auth,
    "AdminInitiateAuth": _admin_initiate_auth,
    "RespondToAuthChallenge": _respond_to_challenge,
    "AdminRespondToAuthChallenge": _respond_to_challenge,
}
