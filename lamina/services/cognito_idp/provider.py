"""CognitoIdpProvider: the botocore "cognito-idp" service (JSON 1.1) over an IdentityStore.

API reference: https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_Operations.html
Public operations (SignUp, InitiateAuth, ...) arrive unsigned; the protocol layer routes
them by X-Amz-Target.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import secrets as random
import string
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import msgspec
import orjson

from lamina.aws.service import (
    Handler,
    Operation,
    OperationInput,
    OperationOutput,
    ServiceError,
    bind_operations,
)
from lamina.http.message import HttpRequest, HttpResponse
from lamina.services.cognito_idp import srp, tokens
from lamina.services.cognito_idp.hosted import HostedUi
from lamina.services.cognito_idp.model import (
    Client,
    Group,
    PasswordPolicy,
    Pool,
    RefreshToken,
    User,
)
from lamina.services.cognito_idp.store import IdentityStore
from lamina.services.kms import specs
from lamina.services.kms.provider import KmsProvider

log = logging.getLogger("lamina.cognito")

CODE_VALIDITY_S = 24 * 3600
"""Confirmation codes are valid for 24 hours.
https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html"""
RESET_CODE_VALIDITY_S = 3600
_ID_CHARS = string.ascii_letters + string.digits
_CLIENT_CHARS = string.ascii_lowercase + string.digits
_SYMBOLS = set("^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ")
# https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-policies.html

SRP_SESSION_S = 300
"""How long a PASSWORD_VERIFIER challenge may be answered (Cognito sessions last minutes)."""

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
        self.srp_sessions: dict[str, tuple[srp.ServerSession, str, str, str, float]] = {}
        """Secret block -> (session, pool id, client id, username, expiry)."""
        self.hosted_ui = HostedUi(self)
        self._handlers = bind_operations(self, _OPERATIONS)

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
            pool_id = f"{self._region}_{''.join(random.choice(_ID_CHARS) for _ in range(9))}"
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
        if key is None:
            _, der = self._kms.decrypt(
                pool.wrapped_key, {"UserPoolId": pool.id}, None, specs.SYMMETRIC
            )
            key = self._keys[pool.id] = tokens.SigningKey.load(pool.key_id, der)
        return key

    def jwks(self, pool_id: str) -> dict[str, Any] | None:
        pool = self.store.get(Pool, "", pool_id)
        return None if pool is None else {"keys": [self.signing_key(pool).jwk()]}

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
        user.password_hash = _hash(password, user.password_salt)
        user.srp_salt, user.srp_verifier = srp.verifier(_pool_name(pool), user.username, password)

    def password_matches(self, user: User, password: str) -> bool:
        return bool(user.password_hash) and hmac.compare_digest(
            user.password_hash, _hash(password, user.password_salt)
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
            "Destination": _masked(destination),
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
                _token_key(token),
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
        return self.store.get(RefreshToken, pool.id, _token_key(token))

    def revoke_refresh(self, pool: Pool, client: Client, token: str) -> None:
        """Revoke a refresh token of `client` and the tokens issued from it: the record
        goes, and its origin is remembered so their access tokens are refused.
        https://docs.aws.amazon.com/cognito/latest/developerguide/token-revocation.html"""
        stored = self.refresh_record(pool, token)
        if stored is None or stored.client_id != client.id:
            return  # RFC 7009 section 2.2: an unknown token is not an error
        self.store.delete(RefreshToken, pool.id, _token_key(token))
        if stored.origin_jti:
            self.store.put(pool.id, _revoked_key(stored.origin_jti), stored)

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
            claims = self.signing_key(pool).verify(token, self.now())
        except jwt.ExpiredSignatureError:
            raise ServiceError("NotAuthorizedException", "Access Token has expired") from None
        except jwt.PyJWTError:
            raise ServiceError("NotAuthorizedException", "Invalid Access Token") from None
        user = self.store.get(User, pool.id, str(claims.get("username")))
        if user is None:
            raise ServiceError("NotAuthorizedException", "Invalid Access Token")
        revoked = self.store.get(RefreshToken, pool.id, _revoked_key(str(claims.get("origin_jti"))))
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


