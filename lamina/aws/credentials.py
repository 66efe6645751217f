"""Access keys Lamina knows, who each one belongs to, and whether it accepts keys it does
not know.

Known keys have their signatures verified. Unknown keys are accepted (the signature cannot
be checked without the secret) unless the store is strict, in which case they are refused
as AWS refuses them (`UnrecognizedClientException`).

Each known key may carry an `Identity`: the IAM principal it signs as (an IAM user, an
assumed role, or the account root) with its identity policies, which AWS_IAM
authorization on the gateway evaluates for `execute-api:Invoke`. A key without an
identity (pairs given as plain tuples) signs as the account root, as `test`/`test` does.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import os
import secrets
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import msgspec

TEST_CREDENTIALS = ("test", "test")
"""The pair LocalStack users configure; Lamina knows it so their clients work unchanged."""

ALLOW_ALL: tuple[dict[str, Any], ...] = ({"Effect": "Allow", "Action": "*", "Resource": "*"},)
"""The statement of AWS's AdministratorAccess policy (and what the account root may do)."""


class Identity(msgspec.Struct, frozen=True, kw_only=True):
    """The IAM principal behind an access key, as the gateway reports it.

    Field formats follow the AWS_IAM proxy events:
    https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
    (`requestContext.authorizer.iam`) and the REST `requestContext.identity` fields.
    """

    access_key: str
    secret_key: str
    arn: str
    """`arn:aws:iam::{account}:user/{name}`, `arn:aws:sts::{account}:assumed-role/{role}/{session}`
    or `arn:aws:iam::{account}:root`."""
    account_id: str
    principal_id: str
    """What `caller`/`user` (REST) and `callerId`/`userId` (HTTP) carry: the user id
    (`AIDA...`), `{roleId}:{session}` for an assumed role, the account id for the root."""
    statements: tuple[dict[str, Any], ...] = ()
    """The identity policies' statements, every attached policy flattened."""
    session_token: str | None = None
    """Temporary credentials (`ASIA...` keys) are valid only with their session token."""
    any_token: bool = False
    """The LocalStack-style `test` pair accepts whatever session token a client carries."""
    expires: float | None = None
    """Epoch seconds after which temporary credentials (STS) no longer work."""
    issued: float | None = None
    """Epoch seconds when temporary credentials were issued (aws:TokenIssueTime)."""
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    """The principal's tags (an IAM user's, or an assumed role's): aws:PrincipalTag/{key}."""


class AssumableRole(msgspec.Struct, frozen=True, kw_only=True):
    """An IAM role STS AssumeRole can hand out: who may assume it, what it may do."""

    arn: str
    role_id: str
    """`AROA...`; an assumed role's user id is `{role_id}:{session name}`."""
    statements: tuple[dict[str, Any], ...]
    trust_statements: tuple[dict[str, Any], ...]
    """The AssumeRolePolicyDocument's statements."""
    max_session_s: int = 3600
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    """The role's tags, which its sessions carry as aws:PrincipalTag/{key}."""


def root_identity(access_key: str, secret_key: str, account_id: str) -> Identity:
    """The account root: every action allowed (no identity policy can restrict it)."""
    return Identity(
        access_key=access_key,
        secret_key=secret_key,
        arn=f"arn:aws:iam::{account_id}:root",
        account_id=account_id,
        principal_id=account_id,
        statements=ALLOW_ALL,
        any_token=True,
    )


def derived_key_pair(*seed: str, secret_seed: bytes = b"") -> tuple[str, str]:
    """A deterministic (access key id, secret access key) for a template's
    AWS::IAM::AccessKey, so the key stays the same across restarts. Ids look like AWS's:
    `AKIA` + 16 characters of [A-Z2-7]; secrets 40 characters of base64.

    The secret also depends on `secret_seed` (local_secret_seed: random, kept in the state
    folder), so knowing the template is not enough to sign as the key's user."""
    digest = hashlib.sha256("\x00".join(("lamina-access-key", *seed)).encode()).digest()
    key_id = "AKIA" + base64.b32encode(digest[:10]).decode()[:16]
    keyed = hmac.new(secret_seed or b"lamina", digest, hashlib.sha256).digest()
    secret = base64.b64encode(keyed + digest[:6]).decode()[:40]
    return key_id, secret


SECRET_SEED_FILE = "credentials.seed"


