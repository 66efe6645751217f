"""What a user pool holds, as stored records."""

from __future__ import annotations

from typing import Any

import msgspec


class PasswordPolicy(msgspec.Struct, kw_only=True):
    # Cognito's defaults: 8 characters with upper, lower, number and symbol.
    # https://docs.aws.amazon.com/cognito/latest/developerguide/managing-users-passwords.html
    MinimumLength: int = 8
    RequireUppercase: bool = True
    RequireLowercase: bool = True
    RequireNumbers: bool = True
    RequireSymbols: bool = True
    TemporaryPasswordValidityDays: int = 7


class RetiredKey(msgspec.Struct, kw_only=True):
    """A signing key replaced by a rotation: still published in the JWKS, and still
    verifying the tokens it signed, until they have all expired."""

    kid: str
    wrapped_key: bytes
    retired: float


class Pool(msgspec.Struct, kw_only=True):
    id: str
    name: str
    arn: str
    created: float
    modified: float
    password_policy: PasswordPolicy = msgspec.field(default_factory=PasswordPolicy)
    username_attributes: list[str] = msgspec.field(default_factory=list)
    """["email"] / ["phone_number"]: users sign in with these instead of a username."""
    alias_attributes: list[str] = msgspec.field(default_factory=list)
    auto_verified_attributes: list[str] = msgspec.field(default_factory=list)
    lambda_config: dict[str, str] = msgspec.field(default_factory=dict)
    schema: list[dict[str, Any]] = msgspec.field(default_factory=list)
    """Custom attributes as CreateUserPool's Schema gave them."""
    key_id: str = ""
    """`kid` of the pool's RS256 signing key."""
    wrapped_key: bytes = b""
    """The signing key's PKCS#8 DER, encrypted under KMS (alias/aws/cognito-idp)."""
    retired_keys: list[RetiredKey] = msgspec.field(default_factory=list)
    """Keys rotated out, newest last (provider.rotate_signing_key)."""
    mfa: str = "OFF"
    deletion_protection: str = "INACTIVE"
    domain: str = ""
    """The user pool domain's prefix (AWS::Cognito::UserPoolDomain): the hosted sign-in
    pages also answer at `{domain}.auth.localhost`."""
    custom_domain: str = ""
    """CreateUserPoolDomain with CustomDomainConfig: stored and described, not served."""
    custom_domain_certificate: str = ""
    managed_login_version: int = 1
    tags: dict[str, str] = msgspec.field(default_factory=dict)
    settings: dict[str, Any] = msgspec.field(default_factory=dict)
    """Settings Lamina stores and describes without acting on them (EmailConfiguration,
    AdminCreateUserConfig, ...), as CreateUserPool / UpdateUserPool gave them."""
    mfa_config: dict[str, Any] = msgspec.field(default_factory=dict)
    """SetUserPoolMfaConfig's Sms/SoftwareToken/Email/WebAuthn configurations."""


class Client(msgspec.Struct, kw_only=True):
    id: str
    pool_id: str
    name: str
    created: float
    modified: float
    secret: str | None = None
    explicit_auth_flows: list[str] = msgspec.field(default_factory=list)
    access_token_minutes: int = 60
    id_token_minutes: int = 60
    refresh_token_days: int = 30
    allowed_oauth_flows: list[str] = msgspec.field(default_factory=list)
    allowed_oauth_scopes: list[str] = msgspec.field(default_factory=list)
    callback_urls: list[str] = msgspec.field(default_factory=list)
    logout_urls: list[str] = msgspec.field(default_factory=list)
    supported_identity_providers: list[str] = msgspec.field(default_factory=list)
    prevent_user_existence_errors: str = "ENABLED"
    allowed_oauth_flows_user_pool_client: bool = False
    default_redirect_uri: str | None = None
    read_attributes: list[str] = msgspec.field(default_factory=list)
    write_attributes: list[str] = msgspec.field(default_factory=list)
    enable_token_revocation: bool = True
    auth_session_validity: int = 3


class User(msgspec.Struct, kw_only=True):
    username: str
    sub: str
    created: float
    modified: float
    status: str
    """UNCONFIRMED, CONFIRMED, FORCE_CHANGE_PASSWORD, RESET_REQUIRED."""
    password_hash: bytes = b""
    password_salt: bytes = b""
    srp_salt: str = ""
    srp_verifier: str = ""
    """SRP-6a salt and verifier (hex) for USER_SRP_AUTH, kept since the password was set."""
    temporary_expires: float | None = None
    attributes: dict[str, str] = msgspec.field(default_factory=dict)
    enabled: bool = True
    groups: list[str] = msgspec.field(default_factory=list)
    pending_code: str | None = None
    """The confirmation / reset code last sent, with what it is for and when it expires."""
    pending_purpose: str | None = None
    pending_expires: float | None = None
    tokens_revoked_at: float = 0.0
    """GlobalSignOut: tokens issued before this are refused."""
    mfa_options: list[dict[str, str]] = msgspec.field(default_factory=list)
    """SetUserSettings / AdminSetUserSettings (SMS MFA options), stored and returned."""


class Group(msgspec.Struct, kw_only=True):
    name: str
    pool_id: str
    created: float
    modified: float
    description: str | None = None
    precedence: int | None = None
    role_arn: str | None = None


class RefreshToken(msgspec.Struct, kw_only=True):
    pool_id: str
    client_id: str
    username: str
    issued: float
    expires: float
    auth_time: float
    scope: str | None = None
    """The OAuth 2.0 scopes granted at /oauth2/authorize; None for API sign-ins."""
    origin_jti: str = ""
    """The `origin_jti` of every token issued with or from it (revoked together)."""


class ResourceServer(msgspec.Struct, kw_only=True):
    """A resource server of a pool (CreateResourceServer): custom OAuth 2.0 scopes
    `{identifier}/{scope}` for the client-credentials grant and app clients."""

    pool_id: str
    identifier: str
    name: str
    scopes: list[dict[str, str]] = msgspec.field(default_factory=list)


class IdentityProvider(msgspec.Struct, kw_only=True):
    """An external identity provider of a pool (CreateIdentityProvider); OIDC and SAML are
    federated through the hosted pages (federation.py, saml.py)."""

    pool_id: str
    name: str
    type: str
    details: dict[str, str]
    attribute_mapping: dict[str, str] = msgspec.field(default_factory=dict)
    identifiers: list[str] = msgspec.field(default_factory=list)
    created: float
    modified: float
    metadata: str = ""
    """SAML: the IdP's metadata document (MetadataFile, or what MetadataURL answered)."""
    encryption_key: bytes = b""
    """SAML with EncryptedResponses: the sealed private key of ActiveEncryptionCertificate
    (saml_encryption.py)."""


class ProviderLink(msgspec.Struct, kw_only=True):
    """AdminLinkProviderForUser: a federated identity that signs in as an existing user.
    https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-identity-federation-consolidate-users.html
    """

    pool_id: str
    provider: str
    attribute: str
    """Cognito_Subject (the provider's subject), or a claim name (SAML attribute)."""
    value: str
    username: str
    """The destination user."""
    created: float

    @property
    def key(self) -> str:
        return link_key(self.provider, self.attribute, self.value)


def link_key(provider: str, attribute: str, value: str) -> str:
    return f"{provider}\x00{attribute}\x00{value}"
