"""Identity provider operations: a pool's external providers (CreateIdentityProvider ...).

https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateIdentityProvider.html
OIDC providers (federation.py) and SAML providers (saml.py) sign users in through the hosted
pages; the other types are kept and described but not federated.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import rsa

from lamina.aws.paging import offset_page
from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.services.cognito_idp.model import (
    IdentityProvider,
    Pool,
    ProviderLink,
    User,
    link_key,
)
from lamina.services.cognito_idp.saml_encryption import EncryptionKey
from lamina.services.cognito_idp.saml_metadata import (
    fetch_metadata_async,
    saml_details,
    sp_entity_id,
)
from lamina.services.cognito_idp.shapes import time_of

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider

_OIDC_REQUIRED = ("client_id", "authorize_scopes", "oidc_issuer", "attributes_request_method")
"""ProviderDetails an OIDC provider must have.
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-idp.html"""


def find_provider(idp: CognitoIdpProvider, pool: Pool, name: str) -> IdentityProvider | None:
    return idp.store.get(IdentityProvider, pool.id, name)


def provider_for_identifier(
    idp: CognitoIdpProvider, pool: Pool, identifier: str
) -> IdentityProvider | None:
    """The provider an `idp_identifier` names: one of its IdpIdentifiers.
    https://docs.aws.amazon.com/cognito/latest/developerguide/authorization-endpoint.html"""
    for provider in idp.store.all(IdentityProvider, pool.id):
        if identifier in provider.identifiers:
            return provider
    return None


def _provider(idp: CognitoIdpProvider, pool: Pool, name: str) -> IdentityProvider:
    found = find_provider(idp, pool, name)
    if found is None:
        raise ServiceError("ResourceNotFoundException", f"Identity provider {name} does not exist.")
    return found


def _check_details(kind: str, details: dict[str, str]) -> None:
    if kind != "OIDC":
        return
    missing = [key for key in _OIDC_REQUIRED if not details.get(key)]
    if missing:
        raise ServiceError(
            "InvalidParameterException", f"{', '.join(missing)} is missing from ProviderDetails."
        )
    if details["attributes_request_method"] not in ("GET", "POST"):
        raise ServiceError(
            "InvalidParameterException", "attributes_request_method must be GET or POST."
        )
    if "openid" not in details["authorize_scopes"].split():
        raise ServiceError("InvalidParameterException", "authorize_scopes must include openid.")


def _type(provider: IdentityProvider) -> dict[str, Any]:
    return {
        "UserPoolId": provider.pool_id,
        "ProviderName": provider.name,
        "ProviderType": provider.type,
        "ProviderDetails": dict(provider.details),
        "AttributeMapping": dict(provider.attribute_mapping),
        "IdpIdentifiers": list(provider.identifiers),
        "LastModifiedDate": time_of(provider.modified),
        "CreationDate": time_of(provider.created),
    }


