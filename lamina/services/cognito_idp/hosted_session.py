"""Signed-in sessions of the hosted pages and NEW_PASSWORD_REQUIRED challenges, as JWTs
signed with the pool's key: nothing to store, and they survive a restart.

Each names what it is for (`use`) and its pool, so neither can stand in for the other, for
an access token (which has `token_use` and no `use`) or for another pool's session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import jwt

from lamina.services.cognito_idp.model import Pool, User

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider

SESSION_S = 3600
"""The managed login session cookie lasts one hour.
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-managed-login.html"""
CHALLENGE_S = 180
"""A NEW_PASSWORD_REQUIRED form may be answered for three minutes (Cognito's sessions)."""
_SESSION = "hosted_session"
_CHALLENGE = "new_password"
_TICKET = "confirm_sign_up"
TICKET_S = 3600
"""A sign-up's confirmation form may be answered (and the user signed in) within an hour."""


_SIGNED_IN = ("CONFIRMED", "EXTERNAL_PROVIDER")


class SignedSessions:
    def __init__(self, idp: CognitoIdpProvider) -> None:
        self._idp = idp

    def open(self, pool: Pool, user: User, now: int) -> str:
        """A session cookie's value for a user who just proved their password."""
        return self._sign(pool, user, _SESSION, now, SESSION_S, auth_time=now)

    def user(self, pool: Pool, token: str) -> tuple[User, float] | None:
        """The user of a valid session (unexpired; the user still enabled, confirmed and
        not signed out globally since), with when they signed in."""
        claims = self._verified(pool, token, _SESSION)
        if claims is None:
            return None
        user = self._idp.store.get(User, pool.id, str(claims.get("username")))
        # A federated user (EXTERNAL_PROVIDER) keeps their session as a native one does.
        if user is None or not user.enabled or user.status not in _SIGNED_IN:
            return None
        if int(claims.get("iat", 0)) < user.tokens_revoked_at:
            return None
        return user, float(claims.get("auth_time", 0))

    def challenge(self, pool: Pool, user: User) -> str:
        return self._sign(pool, user, _CHALLENGE, int(self._idp.now()), CHALLENGE_S)

    def challenged_user(self, pool: Pool, token: str) -> User | None:
        claims = self._verified(pool, token, _CHALLENGE)
        if claims is None:
            return None
        user = self._idp.store.get(User, pool.id, str(claims.get("username")))
        if user is None or user.status != "FORCE_CHANGE_PASSWORD":
            return None
        return user

    def ticket(self, pool: Pool, user: User) -> str:
        """Names the user who just signed up, so confirming the code signs them in."""
        return self._sign(pool, user, _TICKET, int(self._idp.now()), TICKET_S)

    def ticketed_user(self, pool: Pool, token: str) -> User | None:
        claims = self._verified(pool, token, _TICKET)
        if claims is None:
            return None
        return self._idp.store.get(User, pool.id, str(claims.get("username")))

    def _sign(
        self, pool: Pool, user: User, use: str, now: int, lifetime_s: int, **extra: Any
    ) -> str:
        claims = {"use": use, "pool": pool.id, "username": user.username, "iat": now}
        claims.update(extra, exp=now + lifetime_s)
        return self._idp.signing_key(pool).sign(claims)

    def _verified(self, pool: Pool, token: str, use: str) -> dict[str, Any] | None:
        try:
            claims = self._idp.verification_key(pool, token).verify(token, self._idp.now())
        except jwt.PyJWTError:
            return None
        if claims.get("use") != use or claims.get("pool") != pool.id:
            return None
        return claims
