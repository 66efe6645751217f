"""What the user pool operations share: the API's shapes for pools, clients, users and
groups, secret hashes, password hashing, code masking, token-store keys."""

from __future__ import annotations

import base64
import hashlib
import hmac
import string
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import msgspec

from lamina.aws.service import ServiceError
from lamina.services.cognito_idp.model import (
    Client,
    PasswordPolicy,
    Pool,
    User,
)

CODE_VALIDITY_S = 24 * 3600
"""Confirmation codes are valid for 24 hours.
https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html"""
RESET_CODE_VALIDITY_S = 3600
ID_CHARS = string.ascii_letters + string.digits
CLIENT_CHARS = string.ascii_lowercase + string.digits
SRP_SESSION_S = 300
"""How long a PASSWORD_VERIFIER challenge may be answered (Cognito sessions last minutes)."""


def configure_pool(pool: Pool, params: Mapping[str, Any]) -> None:
    """The settings CreateUserPool (and a template's UserPool) gives, over `pool`."""
    policy = (params.get("Policies") or {}).get("PasswordPolicy") or {}
    pool.password_policy = msgspec_policy(policy)
    pool.username_attributes = list(params.get("UsernameAttributes") or [])
    pool.alias_attributes = list(params.get("AliasAttributes") or [])
    pool.auto_verified_attributes = list(params.get("AutoVerifiedAttributes") or [])
    pool.lambda_config = {
        key: str(value)
        for key, value in (params.get("LambdaConfig") or {}).items()
        if isinstance(value, str)
    }
    pool.schema = list(params.get("Schema") or [])
    pool.mfa = str(params.get("MfaConfiguration", "OFF"))
    pool.deletion_protection = str(params.get("DeletionProtection", "INACTIVE"))
    pool.tags = {str(k): str(v) for k, v in (params.get("UserPoolTags") or {}).items()}
    pool.settings = {key: params[key] for key in STORED_SETTINGS if params.get(key) is not None}


STORED_SETTINGS = (
    "EmailConfiguration",
    "SmsConfiguration",
    "AdminCreateUserConfig",
    "VerificationMessageTemplate",
    "EmailVerificationMessage",
    "EmailVerificationSubject",
    "SmsVerificationMessage",
    "SmsAuthenticationMessage",
    "DeviceConfiguration",
    "UserPoolAddOns",
    "AccountRecoverySetting",
    "UserAttributeUpdateSettings",
)
"""Settings kept and described as given; Lamina does not act on them (codes go to the
outbox, whatever the message templates say)."""


def msgspec_policy(given: Mapping[str, Any]) -> PasswordPolicy:
    """A pool without a PasswordPolicy gets Cognito's defaults (8 characters, every kind
    required); a given policy's missing Require* flags are false, as in the API."""
    if not given:
        return PasswordPolicy()
    return PasswordPolicy(
        MinimumLength=int(given.get("MinimumLength", 8)),
        RequireUppercase=flag(given.get("RequireUppercase")),
        RequireLowercase=flag(given.get("RequireLowercase")),
        RequireNumbers=flag(given.get("RequireNumbers")),
        RequireSymbols=flag(given.get("RequireSymbols")),
        TemporaryPasswordValidityDays=int(given.get("TemporaryPasswordValidityDays", 7)),
    )


