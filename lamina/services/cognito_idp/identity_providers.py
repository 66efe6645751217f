"""Identity provider operations: a pool's external providers (CreateIdentityProvider ...).

https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateIdentityProvider.html
OIDC providers sign users in through the hosted pages (federation.py); the other types are
kept and described but not federated.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from lamina.aws.paging import offset_page
from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.services.cognito_idp.model import IdentityProvider, Pool
from lamina.services.cognito_idp.shapes import time_of

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider

_OIDC_REQUIRED = ("client_id", "authorize_scopes", "oidc_issuer", "attributes_request_method")
"""ProviderDetails an OIDC provider must have.
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-oidc-idp.html"""


def find_provider(idp: CognitoIdpProvider, pool: Pool, name: str) -> IdentityProvider | None:
    return idp.store.get(IdentityProvider, pool.id, name)


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


async def _create(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    name, kind = params["ProviderName"], params["ProviderType"]
    if name == "COGNITO" or "_" in name:
        raise ServiceError("InvalidParameterException", f"Invalid ProviderName: {name}")
    if find_provider(idp, pool, name) is not None:
        raise ServiceError("DuplicateProviderException", f"A provider with the name {name} exists.")
    details = dict(params["ProviderDetails"])
    _check_details(kind, details)
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
    )
    idp.store.put(pool.id, name, provider)
    return {"IdentityProvider": _type(provider)}


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
    pool = idp.pool(params["UserPoolId"])
    provider = _provider(idp, pool, params["ProviderName"])
    if "ProviderDetails" in params:
        details = {**provider.details, **params["ProviderDetails"]}
        _check_details(provider.type, details)
        provider.details = details
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


OPERATIONS: dict[str, Operation[CognitoIdpProvider]] = {
    "CreateIdentityProvider": _create,
    "DescribeIdentityProvider": _describe,
    "ListIdentityProviders": _list,
    "UpdateIdentityProvider": _update,
    "DeleteIdentityProvider": _delete,
}