def local_secret_seed(state_dir: Path) -> bytes:
    """32 random bytes kept in `state_dir` (created 0600 on first use): what makes this
    installation's derived secrets its own. Several processes may ask at once (a server
    and a test, xdist workers): the file appears whole or not at all (written aside, then
    hard-linked into place), and whoever links second reads the winner's."""
    path = state_dir / SECRET_SEED_FILE
    with contextlib.suppress(FileNotFoundError):
        return path.read_bytes()
    state_dir.mkdir(parents=True, exist_ok=True)
    descriptor, aside = tempfile.mkstemp(dir=state_dir, prefix=".seed-")
    try:
        with os.fdopen(descriptor, "wb") as file:
            file.write(secrets.token_bytes(32))
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(aside, path)
    finally:
        os.unlink(aside)
    return path.read_bytes()


def derived_principal_id(prefix: str, *seed: str) -> str:
    """A unique id as IAM gives users (`AIDA`) and roles (`AROA`): prefix + 17 characters."""
    digest = hashlib.sha256("\x00".join(("lamina-principal", *seed)).encode()).digest()
    return prefix + base64.b32encode(digest[:11]).decode()[:17]


class CredentialStore:
    def __init__(
        self,
        pairs: Iterable[tuple[str, str]] = (),
        *,
        strict: bool = False,
        identities: Iterable[Identity] = (),
    ) -> None:
        """`pairs`: (access key id, secret access key); `identities`: keys with their
        principal."""
        self._secrets = dict(pairs)
        self._identities: dict[str, Identity] = {}
        self.strict = strict
        for identity in identities:
            self.add_identity(identity)

    @classmethod
    def local(
        cls,
        function_pairs: Iterable[tuple[str, str]] = (),
        *,
        strict: bool = False,
        identities: Iterable[Identity] = (),
    ) -> CredentialStore:
        """The keys Lamina hands its functions, plus `test`/`test`, plus `identities`."""
        return cls([TEST_CREDENTIALS, *function_pairs], strict=strict, identities=identities)

    def add(self, access_key: str, secret: str) -> None:
        self._secrets[access_key] = secret

    def add_identity(self, identity: Identity) -> None:
        self._secrets[identity.access_key] = identity.secret_key
        self._identities[identity.access_key] = identity

    def secret(self, access_key: str) -> str | None:
        return self._secrets.get(access_key)

    def identity(self, access_key: str, account_id: str) -> Identity | None:
        """Who signs with `access_key`; a known key without a declared identity is the
        root of `account_id`. None for an unknown key."""
        found = self._identities.get(access_key)
        if found is not None:
            return found
        secret = self._secrets.get(access_key)
        if secret is None:
            return None
        return root_identity(access_key, secret, account_id)

    def forget_expired(self, now: float) -> None:
        """Strip temporary credentials whose expiry passed more than a day ago of their
        policies. The key stays known, so its use is still answered ExpiredToken: a key
        the store forgot would be taken for an unknown one, which a store that is not
        strict accepts as the account root."""
        stale = [
            key
            for key, identity in self._identities.items()
            if identity.expires is not None
            and identity.expires < now - 86_400
            and identity.statements
        ]
        for key in stale:
            self._identities[key] = msgspec.structs.replace(self._identities[key], statements=())

    def known_identity(self, access_key: str) -> Identity | None:
        """The identity declared for `access_key` (None for plain key pairs)."""
        return self._identities.get(access_key)

    def identities(self) -> Mapping[str, Identity]:
        return dict(self._identities)


_KEY_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


def issue_temporary(
    store: CredentialStore,
    *,
    arn: str,
    account_id: str,
    principal_id: str,
    statements: tuple[dict[str, Any], ...],
    expires: float,
    now: float,
    tags: dict[str, str] | None = None,
) -> Identity:
    """New temporary credentials (as STS issues them: an `ASIA` key id, a secret, a session
    token, an expiry) for a principal, added to `store`.
    https://docs.aws.amazon.com/STS/latest/APIReference/API_Credentials.html"""
    store.forget_expired(now)
    identity = Identity(
        access_key="ASIA" + "".join(secrets.choice(_KEY_CHARS) for _ in range(16)),
        secret_key=base64.b64encode(secrets.token_bytes(30)).decode(),
        arn=arn,
        account_id=account_id,
        principal_id=principal_id,
        statements=statements,
        session_token=base64.b64encode(secrets.token_bytes(96)).decode(),
        expires=expires,
        issued=now,
        tags=dict(tags or {}),
    )
    store.add_identity(identity)
    return identity