def msgspec_policy(given: Mapping[str, Any]) -> PasswordPolicy:
    """A pool without a PasswordPolicy gets Cognito's defaults (8 characters, every kind
    required); a given policy's missing Require* flags are false, as in the API."""
    if not given:
        return PasswordPolicy()
    return PasswordPolicy(
        MinimumLength=int(given.get("MinimumLength", 8)),
        RequireUppercase=_flag(given.get("RequireUppercase")),
        RequireLowercase=_flag(given.get("RequireLowercase")),
        RequireNumbers=_flag(given.get("RequireNumbers")),
        RequireSymbols=_flag(given.get("RequireSymbols")),
        TemporaryPasswordValidityDays=int(given.get("TemporaryPasswordValidityDays", 7)),
    )


def _flag(value: object) -> bool:
    """A boolean from the API (true) or a template ("true" / "True" as CloudFormation
    passes strings through)."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def _hash(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1, dklen=32)


def _token_key(token: str) -> str:
    return "refresh:" + hashlib.sha256(token.encode()).hexdigest()


def _revoked_key(origin_jti: str) -> str:
    return "revoked-origin:" + origin_jti


def _masked(destination: str) -> str:
    # Cognito masks the destination: a***@e***
    if "@" in destination:
        local, _, domain = destination.partition("@")
        return f"{local[:1]}***@{domain[:1]}***"
    return f"+*******{destination[-4:]}" if destination else ""


def _time(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def secret_hash(client_secret: str, username: str, client_id: str) -> str:
    """Base64(HMAC-SHA256(client secret, username + client id)).
    https://docs.aws.amazon.com/cognito/latest/developerguide/signing-up-users-in-your-app.html#cognito-user-pools-computing-secret-hash
    """
    digest = hmac.new(client_secret.encode(), (username + client_id).encode(), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode()


def _check_secret_hash(client: Client, username: str, given: str | None) -> None:
    if client.secret is None:
        return
    if given is None or not hmac.compare_digest(
        given, secret_hash(client.secret, username, client.id)
    ):
        raise ServiceError(
            "NotAuthorizedException", f"Unable to verify secret hash for client {client.id}"
        )


def _attributes(given: list[Mapping[str, Any]] | None) -> dict[str, str]:
    return {str(a["Name"]): str(a.get("Value", "")) for a in given or ()}


def _attribute_list(user: User) -> list[dict[str, str]]:
    return [{"Name": "sub", "Value": user.sub}] + [
        {"Name": name, "Value": value} for name, value in user.attributes.items()
    ]


def _user_type(user: User) -> dict[str, Any]:
    return {
        "Username": user.username,
        "Attributes": _attribute_list(user),
        "UserCreateDate": _time(user.created),
        "UserLastModifiedDate": _time(user.modified),
        "Enabled": user.enabled,
        "UserStatus": user.status,
    }


def _pool_type(pool: Pool) -> dict[str, Any]:
    return {
        "Id": pool.id,
        "Name": pool.name,
        "Arn": pool.arn,
        "Policies": {"PasswordPolicy": msgspec.structs.asdict(pool.password_policy)},
        "LambdaConfig": dict(pool.lambda_config),
        "LastModifiedDate": _time(pool.modified),
        "CreationDate": _time(pool.created),
        "SchemaAttributes": list(pool.schema),
        "AutoVerifiedAttributes": list(pool.auto_verified_attributes),
        "UsernameAttributes": list(pool.username_attributes),
        "AliasAttributes": list(pool.alias_attributes),
        "MfaConfiguration": pool.mfa,
        "DeletionProtection": pool.deletion_protection,
    }


def _client_type(client: Client) -> dict[str, Any]:
    described: dict[str, Any] = {
        "UserPoolId": client.pool_id,
        "ClientName": client.name,
        "ClientId": client.id,
        "LastModifiedDate": _time(client.modified),
        "CreationDate": _time(client.created),
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
    }
    if client.secret is not None:
        described["ClientSecret"] = client.secret
    return described


# -- operations -------------------------------------------------------------------------


async def _create_user_pool(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.create_pool(params["PoolName"], params)
    return {"UserPool": _pool_type(pool)}


async def _describe_user_pool(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    return {"UserPool": _pool_type(idp.pool(params["UserPoolId"]))}


async def _list_user_pools(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pools = idp.store.all(Pool, "")
    limit = int(params["MaxResults"])
    start = int(params["NextToken"]) if str(params.get("NextToken", "")).isdigit() else 0
    page = pools[start : start + limit]
    output: dict[str, Any] = {
        "UserPools": [
            {
                "Id": p.id,
                "Name": p.name,
                "LambdaConfig": dict(p.lambda_config),
                "LastModifiedDate": _time(p.modified),
                "CreationDate": _time(p.created),
            }
            for p in page
        ]
    }
    if start + limit < len(pools):
        output["NextToken"] = str(start + limit)
    return output


async def _delete_user_pool(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    if pool.deletion_protection == "ACTIVE":
        raise ServiceError(
            "InvalidParameterException",
            "The user pool cannot be deleted because deletion protection is activated.",
        )
    idp.store.delete_scope(pool.id)
    idp.store.delete(Pool, "", pool.id)
    return {}


async def _create_client(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    return {"UserPoolClient": _client_type(create_client(idp, params))}


def create_client(
    idp: CognitoIdpProvider, params: Mapping[str, Any], client_id: str | None = None
) -> Client:
    """A new app client; `client_id` when a template fixes it."""
    pool = idp.pool(params["UserPoolId"])
    now = idp.now()
    # Client ids are 26 lowercase alphanumerics; secrets 51.
    client = Client(
        id=client_id or "".join(random.choice(_CLIENT_CHARS) for _ in range(26)),
        pool_id=pool.id,
        name=params["ClientName"],
        created=now,
        modified=now,
        secret=(
            "".join(random.choice(_CLIENT_CHARS) for _ in range(51))
            if params.get("GenerateSecret")
            else None
        ),
        explicit_auth_flows=list(params.get("ExplicitAuthFlows") or []),
        access_token_minutes=_minutes(params, "AccessToken", "AccessTokenValidity", 60),
        id_token_minutes=_minutes(params, "IdToken", "IdTokenValidity", 60),
        refresh_token_days=int(params.get("RefreshTokenValidity", 30)),
        allowed_oauth_flows=list(params.get("AllowedOAuthFlows") or []),
        allowed_oauth_scopes=list(params.get("AllowedOAuthScopes") or []),
        callback_urls=list(params.get("CallbackURLs") or []),
        logout_urls=list(params.get("LogoutURLs") or []),
        supported_identity_providers=list(params.get("SupportedIdentityProviders") or []),
        prevent_user_existence_errors=str(params.get("PreventUserExistenceErrors", "ENABLED")),
    )
    idp.store.put(pool.id, client.id, client)
    return client


def _minutes(params: Mapping[str, Any], unit_key: str, key: str, default: int) -> int:
    value = params.get(key)
    if value is None:
        return default
    unit = (params.get("TokenValidityUnits") or {}).get(unit_key, "hours")
    factor = {"seconds": 1 / 60, "minutes": 1, "hours": 60, "days": 1440}[unit]
    return max(1, round(int(value) * factor))


async def _describe_client(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    client = idp.store.get(Client, pool.id, params["ClientId"])
    if client is None:
        raise ServiceError(
            "ResourceNotFoundException", f"User pool client {params['ClientId']} does not exist."
        )
    return {"UserPoolClient": _client_type(client)}


async def _sign_up(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_SignUp.html
    pool, client = idp.client(params["ClientId"])
    username = params["Username"]
    _check_secret_hash(client, username, params.get("SecretHash"))
    attributes = _attributes(params.get("UserAttributes"))
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
            "validationData": _attributes(params.get("ValidationData")) or None,
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
    _check_secret_hash(client, params["Username"], params.get("SecretHash"))
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
    _check_secret_hash(client, params["Username"], params.get("SecretHash"))
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
    _check_secret_hash(client, username, parameters.get("SECRET_HASH"))
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
    _check_secret_hash(client, username, parameters.get("SECRET_HASH"))
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
    _check_secret_hash(client, responses.get("USERNAME", username), responses.get("SECRET_HASH"))
    proven = session.signature_matches(
        _pool_name(pool),
        username,
        base64.b64decode(block),
        responses.get("TIMESTAMP", ""),
        responses.get("PASSWORD_CLAIM_SIGNATURE", ""),
    )
    if not proven:
        raise ServiceError("NotAuthorizedException", "Incorrect username or password.")
    return await _signed_in(idp, pool, client, user)


def _pool_name(pool: Pool) -> str:
    """What SRP clients call the pool's name: its id after the region and `_`."""
    return pool.id.split("_", 1)[1]


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
    stored = idp.store.get(RefreshToken, pool.id, _token_key(token))
    if stored is None or stored.client_id != client.id:
        raise ServiceError("NotAuthorizedException", "Invalid Refresh Token")
    if stored.expires < idp.now():
        raise ServiceError("NotAuthorizedException", "Refresh Token has expired")
    user = idp.store.get(User, pool.id, stored.username)
    if user is None or stored.issued < user.tokens_revoked_at:
        raise ServiceError("NotAuthorizedException", "Refresh Token has been revoked")
    if client.secret is not None:
        _check_secret_hash(
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
        session = idp.signing_key(pool).verify(params.get("Session") or "", idp.now())
    except jwt.PyJWTError:
        raise ServiceError(
            "NotAuthorizedException", "Invalid session for the user, session is expired."
        ) from None
    responses = params.get("ChallengeResponses") or {}
    user = idp.user(pool, session["username"])
    _check_secret_hash(
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


async def _admin_create_user(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminCreateUser.html
    pool = idp.pool(params["UserPoolId"])
    username = params["Username"]
    attributes = _attributes(params.get("UserAttributes"))
    key = username
    if "email" in pool.username_attributes and "@" in username:
        attributes.setdefault("email", username)
        key = str(uuid.uuid4())
    if idp.find_user(pool, username) is not None:
        raise ServiceError("UsernameExistsException", "User account already exists")
    now = idp.now()
    user = User(
        username=key,
        sub=key if key != username else str(uuid.uuid4()),
        created=now,
        modified=now,
        status="FORCE_CHANGE_PASSWORD",
        attributes=attributes,
        temporary_expires=now + pool.password_policy.TemporaryPasswordValidityDays * 86_400,
    )
    temporary = params.get("TemporaryPassword") or _temporary_password(pool)
    idp.check_password(pool, temporary)
    idp.set_password(pool, user, temporary)
    if params.get("MessageAction") != "SUPPRESS":
        idp.outbox.send(
            pool, user, "EMAIL", attributes.get("email", ""), f"temporary password {temporary}"
        )
    idp.save(pool, user)
    return {"User": _user_type(user)}


def _temporary_password(pool: Pool) -> str:
    length = max(pool.password_policy.MinimumLength, 12)
    while True:
        candidate = "".join(random.choice(_ID_CHARS + "!#%&*") for _ in range(length))
        if (
            any(c.isupper() for c in candidate)
            and any(c.islower() for c in candidate)
            and any(c.isdigit() for c in candidate)
            and any(c in "!#%&*" for c in candidate)
        ):
            return candidate


async def _admin_set_password(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    idp.check_password(pool, params["Password"])
    idp.set_password(pool, user, params["Password"])
    if params.get("Permanent"):
        user.status = "CONFIRMED"
        user.temporary_expires = None
    else:
        user.status = "FORCE_CHANGE_PASSWORD"
    idp.save(pool, user)
    return {}


async def _admin_get_user(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    return {
        "Username": user.username,
        "UserAttributes": _attribute_list(user),
        "UserCreateDate": _time(user.created),
        "UserLastModifiedDate": _time(user.modified),
        "Enabled": user.enabled,
        "UserStatus": user.status,
    }


async def _admin_delete_user(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    idp.store.delete(User, pool.id, user.username)
    return {}


async def _admin_set_enabled(
    idp: CognitoIdpProvider, params: OperationInput, enabled: bool
) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    user.enabled = enabled
    idp.save(pool, user)
    return {}


async def _admin_disable(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    return await _admin_set_enabled(idp, params, False)


async def _admin_enable(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    return await _admin_set_enabled(idp, params, True)


async def _admin_update_attributes(
    idp: CognitoIdpProvider, params: OperationInput
) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    user.attributes.update(_attributes(params.get("UserAttributes")))
    idp.save(pool, user)
    return {}


async def _get_user(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    _, user, _ = idp.from_access_token(params["AccessToken"])
    return {"Username": user.username, "UserAttributes": _attribute_list(user)}


async def _update_user_attributes(
    idp: CognitoIdpProvider, params: OperationInput
) -> OperationOutput:
    pool, user, _ = idp.from_access_token(params["AccessToken"])
    user.attributes.update(_attributes(params.get("UserAttributes")))
    idp.save(pool, user)
    return {"CodeDeliveryDetailsList": []}


async def _delete_user(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool, user, _ = idp.from_access_token(params["AccessToken"])
    idp.store.delete(User, pool.id, user.username)
    return {}


async def _change_password(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool, user, _ = idp.from_access_token(params["AccessToken"])
    if not idp.password_matches(user, params.get("PreviousPassword") or ""):
        raise ServiceError("NotAuthorizedException", "Incorrect username or password.")
    idp.check_password(pool, params["ProposedPassword"])
    idp.set_password(pool, user, params["ProposedPassword"])
    idp.save(pool, user)
    return {}


async def _global_sign_out(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    # Every token issued so far stops working (access tokens and refresh tokens).
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GlobalSignOut.html
    pool, user, _ = idp.from_access_token(params["AccessToken"])
    user.tokens_revoked_at = int(idp.now()) + 1
    idp.save(pool, user)
    return {}


async def _admin_user_global_sign_out(
    idp: CognitoIdpProvider, params: OperationInput
) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    user.tokens_revoked_at = int(idp.now()) + 1
    idp.save(pool, user)
    return {}


async def _forgot_password(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool, client = idp.client(params["ClientId"])
    _check_secret_hash(client, params["Username"], params.get("SecretHash"))
    user = idp.user(pool, params["Username"])
    delivery = idp.send_code(pool, user, "reset", RESET_CODE_VALIDITY_S)
    idp.save(pool, user)
    return {"CodeDeliveryDetails": delivery}


async def _confirm_forgot_password(
    idp: CognitoIdpProvider, params: OperationInput
) -> OperationOutput:
    pool, client = idp.client(params["ClientId"])
    _check_secret_hash(client, params["Username"], params.get("SecretHash"))
    user = idp.user(pool, params["Username"])
    idp.check_code(user, params["ConfirmationCode"], "reset")
    idp.check_password(pool, params["Password"])
    idp.set_password(pool, user, params["Password"])
    if user.status in ("RESET_REQUIRED", "FORCE_CHANGE_PASSWORD"):
        user.status = "CONFIRMED"
    idp.save(pool, user)
    return {}


async def _list_users(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    users = idp.store.all(User, pool.id)
    wanted = _user_filter(params.get("Filter"))
    users = [user for user in users if wanted(user)]
    limit = int(params.get("Limit", 60))
    start = (
        int(params["PaginationToken"]) if str(params.get("PaginationToken", "")).isdigit() else 0
    )
    output: dict[str, Any] = {"Users": [_user_type(u) for u in users[start : start + limit]]}
    if start + limit < len(users):
        output["PaginationToken"] = str(start + limit)
    return output


def _user_filter(expression: str | None) -> Callable[[User], bool]:
    """`attribute = "value"` (exact) or `attribute ^= "value"` (prefix).
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListUsers.html
    """
    if not expression:
        return lambda user: True
    prefix = "^=" in expression
    name, _, value = expression.partition("^=" if prefix else "=")
    name, value = name.strip(), value.strip().strip('"')

    def read(user: User) -> str:
        if name == "username":
            return user.username
        if name == "sub":
            return user.sub
        if name == "status":
            return "Enabled" if user.enabled else "Disabled"
        if name == "cognito:user_status":
            return user.status
        return user.attributes.get(name, "")

    if prefix:
        return lambda user: read(user).startswith(value)
    return lambda user: read(user) == value


async def _create_group(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    name = params["GroupName"]
    if idp.store.get(Group, pool.id, name) is not None:
        raise ServiceError("GroupExistsException", "A group with the name already exists.")
    now = idp.now()
    group = Group(
        name=name,
        pool_id=pool.id,
        created=now,
        modified=now,
        description=params.get("Description"),
        precedence=params.get("Precedence"),
        role_arn=params.get("RoleArn"),
    )
    idp.store.put(pool.id, name, group)
    return {"Group": _group_type(group)}


def _group_type(group: Group) -> dict[str, Any]:
    described: dict[str, Any] = {
        "GroupName": group.name,
        "UserPoolId": group.pool_id,
        "LastModifiedDate": _time(group.modified),
        "CreationDate": _time(group.created),
    }
    for key, value in (
        ("Description", group.description),
        ("Precedence", group.precedence),
        ("RoleArn", group.role_arn),
    ):
        if value is not None:
            described[key] = value
    return described


def _group(idp: CognitoIdpProvider, pool: Pool, name: str) -> Group:
    found = idp.store.get(Group, pool.id, name)
    if found is None:
        raise ServiceError("ResourceNotFoundException", "Group not found.")
    return found


async def _add_to_group(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    group = _group(idp, pool, params["GroupName"])
    user = idp.user(pool, params["Username"])
    if group.name not in user.groups:
        user.groups.append(group.name)
        idp.save(pool, user)
    return {}


async def _remove_from_group(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    group = _group(idp, pool, params["GroupName"])
    user = idp.user(pool, params["Username"])
    if group.name in user.groups:
        user.groups.remove(group.name)
        idp.save(pool, user)
    return {}


async def _groups_for_user(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    user = idp.user(pool, params["Username"])
    names = idp.groups_of(pool, user)
    groups = [_group_type(_group(idp, pool, name)) for name in names]
    return {"Groups": groups}


async def _list_groups(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    return {"Groups": [_group_type(group) for group in idp.store.all(Group, pool.id)]}


async def _list_users_in_group(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    group = _group(idp, pool, params["GroupName"])
    users = [u for u in idp.store.all(User, pool.id) if group.name in u.groups]
    return {"Users": [_user_type(user) for user in users]}


_OPERATIONS: dict[str, Operation[CognitoIdpProvider]] = {
    "CreateUserPool": _create_user_pool,
    "DescribeUserPool": _describe_user_pool,
    "ListUserPools": _list_user_pools,
    "DeleteUserPool": _delete_user_pool,
    "CreateUserPoolClient": _create_client,
    "DescribeUserPoolClient": _describe_client,
    "SignUp": _sign_up,
    "ConfirmSignUp": _confirm_sign_up,
    "ResendConfirmationCode": _resend_code,
    "AdminConfirmSignUp": _admin_confirm,
    "InitiateAuth": _initiate_auth,
    "AdminInitiateAuth": _admin_initiate_auth,
    "RespondToAuthChallenge": _respond_to_challenge,
    "AdminRespondToAuthChallenge": _respond_to_challenge,
    "AdminCreateUser": _admin_create_user,
    "AdminSetUserPassword": _admin_set_password,
    "AdminGetUser": _admin_get_user,
    "AdminDeleteUser": _admin_delete_user,
    "AdminDisableUser": _admin_disable,
    "AdminEnableUser": _admin_enable,
    "AdminUpdateUserAttributes": _admin_update_attributes,
    "AdminUserGlobalSignOut": _admin_user_global_sign_out,
    "GetUser": _get_user,
    "UpdateUserAttributes": _update_user_attributes,
    "DeleteUser": _delete_user,
    "ChangePassword": _change_password,
    "GlobalSignOut": _global_sign_out,
    "ForgotPassword": _forgot_password,
    "ConfirmForgotPassword": _confirm_forgot_password,
    "ListUsers": _list_users,
    "CreateGroup": _create_group,
    "AdminAddUserToGroup": _add_to_group,
    "AdminRemoveUserFromGroup": _remove_from_group,
    "AdminListGroupsForUser": _groups_for_user,
    "ListGroups": _list_groups,
    "ListUsersInGroup": _list_users_in_group,
}
