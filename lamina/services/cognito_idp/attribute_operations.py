"""Users' attributes and settings beyond create / update: deleting attributes, verifying
email and phone with a code (sent to the outbox), an administrator's password reset,
the legacy MFA settings, and RevokeToken.

https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetUserAttributeVerificationCode.html
"""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING

from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.services.cognito_idp.model import Client, Pool, User
from lamina.services.cognito_idp.shapes import CODE_VALIDITY_S, RESET_CODE_VALIDITY_S, masked

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider

VERIFIABLE = {"email": "EMAIL", "phone_number": "SMS"}
"""Attributes a code verifies, and the medium it goes by."""


def _code() -> str:
    return f"{secrets.randbelow(1_000_000):06d}"


def _remove(user: User, names: object) -> None:
    """The named attributes go, and with `email` / `phone_number` their `_verified` flag
    (a verified flag without its value would mean nothing). [choice]"""
    for name in names if isinstance(names, list) else []:
        user.attributes.pop(str(name), None)
        if name in VERIFIABLE:
            user.attributes.pop(f"{name}_verified", None)


def update_attributes(
    idp: CognitoIdpProvider, pool: Pool, user: User, given: dict[str, str]
) -> list[dict[str, str]]:
    """UpdateUserAttributes / AdminUpdateUserAttributes: the values replace the stored ones.
    A new email or phone number is unverified (its `_verified` flag "false") unless the call
    sets that flag itself, and, when the pool auto-verifies the attribute, a code goes to the
    new value for VerifyUserAttribute; the deliveries are returned. (With both changed at
    once, the phone number's code is the one that counts: one pending code per user.)
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserAttributes.html
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminUpdateUserAttributes.html
    """
    changed = [
        name for name in VERIFIABLE if name in given and given[name] != user.attributes.get(name)
    ]
    user.attributes.update(given)
    deliveries = []
    for name in changed:
        flag = f"{name}_verified"
        if flag in given:
            continue
        user.attributes[flag] = "false"
        if name in pool.auto_verified_attributes and given[name]:
            deliveries.append(_send_verification(pool, user, idp, name))
    return deliveries


async def _admin_delete_attributes(
    idp: CognitoIdpProvider, params: OperationInput
) -> OperationOutput:
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminDeleteUserAttributes.html
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    _remove(user, params.get("UserAttributeNames"))
    idp.save(pool, user)
    return {}


async def _delete_attributes(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DeleteUserAttributes.html
    pool, user, _ = idp.from_access_token(params["AccessToken"])
    _remove(user, params.get("UserAttributeNames"))
    idp.save(pool, user)
    return {}


def _send_verification(
    pool: Pool, user: User, idp: CognitoIdpProvider, attribute: str
) -> dict[str, str]:
    destination = user.attributes.get(attribute)
    medium = VERIFIABLE.get(attribute)
    if medium is None or not destination:
        # [choice] wording: the attribute cannot receive a code.
        raise ServiceError(
            "InvalidParameterException",
            f"Attribute {attribute} cannot be verified: the user has no value for it."
            if medium is not None
            else f"Attribute {attribute} cannot be verified.",
        )
    code = _code()
    user.pending_code, user.pending_purpose = code, f"verify:{attribute}"
    user.pending_expires = idp.now() + CODE_VALIDITY_S
    idp.outbox.send(pool, user, medium, destination, code)
    return {
        "Destination": masked(destination),
        "DeliveryMedium": medium,
        "AttributeName": attribute,
    }


async def _verification_code(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    """A code for `email` or `phone_number`, delivered to that attribute's value (the
    outbox here); VerifyUserAttribute takes it back.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetUserAttributeVerificationCode.html
    """
    pool, user, _ = idp.from_access_token(params["AccessToken"])
    delivery = _send_verification(pool, user, idp, str(params["AttributeName"]))
    idp.save(pool, user)
    return {"CodeDeliveryDetails": delivery}


async def _verify_attribute(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    """The right code marks the attribute verified (`email_verified` /
    `phone_number_verified` "true"); a wrong one is CodeMismatchException, an old one
    ExpiredCodeException.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_VerifyUserAttribute.html
    """
    pool, user, _ = idp.from_access_token(params["AccessToken"])
    attribute = str(params["AttributeName"])
    idp.check_code(user, str(params["Code"]), f"verify:{attribute}")
    user.attributes[f"{attribute}_verified"] = "true"
    idp.save(pool, user)
    return {}


async def _admin_reset_password(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    """The user's status becomes RESET_REQUIRED (sign-in answers
    PasswordResetRequiredException) and, when the user has a verified email or phone, a
    reset code goes to it; ConfirmForgotPassword with that code sets the new password.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminResetUserPassword.html
    """
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    user.status = "RESET_REQUIRED"
    for attribute, medium in VERIFIABLE.items():
        destination = user.attributes.get(attribute)
        if destination and user.attributes.get(f"{attribute}_verified") == "true":
            code = _code()
            user.pending_code, user.pending_purpose = code, "reset"
            user.pending_expires = idp.now() + RESET_CODE_VALIDITY_S
            idp.outbox.send(pool, user, medium, destination, code)
            break
    idp.save(pool, user)
    return {}


def _mfa_options(params: OperationInput) -> list[dict[str, str]]:
    return [
        {str(k): str(v) for k, v in option.items()} for option in params.get("MFAOptions") or []
    ]


async def _admin_set_settings(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    """Legacy SMS MFA options, stored and returned by AdminGetUser / GetUser (MFA itself is
    not built).
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminSetUserSettings.html
    """
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    user.mfa_options = _mfa_options(params)
    idp.save(pool, user)
    return {}


async def _set_settings(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SetUserSettings.html
    pool, user, _ = idp.from_access_token(params["AccessToken"])
    user.mfa_options = _mfa_options(params)
    idp.save(pool, user)
    return {}


def _revoking_client(idp: CognitoIdpProvider, params: OperationInput) -> tuple[Pool, Client]:
    try:
        pool, client = idp.client(str(params["ClientId"]))
    except ServiceError:
        # [choice] wording; the page lists UnauthorizedException for a request it cannot
        # authorize.
        raise ServiceError("UnauthorizedException", "Invalid client id.") from None
    if client.secret is not None and not hmac.compare_digest(
        str(params.get("ClientSecret") or "").encode(), client.secret.encode()
    ):
        raise ServiceError("UnauthorizedException", "Client authentication failed.")
    return pool, client


async def _revoke_token(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    """The refresh token stops working, and so do the access tokens issued with it or
    refreshed from it. Access and ID tokens (JWTs) are UnsupportedTokenTypeException; a
    client without EnableTokenRevocation, UnsupportedOperationException. An unknown token
    is no error.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_RevokeToken.html
    """
    pool, client = _revoking_client(idp, params)
    token = str(params["Token"])
    if token.count(".") == 2:
        raise ServiceError("UnsupportedTokenTypeException", "Unsupported token type.")
    if not client.enable_token_revocation:
        raise ServiceError(
            "UnsupportedOperationException", "Token revocation is not enabled for this client."
        )
    idp.revoke_refresh(pool, client, token)
    return {}


OPERATIONS: dict[str, Operation[CognitoIdpProvider]] = {
    "AdminDeleteUserAttributes": _admin_delete_attributes,
    "DeleteUserAttributes": _delete_attributes,
    "GetUserAttributeVerificationCode": _verification_code,
    "VerifyUserAttribute": _verify_attribute,
    "AdminResetUserPassword": _admin_reset_password,
    "AdminSetUserSettings": _admin_set_settings,
    "SetUserSettings": _set_settings,
    "RevokeToken": _revoke_token,
}
