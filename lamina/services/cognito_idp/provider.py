"""CognitoIdpProvider: the botocore "cognito-idp" service (JSON 1.1) over an IdentityStore.

API reference: https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_Operations.html
Public operations (SignUp, InitiateAuth, ...) arrive unsigned; the protocol layer routes
them by X-Amz-Target.
"""

from __future__ import annotations

import hmac
import logging
import secrets as random
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any

import jwt

from lamina.aws.service import (
    Handler,
    Operation,
    ServiceError,
    bind_operations,
)
from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.cognito_idp import (
    attribute_operations,
    auth_operations,
    domain_operations,
    identity_providers,
    pool_operations,
    resource_servers,
    signup_operations,
    srp,
    tokens,
    user_operations,
)
from lamina.services.cognito_idp.hosted import HostedUi
from lamina.services.cognito_idp.model import (
    Client,
    Group,
    Pool,
    RefreshToken,
    RetiredKey,
    User,
)
from lamina.services.cognito_idp.shapes import (
    ID_CHARS,
    configure_pool,
    hash_password,
    masked,
    pool_name,
    revoked_key,
    token_key,
)
from lamina.services.cognito_idp.store import IdentityStore
from lamina.services.kms import specs
from lamina.services.kms.provider import KmsProvider

log = logging.getLogger("lamina.cognito")

"""Confirmation codes are valid for 24 hours.
https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html"""


_SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")
# https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-policies.html


TriggerInvoker = Callable[[str, dict[str, Any]], Awaitable[dict[str, Any]]]
"""Invoke a Lambda trigger (by ARN) with its event; returns the event the function returned."""


class Outbox:
    """Codes Cognito would e-mail or text: kept here (and logged) instead of sent."""

    def __init__(self, limit: int = 1000) -> None:
        self.messages: list[dict[str, str]] = []
        self._limit = limit

    def send(self, pool: Pool, user: User, medium: str, destination: str, code: str) -> None:
        message = {
            "userPoolId": pool.id,
            "username": user.username,
            "medium": medium,
            "destination": destination,
            "code": code,
        }
        self.messages.append(message)
        del self.messages[: -self._limit]
        log.warning(
            "cognito outbox: code %s for %s (%s %s)", code, user.username, medium, destination
        )


RETIRED_KEY_S = 86_400 + 300
"""How long a rotated-out signing key stays published and verifying: the longest an ID or
access token lives (1 day), and a little clock skew."""