def flag(value: object) -> bool:
    """A boolean from the API (true) or a template ("true" / "True" as CloudFormation
    passes strings through)."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def hash_password(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)


def token_key(token: str) -> str:
    return "refresh:" + hashlib.sha256(token.encode()).hexdigest()


def revoked_key(origin_jti: str) -> str:
    return "revoked-origin:" + origin_jti


def masked(destination: str) -> str:
    # Cognito masks the destination: a***@e***
    if "@" in destination:
        local, _, domain = destination.partition("@")
        return f"{local[:1]}***@{domain[:1]}***"
    return f"+*******{destination[-4:]}" if destination else ""


def time_of(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def secret_hash(client_secret: str, username: str, client_id: str) -> str:
    """Base64(HMAC-SHA256(client secret, username + client id)).
    https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash
    """
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def check_secret_hash(client: Client, username: str, given: str | None) -> None:
    if client.secret is None:
        return
    # Compared as bytes: compare_digest refuses str with non-ASCII characters (a 500).
    if given is None or not hmac.compare_digest(
        given.encode(), secret_hash(client.secret, username, client.id).encode()
    ):
        raise ServiceError(
            "NotAuthorizedException", f"Unable to verify secret hash for client {client.id}"
        )


def attributes_of(given: list[Mapping[str, Any]] | None) -> dict[str, str]:
    return {str(a["Name"]): str(a.get("Value", "")) for a in given or ()}


def attribute_list(user: User) -> list[dict[str, str]]:
    return [{"Name": "sub", "Value": user.sub}] + [
        {"Name": name, "Value": value} for name, value in user.attributes.items()
    ]


def user_type(user: User) -> dict[str, Any]:
    return {
        "Username": user.username,
        "Attributes": attribute_list(user),
        "UserCreateDate": time_of(user.created),
        "UserLastModifiedDate": time_of(user.modified),
        "Enabled": user.enabled,
        "UserStatus": user.status,
    }


def pool_type(pool: Pool) -> dict[str, Any]:
    described: dict[str, Any] = {
        "Id": pool.id,
        "Name": pool.name,
        "Arn": pool.arn,
        "Policies": {"PasswordPolicy": msgspec.structs.asdict(pool.password_policy)},
        "LambdaConfig": dict(pool.lambda_config),
        "LastModifiedDate": time_of(pool.modified),
        "CreationDate": time_of(pool.created),
        "SchemaAttributes": list(pool.schema),
        "AutoVerifiedAttributes": list(pool.auto_verified_attributes),
        "UsernameAttributes": list(pool.username_attributes),
        "AliasAttributes": list(pool.alias_attributes),
        "MfaConfiguration": pool.mfa,
        "DeletionProtection": pool.deletion_protection,
        "UserPoolTags": dict(pool.tags),
        **pool.settings,
    }
    if pool.domain:
        described["Domain"] = pool.domain
    if pool.custom_domain:
        described["CustomDomain"] = pool.custom_domain
    return described


def client_type(client: Client) -> dict[str, Any]:
    described: dict[str, Any] = {
        "UserPoolId": client.pool_id,
        "ClientName": client.name,
        "ClientId": client.id,
        "LastModifiedDate": time_of(client.modified),
        "CreationDate": time_of(client.created),
        "ExplicitAuthFlows": list(client.explicit_auth_flows),
        "AccessTokenValidity": client.access_token_minutes,
        "IdTokenValidity": client.id_token_minutes,
        "RefreshTokenValidity": client.refresh_token_days,
        "TokenValidityUnits": {
            "AccessToken": "minutes",
            "IdToken": "minutes",
            "RefreshToken": "days",
        },
        "AllowedOAuthFlows": list(client.allowed_oauth_flows),
        "AllowedOAuthScopes": list(client.allowed_oauth_scopes),
        "CallbackURLs": list(client.callback_urls),
        "LogoutURLs": list(client.logout_urls),
        "SupportedIdentityProviders": list(client.supported_identity_providers),
        "PreventUserExistenceErrors": client.prevent_user_existence_errors,
        "AllowedOAuthFlowsUserPoolClient": client.allowed_oauth_flows_user_pool_client,
        "ReadAttributes": list(client.read_attributes),
        "WriteAttributes": list(client.write_attributes),
        "EnableTokenRevocation": client.enable_token_revocation,
        "AuthSessionValidity": client.auth_session_validity,
    }
    if client.default_redirect_uri is not None:
        described["DefaultRedirectURI"] = client.default_redirect_uri
    if client.secret is not None:
        described["ClientSecret"] = client.secret
    return described


def pool_name(pool: Pool) -> str:
    """What SRP clients call the pool's name: its id after the region and `_`."""
    return pool.id.split("_", 1)[1]