async def _by_identifier(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_GetIdentityProviderByIdentifier.html
    pool = idp.pool(params["UserPoolId"])
    found = provider_for_identifier(idp, pool, str(params["IdpIdentifier"]))
    if found is None:
        # [choice] wording.
        raise ServiceError(
            "ResourceNotFoundException",
            f"Identity provider with identifier {params['IdpIdentifier']} does not exist.",
        )
    return {"IdentityProvider": _type(found)}


async def _metadata_at_url(kind: str, details: Mapping[str, str]) -> str | None:
    """The document a SAML provider's MetadataURL names, fetched without holding up the
    server (None when the details name no URL to fetch)."""
    url = details.get("MetadataURL")
    if kind != "SAML" or not url or details.get("MetadataFile"):
        return None
    return await fetch_metadata_async(url)


async def _create(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    kind = str(params["ProviderType"])
    fetched = await _metadata_at_url(kind, params.get("ProviderDetails") or {})
    return create_provider(idp, params, fetched=fetched)


def create_provider(
    idp: CognitoIdpProvider, params: OperationInput, *, fetched: str | None = None
) -> OperationOutput:
    """CreateIdentityProvider (also what a template's UserPoolIdentityProvider runs).
    `fetched`: the document at the details' MetadataURL, already fetched."""
    pool = idp.pool(params["UserPoolId"])
    name, kind = params["ProviderName"], params["ProviderType"]
    if name == "COGNITO" or "_" in name:
        raise ServiceError("InvalidParameterException", f"Invalid ProviderName: {name}")
    if find_provider(idp, pool, name) is not None:
        raise ServiceError("DuplicateProviderException", f"A provider with the name {name} exists.")
    details = dict(params["ProviderDetails"])
    _check_details(kind, details)
    metadata = ""
    if kind == "SAML":
        details, metadata = saml_details(details, idp.now(), fetched)
    mapping = dict(params.get("AttributeMapping") or {})
    if kind == "OIDC":
        # OIDC providers map `sub` to the username unless told otherwise.
        # https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-specifying-attribute-mapping.html
        mapping.setdefault("username", "sub")
    now = idp.now()
    provider = IdentityProvider(
        pool_id=pool.id,
        name=name,
        type=kind,
        details=details,
        attribute_mapping=mapping,
        identifiers=list(params.get("IdpIdentifiers") or []),
        created=now,
        modified=now,
        metadata=metadata,
    )
    if kind == "SAML":
        _encryption_key(idp, pool, provider)
    idp.store.put(pool.id, name, provider)
    return {"IdentityProvider": _type(provider)}


def _encryption_key(
    idp: CognitoIdpProvider, pool: Pool, provider: IdentityProvider, kept: str | None = None
) -> None:
    """EncryptedResponses "true": the provider gets an encryption key pair (kept across
    updates: `kept` is its certificate), shown as ActiveEncryptionCertificate."""
    if provider.details.get("EncryptedResponses") != "true":
        return
    secret = idp.signing_key(pool).der()
    if provider.encryption_key and kept:
        provider.details["ActiveEncryptionCertificate"] = kept
        return
    made = EncryptionKey.generate(sp_entity_id(pool.id), idp.now())
    provider.encryption_key = made.seal(secret)
    provider.details["ActiveEncryptionCertificate"] = made.certificate_text()


def decryption_key(
    idp: CognitoIdpProvider, pool: Pool, provider: IdentityProvider
) -> rsa.RSAPrivateKey | None:
    """The provider's SP encryption key when EncryptedResponses is on."""
    if provider.details.get("EncryptedResponses") != "true" or not provider.encryption_key:
        return None
    certificate = provider.details.get("ActiveEncryptionCertificate", "")
    secret = idp.signing_key(pool).der()
    return EncryptionKey.unseal(secret, provider.encryption_key, certificate).private


async def _describe(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    return {"IdentityProvider": _type(_provider(idp, pool, params["ProviderName"]))}


async def _list(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    found = idp.store.all(IdentityProvider, pool.id)
    page, token = offset_page(found, params.get("NextToken"), int(params.get("MaxResults", 60)))
    output: dict[str, Any] = {
        "Providers": [
            {
                "ProviderName": p.name,
                "ProviderType": p.type,
                "LastModifiedDate": time_of(p.modified),
                "CreationDate": time_of(p.created),
            }
            for p in page
        ]
    }
    if token is not None:
        output["NextToken"] = token
    return output


async def _update(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    fetched = None
    if "ProviderDetails" in params:
        provider = _provider(idp, idp.pool(params["UserPoolId"]), params["ProviderName"])
        details = _updated_details(provider, params["ProviderDetails"])
        fetched = await _metadata_at_url(provider.type, details)
    return update_provider(idp, params, fetched=fetched)


def _updated_details(provider: IdentityProvider, given: Mapping[str, str]) -> dict[str, str]:
    """The provider's details with UpdateIdentityProvider's given ones; a new SAML
    MetadataFile replaces a MetadataURL and the other way round."""
    details = {**provider.details, **given}
    if provider.type == "SAML":
        if "MetadataFile" in given:
            details.pop("MetadataURL", None)
        elif "MetadataURL" in given:
            details.pop("MetadataFile", None)
    return details


def update_provider(
    idp: CognitoIdpProvider, params: OperationInput, *, fetched: str | None = None
) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    provider = _provider(idp, pool, params["ProviderName"])
    if "ProviderDetails" in params:
        kept = provider.details.get("ActiveEncryptionCertificate")
        details = _updated_details(provider, params["ProviderDetails"])
        _check_details(provider.type, details)
        if provider.type == "SAML":
            details, provider.metadata = saml_details(details, idp.now(), fetched)
        provider.details = details
        if provider.type == "SAML":
            _encryption_key(idp, pool, provider, kept)
    if "AttributeMapping" in params:
        provider.attribute_mapping = dict(params["AttributeMapping"])
        if provider.type == "OIDC":
            provider.attribute_mapping.setdefault("username", "sub")
    if "IdpIdentifiers" in params:
        provider.identifiers = list(params["IdpIdentifiers"])
    provider.modified = idp.now()
    idp.store.put(pool.id, provider.name, provider)
    return {"IdentityProvider": _type(provider)}


async def _delete(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    provider = _provider(idp, pool, params["ProviderName"])
    idp.store.delete(IdentityProvider, pool.id, provider.name)
    return {}


# -- linking federated identities to existing users ----------------------------------------
# https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminLinkProviderForUser.html
# https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AdminDisableProviderForUser.html

SUBJECT = "Cognito_Subject"


def linked_user(
    idp: CognitoIdpProvider,
    pool: Pool,
    provider: IdentityProvider,
    claims: dict[str, Any],
    subject: str | None = None,
) -> User | None:
    """The existing user a signing-in federated identity is linked to, if any: by the
    provider's subject (Cognito_Subject: an OIDC `sub`, a SAML NameID) or by one of its
    claims (OIDC) or attributes (SAML, by attribute name)."""
    if subject is None:
        subject = str(claims.get(provider.attribute_mapping.get("username", "sub"), claims["sub"]))
    candidates = [(SUBJECT, subject)] + [(str(k), str(v)) for k, v in claims.items()]
    for attribute, value in candidates:
        link = idp.store.get(ProviderLink, pool.id, link_key(provider.name, attribute, value))
        if link is not None:
            user = idp.store.get(User, pool.id, link.username)
            if user is not None:
                return user
    return None


def _destination(idp: CognitoIdpProvider, pool: Pool, identifier: dict[str, str]) -> User:
    """A native user (ProviderName Cognito: the username) or a federated one
    (`<ProviderName>_<value>`); its ProviderAttributeName is ignored, as AWS documents."""
    name = identifier.get("ProviderName", "")
    value = identifier.get("ProviderAttributeValue", "")
    username = value if name == "Cognito" else f"{name}_{value}"
    user = idp.store.get(User, pool.id, username)
    if user is None:
        raise ServiceError("UserNotFoundException", "User does not exist.")
    return user


def _source(
    idp: CognitoIdpProvider, pool: Pool, identifier: dict[str, str]
) -> tuple[IdentityProvider, str, str]:
    name = identifier.get("ProviderName", "")
    if name == "Cognito":
        raise ServiceError(
            "InvalidParameterException", "SourceUser must be a federated user, not a Cognito user."
        )
    provider = find_provider(idp, pool, name)
    if provider is None:
        raise ServiceError("InvalidParameterException", f"Identity provider {name} does not exist.")
    attribute = identifier.get("ProviderAttributeName") or ""
    value = identifier.get("ProviderAttributeValue") or ""
    if not attribute or not value:
        raise ServiceError(
            "InvalidParameterException",
            "SourceUser needs ProviderAttributeName and ProviderAttributeValue.",
        )
    return provider, attribute, value


async def _admin_link(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    destination = _destination(idp, pool, params["DestinationUser"])
    provider, attribute, value = _source(idp, pool, params["SourceUser"])
    key = link_key(provider.name, attribute, value)
    existing = idp.store.get(ProviderLink, pool.id, key)
    if existing is not None and existing.username != destination.username:
        raise ServiceError(
            "AliasExistsException", "The source user is already linked to another user."
        )
    if attribute == SUBJECT and idp.store.get(User, pool.id, f"{provider.name}_{value}"):
        # The source must be an identity that has not signed in yet (AWS's API reference:
        # "a user who does not currently exist yet in the user pool").
        raise ServiceError(
            "InvalidParameterException",
            "Merging is not currently supported, provide a SourceUser that has not been "
            "linked or signed in.",
        )
    now = idp.now()
    link = ProviderLink(
        pool_id=pool.id,
        provider=provider.name,
        attribute=attribute,
        value=value,
        username=destination.username,
        created=now,
    )
    idp.store.put(pool.id, key, link)
    identities = _identities(destination)
    if not any(
        i.get("providerName") == provider.name and i.get("userId") == value for i in identities
    ):
        identities.append(
            {
                "userId": value,
                "providerName": provider.name,
                "providerType": provider.type,
                "issuer": None,
                "primary": "false",
                "dateCreated": str(int(now * 1000)),
            }
        )
    destination.attributes["identities"] = json.dumps(identities, separators=(",", ":"))
    idp.save(pool, destination)
    return {}


async def _admin_disable(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    """The federated identity can no longer sign in: links to it are removed (the user it
    was linked to stays), and a user it created is disabled."""
    pool = idp.pool(params["UserPoolId"])
    provider, attribute, value = _source(idp, pool, params["User"])
    key = link_key(provider.name, attribute, value)
    link = idp.store.get(ProviderLink, pool.id, key)
    if link is not None:
        idp.store.delete(ProviderLink, pool.id, key)
        user = idp.store.get(User, pool.id, link.username)
        if user is not None:
            kept = [
                i
                for i in _identities(user)
                if not (i.get("providerName") == provider.name and i.get("userId") == value)
            ]
            if kept:
                user.attributes["identities"] = json.dumps(kept, separators=(",", ":"))
            else:
                user.attributes.pop("identities", None)
            idp.save(pool, user)
    federated = idp.store.get(User, pool.id, f"{provider.name}_{value}")
    if federated is not None:
        federated.enabled = False
        idp.save(pool, federated)
    return {}


def _identities(user: User) -> list[dict[str, Any]]:
    try:
        found = json.loads(user.attributes.get("identities") or "[]")
    except ValueError:
        return []
    return [i for i in found if isinstance(i, dict)] if isinstance(found, list) else []


OPERATIONS: dict[str, Operation[CognitoIdpProvider]] = {
    "AdminLinkProviderForUser": _admin_link,
    "AdminDisableProviderForUser": _admin_disable,
    "CreateIdentityProvider": _create,
    "DescribeIdentityProvider": _describe,
    "ListIdentityProviders": _list,
    "UpdateIdentityProvider": _update,
    "DeleteIdentityProvider": _delete,
    "GetIdentityProviderByIdentifier": _by_identifier,
}
