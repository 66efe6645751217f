"""Sign-up, confirmation codes and forgotten passwords, with the pre-sign-up and
post-confirmation triggers.

https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SignUp.html
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.services.cognito_idp.model import (
    Client,
    Pool,
    User,
)
from lamina.services.cognito_idp.shapes import (
    CODE_VALIDITY_S,
    RESET_CODE_VALIDITY_S,
    attributes_of,
    check_secret_hash,
)

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider


async def _sign_up(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SignUp.html
    pool, client = idp.client(params["ClientId"])
    username = params["Username"]
    check_secret_hash(client, username, params.get("SecretHash"))
    attributes = attributes_of(params.get("UserAttributes"))
    if "email" in pool.username_attributes and "@" in username:
        attributes.setdefault("email", username)
        key = str(uuid.uuid4())
    else:
        key = username
    if idp.find_user(pool, username) is not None or idp.store.get(User, pool.id, key):
        raise ServiceError("UsernameExistsException", "User already exists")
    idp.check_password(pool, params["Password"])
    now = idp.now()
    user = User(
        username=key,
        sub=key if key != username else str(uuid.uuid4()),
        created=now,
        modified=now,
        status="UNCONFIRMED",
        attributes=attributes,
    )
    idp.set_password(pool, user, params["Password"])
    event = idp.trigger_event(
        pool,
        client,
        user,
        "PreSignUp_SignUp",
        {
            "userAttributes": dict(attributes),
            "validationData": attributes_of(params.get("ValidationData")) or None,
            "clientMetadata": params.get("ClientMetadata"),
        },
    )
    answered = await idp.run_trigger(pool, "PreSignUp", event)
    response = answered.get("response") or {}
    output: dict[str, Any] = {"UserSub": user.sub}
    if response.get("autoConfirmUser"):
        user.status = "CONFIRMED"
        for attribute, flag in (("email", "autoVerifyEmail"), ("phone_number", "autoVerifyPhone")):
            if response.get(flag) and attribute in attributes:
                user.attributes[f"{attribute}_verified"] = "true"
    if user.status == "UNCONFIRMED":
        delivery = idp.send_code(pool, user, "confirm", CODE_VALIDITY_S)
        output["CodeDeliveryDetails"] = delivery
    idp.save(pool, user)
    output["UserConfirmed"] = user.status == "CONFIRMED"
    if user.status == "CONFIRMED":
        await _post_confirmation(idp, pool, client, user, "PostConfirmation_ConfirmSignUp")
    return output


async def _post_confirmation(
    idp: CognitoIdpProvider, pool: Pool, client: Client | None, user: User, source: str
) -> None:
    event = idp.trigger_event(
        pool, client, user, source, {"userAttributes": {"sub": user.sub, **user.attributes}}
    )
    await idp.run_trigger(pool, "PostConfirmation", event)


async def _confirm_sign_up(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool, client = idp.client(params["ClientId"])
    check_secret_hash(client, params["Username"], params.get("SecretHash"))
    user = idp.user(pool, params["Username"])
    if user.status == "CONFIRMED":
        raise ServiceError(
            "NotAuthorizedException", "User cannot be confirmed. Current status is CONFIRMED"
        )
    idp.check_code(user, params["ConfirmationCode"], "confirm")
    user.status = "CONFIRMED"
    for attribute in pool.auto_verified_attributes:
        if attribute in user.attributes:
            user.attributes[f"{attribute}_verified"] = "true"
    idp.save(pool, user)
    await _post_confirmation(idp, pool, client, user, "PostConfirmation_ConfirmSignUp")
    return {}


async def _resend_code(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool, client = idp.client(params["ClientId"])
    check_secret_hash(client, params["Username"], params.get("SecretHash"))
    user = idp.user(pool, params["Username"])
    if user.status != "UNCONFIRMED":
        raise ServiceError("InvalidParameterException", "User is already confirmed.")
    delivery = idp.send_code(pool, user, "confirm", CODE_VALIDITY_S)
    idp.save(pool, user)
    return {"CodeDeliveryDetails": delivery}


async def _admin_confirm(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    user.status = "CONFIRMED"
    idp.save(pool, user)
    await _post_confirmation(idp, pool, None, user, "PostConfirmation_ConfirmSignUp")
    return {}


async def _forgot_password(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool, client = idp.client(params["ClientId"])
    check_secret_hash(client, params["Username"], params.get("SecretHash"))
    user = idp.user(pool, params["Username"])
    delivery = idp.send_code(pool, user, "reset", RESET_CODE_VALIDITY_S)
    idp.save(pool, user)
    return {"CodeDeliveryDetails": delivery}


async def _confirm_forgot_password(
    idp: CognitoIdpProvider, params: OperationInput
) -> OperationOutput:
    pool, client = idp.client(params["ClientId"])
    check_secret_hash(client, params["Username"], params.get("SecretHash"))
    user = idp.user(pool, params["Username"])
    idp.check_code(user, params["ConfirmationCode"], "reset")
    idp.check_password(pool, params["Password"])
    idp.set_password(pool, user, params["Password"])
    if user.status in ("RESET_REQUIRED", "FORCE_CHANGE_PASSWORD"):
        user.status = "CONFIRMED"
    idp.save(pool, user)
    return {}


OPERATIONS: dict[str, Operation[CognitoIdpProvider]] = {
    "SignUp": _sign_up,
    "ConfirmSignUp": _confirm_sign_up,
    "ResendConfirmationCode": _resend_code,
    "AdminConfirmSignUp": _admin_confirm,
    "ForgotPassword": _forgot_password,
    "ConfirmForgotPassword": _confirm_forgot_password,
}