class CognitoIdpProvider:
    error_namespace = None

    def __init__(
        self,
        *,
        state_dir: Path,
        region: str,
        account_id: str,
        kms: KmsProvider,
        base_url: str = "http://127.0.0.1:3000",
        triggers: TriggerInvoker | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.store = IdentityStore(state_dir / "cognito" / "identity.sqlite")
        self.outbox = Outbox()
        self.base_url = base_url
        self._kms = kms
        self._region = region
        self._account = account_id
        self._triggers = triggers
        self._clock = clock
        self._keys: dict[str, tokens.SigningKey] = {}
        self._retired: dict[str, tokens.SigningKey] = {}
        """Rotated-out keys by kid, decrypted on first use."""
        self.srp_sessions: dict[str, tuple[srp.ServerSession, str, str, str, float]] = {}
        """Secret block -> (session, pool id, client id, username, expiry)."""
        self.hosted_ui = HostedUi(self)
        self._handlers = bind_operations(self, OPERATIONS)

    @property
    def service_name(self) -> str:
        return "cognito-idp"

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers

    def close(self) -> None:
        self.store.close()

    def now(self) -> float:
        return self._clock()

    # -- pools, clients -----------------------------------------------------------------

    def pool(self, pool_id: str) -> Pool:
        found = self.store.get(Pool, "", pool_id)
        if found is None:
            raise ServiceError("ResourceNotFoundException", f"User pool {pool_id} does not exist.")
        return found

    def client(self, client_id: str) -> tuple[Pool, Client]:
        for pool in self.store.all(Pool, ""):
            found = self.store.get(Client, pool.id, client_id)
            if found is not None:
                return pool, found
        raise ServiceError(
            "ResourceNotFoundException", f"User pool client {client_id} does not exist."
        )

    def create_pool(self, name: str, params: Mapping[str, Any], pool_id: str | None = None) -> Pool:
        """A new pool; `pool_id` when a template fixes it (lamina.config.service_ids)."""
        # Pool ids are `{region}_{9 alphanumerics}`; SRP clients read the pool name after `_`.
        # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UserPoolType.html
        if pool_id is None:
            pool_id = f"{self._region}_{''.join(random.choice(ID_CHARS) for _ in range(9))}"
        key = tokens.SigningKey.generate()
        now = self.now()
        pool = Pool(
            id=pool_id,
            name=name,
            arn=f"arn:aws:cognito-idp:{self._region}:{self._account}:userpool/{pool_id}",
            created=now,
            modified=now,
            key_id=key.kid,
        )
        configure_pool(pool, params)
        pool.wrapped_key = self._seal_key(pool, key)
        self._keys[pool.id] = key
        self.store.put("", pool.id, pool)
        return pool

    def _seal_key(self, pool: Pool, key: tokens.SigningKey) -> bytes:
        """Signing keys are stored encrypted under the AWS managed key alias/aws/cognito-idp."""
        record = self._kms.managed_key("cognito-idp")
        return self._kms.encrypt(record, key.der(), {"UserPoolId": pool.id}, specs.SYMMETRIC)

    def signing_key(self, pool: Pool) -> tokens.SigningKey:
        key = self._keys.get(pool.id)
        if key is None or key.kid != pool.key_id:
            # Not yet loaded, or the pool's key was rotated by another process sharing
            # the store: the cached key would sign with (and publish) a retired kid.
            key = self._keys[pool.id] = self._unwrap(pool, pool.key_id, pool.wrapped_key)
        return key

    def _unwrap(self, pool: Pool, kid: str, wrapped: bytes) -> tokens.SigningKey:
        """A pool signing key from its KMS-wrapped DER (current or retired)."""
        _, der = self._kms.decrypt(wrapped, {"UserPoolId": pool.id}, None, specs.SYMMETRIC)
        return tokens.SigningKey.load(kid, der)

    def rotate_signing_key(self, pool: Pool) -> str:
        """Sign with a new key from now on; the old one stays in the JWKS and verifies the
        tokens it signed until they have expired (RETIRED_KEY_S). Returns the new `kid`.
        Apps and authorizers that pick the JWKS key by `kid` (as AWS tells them to) follow.
        https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-tokens-verifying-a-jwt.html"""
        now = self.now()
        self._prune_retired(pool, now)
        pool.retired_keys.append(
            RetiredKey(kid=pool.key_id, wrapped_key=pool.wrapped_key, retired=now)
        )
        key = tokens.SigningKey.generate()
        pool.key_id = key.kid
        pool.wrapped_key = self._seal_key(pool, key)
        pool.modified = now
        self._keys[pool.id] = key
        self.store.put("", pool.id, pool)
        return key.kid

    def _prune_retired(self, pool: Pool, now: float) -> None:
        kept = [k for k in pool.retired_keys if now - k.retired < RETIRED_KEY_S]
        for gone in pool.retired_keys[: len(pool.retired_keys) - len(kept)]:
            self._retired.pop(gone.kid, None)
        pool.retired_keys = kept

    def verification_key(self, pool: Pool, token: str) -> tokens.SigningKey:
        """The key that signed `token` (by its header's `kid`): the current one, or a key
        rotated out less than RETIRED_KEY_S ago. Unknown kids get the current key, whose
        verification then fails."""
        try:
            kid = jwt.get_unverified_header(token).get("kid")
        except jwt.PyJWTError:
            kid = None
        current = self.signing_key(pool)
        if kid is None or kid == current.kid:
            return current
        for retired in pool.retired_keys:
            if retired.kid == kid and self.now() - retired.retired < RETIRED_KEY_S:
                return self._retired_key(pool, retired)
        return current

    def jwks(self, pool_id: str) -> dict[str, Any] | None:
        """The pool's key set: the signing key, then keys rotated out whose tokens may
        still be valid."""
        pool = self.store.get(Pool, "", pool_id)
        if pool is None:
            return None
        keys = [self.signing_key(pool).jwk()]
        now = self.now()
        for retired in reversed(pool.retired_keys):
            if now - retired.retired < RETIRED_KEY_S:
                keys.append(self._retired_key(pool, retired).jwk())
        return {"keys": keys}

    def _retired_key(self, pool: Pool, retired: RetiredKey) -> tokens.SigningKey:
        key = self._retired.get(retired.kid)
        if key is None:
            key = self._retired[retired.kid] = self._unwrap(pool, retired.kid, retired.wrapped_key)
        return key

    def outbox_messages(self) -> list[dict[str, str]]:
        return list(self.outbox.messages)

    def discovery(self, pool_id: str) -> dict[str, Any] | None:
        pool = self.store.get(Pool, "", pool_id)
        return None if pool is None else tokens.discovery(self.base_url, pool)

    async def hosted(self, request: HttpRequest) -> HttpResponse | None:
        """The user pool domain's sign-in pages and OAuth 2.0 endpoints (hosted.py); None
        when the request is not for them."""
        return await self.hosted_ui.handle(request)

    # -- users --------------------------------------------------------------------------

    def find_user(self, pool: Pool, name: str) -> User | None:
        """By username, or by email / phone when the pool signs in with them (or aliases)."""
        found = self.store.get(User, pool.id, name)
        if found is not None:
            return found
        by = [*pool.username_attributes, *pool.alias_attributes]
        if not by:
            return None
        for user in self.store.all(User, pool.id):
            for attribute in by:
                if user.attributes.get(attribute) == name:
                    verified = user.attributes.get(f"{attribute}_verified") == "true"
                    if attribute in pool.username_attributes or verified:
                        return user
        return None

    def user(self, pool: Pool, name: str) -> User:
        found = self.find_user(pool, name)
        if found is None:
            raise ServiceError("UserNotFoundException", "User does not exist.")
        return found

    def save(self, pool: Pool, user: User) -> None:
        user.modified = self.now()
        self.store.put(pool.id, user.username, user)

    def check_password(self, pool: Pool, password: str) -> None:
        """InvalidPasswordException naming the first rule broken, worded as Cognito words it."""
        policy = pool.password_policy
        problem = None
        if len(password) < policy.MinimumLength:
            problem = "Password not long enough"
        elif policy.RequireUppercase and not any(c.isupper() for c in password):
            problem = "Password must have uppercase characters"
        elif policy.RequireLowercase and not any(c.islower() for c in password):
            problem = "Password must have lowercase characters"
        elif policy.RequireNumbers and not any(c.isdigit() for c in password):
            problem = "Password must have numeric characters"
        elif policy.RequireSymbols and not any(c in _SYMBOLS for c in password):
            problem = "Password must have symbol characters"
        if problem is not None:
            raise ServiceError(
                "InvalidPasswordException", f"Password did not conform with policy: {problem}"
            )

    def set_password(self, pool: Pool, user: User, password: str) -> None:
        user.password_salt = random.token_bytes(16)
        user.password_hash = hash_password(password, user.password_salt)
        user.srp_salt, user.srp_verifier = srp.verifier(pool_name(pool), user.username, password)

    def password_matches(self, user: User, password: str) -> bool:
        return bool(user.password_hash) and hmac.compare_digest(
            user.password_hash, hash_password(password, user.password_salt)
        )

    def send_code(self, pool: Pool, user: User, purpose: str, validity_s: int) -> dict[str, str]:
        code = f"{random.randbelow(1_000_000):06d}"
        user.pending_code, user.pending_purpose = code, purpose
        user.pending_expires = self.now() + validity_s
        attribute = "email" if "email" in user.attributes else "phone_number"
        destination = user.attributes.get(attribute, "")
        medium = "EMAIL" if attribute == "email" else "SMS"
        self.outbox.send(pool, user, medium, destination, code)
        return {
            "Destination": masked(destination),
            "DeliveryMedium": medium,
            "AttributeName": attribute,
        }

    def check_code(self, user: User, code: str, purpose: str) -> None:
        if (
            user.pending_code is None
            or user.pending_purpose != purpose
            or user.pending_code != code
        ):
            raise ServiceError(
                "CodeMismatchException", "Invalid verification code provided, please try again."
            )
        if user.pending_expires is not None and user.pending_expires < self.now():
            raise ServiceError(
                "ExpiredCodeException", "Invalid code provided, please request a code again."
            )
        user.pending_code = user.pending_purpose = None
        user.pending_expires = None

    # -- tokens -------------------------------------------------------------------------

    async def issue(
        self,
        pool: Pool,
        client: Client,
        user: User,
        *,
        refresh: bool,
        auth_time: float | None = None,
        scope: str | None = None,
        nonce: str | None = None,
        source: str = "TokenGeneration_Authentication",
        origin_jti: str | None = None,
    ) -> dict[str, Any]:
        """`scope` and `nonce` come from the OAuth 2.0 endpoints (hosted.py): the access
        token then carries the granted scopes, the ID token `nonce` and `at_hash`. `source`
        is the pre-token-generation trigger's triggerSource. Tokens refreshed from a refresh
        token keep its `origin_jti`, so revoking it revokes them too."""
        now = int(self.now())
        auth = int(auth_time if auth_time is not None else now)
        groups = self.groups_of(pool, user)
        origin, event = origin_jti or str(uuid.uuid4()), str(uuid.uuid4())
        key = self.signing_key(pool)
        id_claims = tokens.id_token_claims(
            base_url=self.base_url,
            pool=pool,
            client=client,
            user=user,
            now=now,
            auth_time=auth,
            origin_jti=origin,
            event_id=event,
            groups=groups,
        )
        id_claims = await self._pre_token_generation(pool, client, user, id_claims, groups, source)
        access = tokens.access_token_claims(
            base_url=self.base_url,
            pool=pool,
            client=client,
            user=user,
            now=now,
            auth_time=auth,
            origin_jti=origin,
            event_id=event,
            groups=id_claims.get("cognito:groups", []) if "cognito:groups" in id_claims else [],
            scope=tokens.ADMIN_SCOPE if scope is None else scope,
        )
        access_token = key.sign(access)
        if scope is not None:
            id_claims["at_hash"] = tokens.at_hash(access_token)
        if nonce is not None:
            id_claims["nonce"] = nonce
        result: dict[str, Any] = {
            "AccessToken": access_token,
            "ExpiresIn": client.access_token_minutes * 60,
            "TokenType": "Bearer",
            "IdToken": key.sign(id_claims),
        }
        if refresh:
            token = random.token_urlsafe(96)
            self.store.put(
                pool.id,
                token_key(token),
                RefreshToken(
                    pool_id=pool.id,
                    client_id=client.id,
                    username=user.username,
                    issued=now,
                    expires=now + client.refresh_token_days * 86_400,
                    auth_time=auth,
                    scope=scope,
                    origin_jti=origin,
                ),
            )
            result["RefreshToken"] = token
        return result

    def refresh_record(self, pool: Pool, token: str) -> RefreshToken | None:
        return self.store.get(RefreshToken, pool.id, token_key(token))

    def revoke_refresh(self, pool: Pool, client: Client, token: str) -> None:
        """Revoke a refresh token of `client` and the tokens issued from it: the record
        goes, and its origin is remembered so their access tokens are refused.
        https://docs.aws.amazon.com/cognito/latest/developerguide/token-revocation.html"""
        stored = self.refresh_record(pool, token)
        if stored is None or stored.client_id != client.id:
            return  # RFC 7009 section 2.2: an unknown token is not an error
        self.store.delete(RefreshToken, pool.id, token_key(token))
        if stored.origin_jti:
            self.store.put(pool.id, revoked_key(stored.origin_jti), stored)

    def groups_of(self, pool: Pool, user: User) -> list[str]:
        """The user's groups, by precedence (lowest first), as `cognito:groups` lists them."""
        found = [self.store.get(Group, pool.id, name) for name in user.groups]
        ordered = sorted(
            (group for group in found if group is not None),
            key=lambda group: (group.precedence is None, group.precedence or 0, group.created),
        )
        return [group.name for group in ordered]

    def from_access_token(self, token: str) -> tuple[Pool, User, dict[str, Any]]:
        """The pool, user and claims of a valid, unrevoked access token."""
        try:
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError:
            raise ServiceError("NotAuthorizedException", "Invalid Access Token") from None
        pool_id = str(unverified.get("iss", "")).rsplit("/", 1)[-1]
        pool = self.store.get(Pool, "", pool_id)
        if pool is None or unverified.get("token_use") != "access":
            raise ServiceError("NotAuthorizedException", "Invalid Access Token")
        try:
            claims = self.verification_key(pool, token).verify(token, self.now())
        except jwt.ExpiredSignatureError:
            raise ServiceError("NotAuthorizedException", "Access Token has expired") from None
        except jwt.PyJWTError:
            raise ServiceError("NotAuthorizedException", "Invalid Access Token") from None
        user = self.store.get(User, pool.id, str(claims.get("username")))
        if user is None:
            raise ServiceError("NotAuthorizedException", "Invalid Access Token")
        revoked = self.store.get(RefreshToken, pool.id, revoked_key(str(claims.get("origin_jti"))))
        if int(claims.get("iat", 0)) < user.tokens_revoked_at or revoked is not None:
            raise ServiceError("NotAuthorizedException", "Access Token has been revoked")
        return pool, user, claims

    # -- triggers -----------------------------------------------------------------------

    def trigger_event(
        self, pool: Pool, client: Client | None, user: User, source: str, request: dict[str, Any]
    ) -> dict[str, Any]:
        # The common trigger event shape.
        # https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-working-with-lambda-triggers.html
        return {
            "version": "1",
            "region": self._region,
            "userPoolId": pool.id,
            "userName": user.username,
            "callerContext": {
                "awsSdkVersion": "aws-sdk-unknown-unknown",
                "clientId": client.id if client is not None else "CLIENT_ID_NOT_APPLICABLE",
            },
            "triggerSource": source,
            "request": request,
            "response": {},
        }

    async def run_trigger(self, pool: Pool, name: str, event: dict[str, Any]) -> dict[str, Any]:
        function = pool.lambda_config.get(name)
        if function is None or self._triggers is None:
            return event
        try:
            return await self._triggers(function, event)
        except ServiceError:
            raise
        except Exception as error:
            # A trigger's failure becomes UserLambdaValidationException with its message.
            # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SignUp.html
            raise ServiceError(
                "UserLambdaValidationException", f"{name} failed with error {error}."
            ) from None

    async def _pre_token_generation(
        self,
        pool: Pool,
        client: Client,
        user: User,
        claims: dict[str, Any],
        groups: list[str],
        source: str,
    ) -> dict[str, Any]:
        if "PreTokenGeneration" not in pool.lambda_config:
            return claims
        event = self.trigger_event(
            pool,
            client,
            user,
            source,
            {
                "userAttributes": {"sub": user.sub, **user.attributes},
                "groupConfiguration": {
                    "groupsToOverride": groups,
                    "iamRolesToOverride": [],
                    "preferredRole": None,
                },
            },
        )
        answered = await self.run_trigger(pool, "PreTokenGeneration", event)
        details = (answered.get("response") or {}).get("claimsOverrideDetails") or {}
        # https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html
        for name, value in (details.get("claimsToAddOrOverride") or {}).items():
            claims[name] = value
        for name in details.get("claimsToSuppress") or []:
            claims.pop(name, None)
        override = details.get("groupOverrideDetails") or {}
        if "groupsToOverride" in override:
            claims["cognito:groups"] = list(override["groupsToOverride"])
            if not claims["cognito:groups"]:
                del claims["cognito:groups"]
        return claims


OPERATIONS: dict[str, Operation[CognitoIdpProvider]] = {
    **pool_operations.OPERATIONS,
    **signup_operations.OPERATIONS,
    **auth_operations.OPERATIONS,
    **user_operations.OPERATIONS,
    **identity_providers.OPERATIONS,
    **attribute_operations.OPERATIONS,
    **domain_operations.OPERATIONS,
    **resource_servers.OPERATIONS,
}
