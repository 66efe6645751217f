"""Sign-up on the hosted pages: /signup creates the user through the pool's own SignUp
(password policy, pre-sign-up and post-confirmation triggers, the code in the outbox), and
/confirmUser takes the code through ConfirmSignUp, as Cognito's managed login does.

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-managed-login.html
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lamina.aws.service import AwsRequestContext, ServiceError
from lamina.services.cognito_idp.model import Client, Pool, User

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider


class SignedUp:
    """A new user, and where their confirmation code went (None when already confirmed)."""

    __slots__ = ("destination", "user")

    def __init__(self, user: User, destination: str | None) -> None:
        self.user = user
        self.destination = destination


async def sign_up(
    idp: CognitoIdpProvider, pool: Pool, client: Client, form: Mapping[str, str]
) -> SignedUp:
    """Raises ServiceError with the message SignUp gives (policy, existing user, trigger)."""
    email = form.get("email", "").strip()
    username = email if "email" in pool.username_attributes else form.get("username", "").strip()
    if not username or not email:
        raise ServiceError("InvalidParameterException", "Enter a username and an email address.")
    params: dict[str, Any] = {
        "ClientId": client.id,
        "Username": username,
        "Password": form.get("password", ""),
        "UserAttributes": [{"Name": "email", "Value": email}],
    }
    answer = await _call(idp, client, "SignUp", params, username)
    user = idp.find_user(pool, username) or idp.find_user(pool, str(answer["UserSub"]))
    if user is None:
        raise ServiceError("InternalErrorException", "The new user was not found.")
    delivery = answer.get("CodeDeliveryDetails") or {}
    confirmed = bool(answer.get("UserConfirmed"))
    return SignedUp(user, None if confirmed else str(delivery.get("Destination", "")))


async def confirm(idp: CognitoIdpProvider, client: Client, username: str, code: str) -> None:
    params = {"ClientId": client.id, "Username": username, "ConfirmationCode": code.strip()}
    await _call(idp, client, "ConfirmSignUp", params, username)


async def _call(
    idp: CognitoIdpProvider,
    client: Client,
    operation: str,
    params: dict[str, Any],
    username: str,
) -> dict[str, Any]:
    """The operation as a browser app would call it: unsigned, with the SECRET_HASH a
    client with a secret needs (the hosted pages know the secret, as Cognito's do)."""
    from lamina.services.cognito_idp.provider import secret_hash

    if client.secret is not None:
        params["SecretHash"] = secret_hash(client.secret, username, client.id)
    region, _, _ = client.pool_id.partition("_")
    context = AwsRequestContext(
        service="cognito-idp",
        operation=operation,
        region=region,
        account_id="",
        request_id=str(uuid.uuid4()),
        access_key=None,
    )
    return await idp.handlers()[operation](context, params)
