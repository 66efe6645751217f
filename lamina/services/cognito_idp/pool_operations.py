"""User pool and app client operations.

https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateUserPool.html
"""

from __future__ import annotations

import secrets as random
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lamina.aws.paging import offset_page
from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.services.cognito_idp.model import (
    Client,
    Pool,
    User,
)
from lamina.services.cognito_idp.resource_servers import STANDARD_SCOPES, custom_scopes
from lamina.services.cognito_idp.shapes import (
    CLIENT_CHARS,
    client_type,
    configure_pool,
    flag,
    pool_type,
    time_of,
)

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider


async def _create_user_pool(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.create_pool(params["PoolName"], params)
    return {"UserPool": pool_type(pool)}


async def _update_user_pool(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    """Every setting UpdateUserPool takes is replaced, and the ones not given return to
    their defaults (password policy, triggers, auto-verified attributes, MFA, deletion
    protection, tags, messages). What it cannot change stays: the sign-in attributes
    (UsernameAttributes / AliasAttributes), the schema, the id.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPool.html
    https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pool-updating.html"""
    pool = idp.pool(params["UserPoolId"])
    kept = (list(pool.username_attributes), list(pool.alias_attributes), list(pool.schema))
    configure_pool(pool, params)
    pool.username_attributes, pool.alias_attributes, pool.schema = kept
    if params.get("PoolName"):
        pool.name = str(params["PoolName"])
    pool.modified = idp.now()
    idp.store.put("", pool.id, pool)
    return {}


async def _describe_user_pool(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    # UserPoolType's EstimatedNumberOfUsers: here the exact count.
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UserPoolType.html
    pool = idp.pool(params["UserPoolId"])
    described = pool_type(pool)
    described["EstimatedNumberOfUsers"] = idp.store.count(User, pool.id)
    return {"UserPool": described}


async def _list_user_pools(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pools = idp.store.all(Pool, "")
    page, token = offset_page(pools, params.get("NextToken"), int(params["MaxResults"]))
    output: dict[str, Any] = {
        "UserPools": [
            {
                "Id": p.id,
                "Name": p.name,
                "LambdaConfig": dict(p.lambda_config),
                "LastModifiedDate": time_of(p.modified),
                "CreationDate": time_of(p.created),
            }
            for p in page
        ]
    }
    if token is not None:
        output["NextToken"] = token
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
    return {"UserPoolClient": client_type(create_client(idp, params))}


def create_client(
    idp: CognitoIdpProvider, params: Mapping[str, Any], client_id: str | None = None
) -> Client:
    """A new app client; `client_id` when a template fixes it."""
    pool = idp.pool(params["UserPoolId"])
    now = idp.now()
    # Client ids are 26 lowercase alphanumerics; secrets 51.
    client = Client(
        id=client_id or "".join(random.choice(CLIENT_CHARS) for _ in range(26)),
        pool_id=pool.id,
        name=params["ClientName"],
        created=now,
        modified=now,
        secret=(
            "".join(random.choice(CLIENT_CHARS) for _ in range(51))
            if params.get("GenerateSecret")
            else None
        ),
    )
    configure_client(idp, pool, client, params)
    idp.store.put(pool.id, client.id, client)
    return client


def configure_client(
    idp: CognitoIdpProvider, pool: Pool, client: Client, params: Mapping[str, Any]
) -> None:
    """The settings CreateUserPoolClient and UpdateUserPoolClient take: each one not given
    gets its default, so an update replaces the whole configuration.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html
    ("If you don't provide a value for an attribute, Amazon Cognito sets it to its default
    value.")"""
    flows = [str(flow) for flow in params.get("AllowedOAuthFlows") or []]
    scopes = [str(scope) for scope in params.get("AllowedOAuthScopes") or []]
    _check_oauth(idp, pool, client, flows, scopes)
    client.explicit_auth_flows = list(params.get("ExplicitAuthFlows") or [])
    client.access_token_minutes = _minutes(params, "AccessToken", "AccessTokenValidity", 60)
    client.id_token_minutes = _minutes(params, "IdToken", "IdTokenValidity", 60)
    client.refresh_token_days = int(params.get("RefreshTokenValidity", 30))
    client.allowed_oauth_flows = flows
    client.allowed_oauth_scopes = scopes
    client.callback_urls = list(params.get("CallbackURLs") or [])
    client.logout_urls = list(params.get("LogoutURLs") or [])
    client.supported_identity_providers = list(params.get("SupportedIdentityProviders") or [])
    client.prevent_user_existence_errors = str(params.get("PreventUserExistenceErrors", "ENABLED"))
    client.allowed_oauth_flows_user_pool_client = flag(
        params.get("AllowedOAuthFlowsUserPoolClient")
    )
    redirect = params.get("DefaultRedirectURI")
    client.default_redirect_uri = None if redirect is None else str(redirect)
    client.read_attributes = list(params.get("ReadAttributes") or [])
    client.write_attributes = list(params.get("WriteAttributes") or [])
    revocation = params.get("EnableTokenRevocation")
    client.enable_token_revocation = True if revocation is None else flag(revocation)
    client.auth_session_validity = int(params.get("AuthSessionValidity", 3))


def _check_oauth(
    idp: CognitoIdpProvider, pool: Pool, client: Client, flows: list[str], scopes: list[str]
) -> None:
    """client_credentials stands alone and needs a secret; a custom scope
    (`{resource server}/{scope}`) must be one of the pool's resource servers' scopes.
    [reported] texts, as Cognito answers them."""
    if "client_credentials" in flows:
        if {"code", "implicit"} & set(flows):
            raise ServiceError(
                "InvalidOAuthFlowException",
                "client_credentials flow can not be selected along with code flow or "
                "implicit flow.",
            )
        if client.secret is None:
            raise ServiceError(
                "InvalidOAuthFlowException",
                "client_credentials flow can not be selected if client does not have a "
                "client secret.",
            )
    known = custom_scopes(idp, pool)
    for scope in scopes:
        if scope not in STANDARD_SCOPES and scope not in known:
            raise ServiceError("ScopeDoesNotExistException", f"Invalid scope requested: {scope}")


def _minutes(params: Mapping[str, Any], unit_key: str, key: str, default: int) -> int:
    value = params.get(key)
    if value is None:
        return default
    unit = (params.get("TokenValidityUnits") or {}).get(unit_key, "hours")
    factor = {"seconds": 1 / 60, "minutes": 1, "hours": 60, "days": 1440}[unit]
    return max(1, round(int(value) * factor))


STANDARD_ATTRIBUTES = frozenset(
    [
        "address",
        "birthdate",
        "email",
        "email_verified",
        "family_name",
        "gender",
        "given_name",
        "identities",
        "locale",
        "middle_name",
        "name",
        "nickname",
        "phone_number",
        "phone_number_verified",
        "picture",
        "preferred_username",
        "profile",
        "sub",
        "updated_at",
        "website",
        "zoneinfo",
    ]
)
"""Cognito's standard attributes; any other schema name is a custom one (`custom:`).
https://docs.aws.amazon.com/cognito/latest/developerguide/user-pool-settings-attributes.html"""


def _full_name(name: str) -> str:
    return name if name in STANDARD_ATTRIBUTES or name.startswith("custom:") else f"custom:{name}"


async def _add_custom_attributes(
    idp: CognitoIdpProvider, params: OperationInput
) -> OperationOutput:
    """New custom attributes in the pool's schema, each named `custom:{Name}` (a Name that
    already reads `custom:x` becomes `custom:custom:x`, as Cognito does); a name the schema
    has → InvalidParameterException "custom:x: Existing attribute already has name
    custom:x." [reported]; required custom attributes are refused [choice] wording.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_AddCustomAttributes.html
    """
    pool = idp.pool(params["UserPoolId"])
    existing = {_full_name(str(entry.get("Name", ""))) for entry in pool.schema}
    added = []
    for attribute in params.get("CustomAttributes") or []:
        full = f"custom:{attribute.get('Name', '')}"
        if full in existing:
            raise ServiceError(
                "InvalidParameterException", f"{full}: Existing attribute already has name {full}."
            )
        if attribute.get("Required"):
            raise ServiceError(
                "InvalidParameterException",
                "Required custom attributes are not supported currently.",
            )
        existing.add(full)
        added.append({**attribute, "Name": full})
    pool.schema = [*pool.schema, *added]
    pool.modified = idp.now()
    idp.store.put("", pool.id, pool)
    return {}


def _client(idp: CognitoIdpProvider, pool: Pool, client_id: str) -> Client:
    client = idp.store.get(Client, pool.id, client_id)
    if client is None:
        raise ServiceError(
            "ResourceNotFoundException", f"User pool client {client_id} does not exist."
        )
    return client


async def _describe_client(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.pool(params["UserPoolId"])
    return {"UserPoolClient": client_type(_client(idp, pool, params["ClientId"]))}


async def _list_clients(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    # MaxResults 1-60.
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListUserPoolClients.html
    pool = idp.pool(params["UserPoolId"])
    size = int(params.get("MaxResults") or 60)
    if not 1 <= size <= 60:
        raise ServiceError(
            "InvalidParameterException",
            f"1 validation error detected: Value '{size}' at 'maxResults' failed to satisfy "
            "constraint: Member must have value less than or equal to 60",
        )
    clients = idp.store.all(Client, pool.id)
    page, token = offset_page(clients, params.get("NextToken"), size)
    output: dict[str, Any] = {
        "UserPoolClients": [
            {"ClientId": c.id, "UserPoolId": c.pool_id, "ClientName": c.name} for c in page
        ]
    }
    if token is not None:
        output["NextToken"] = token
    return output


async def _update_client(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateUserPoolClient.html
    pool = idp.pool(params["UserPoolId"])
    client = _client(idp, pool, params["ClientId"])
    if params.get("ClientName"):
        client.name = str(params["ClientName"])
    configure_client(idp, pool, client, params)
    client.modified = idp.now()
    idp.store.put(pool.id, client.id, client)
    return {"UserPoolClient": client_type(client)}


async def _delete_client(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_DeleteUserPoolClient.html
    pool = idp.pool(params["UserPoolId"])
    client = _client(idp, pool, params["ClientId"])
    idp.store.delete(Client, pool.id, client.id)
    return {}


OPERATIONS: dict[str, Operation[CognitoIdpProvider]] = {
    "CreateUserPool": _create_user_pool,
    "DescribeUserPool": _describe_user_pool,
    "ListUserPools": _list_user_pools,
    "DeleteUserPool": _delete_user_pool,
    "CreateUserPoolClient": _create_client,
    "DescribeUserPoolClient": _describe_client,
    "UpdateUserPool": _update_user_pool,
    "ListUserPoolClients": _list_clients,
    "UpdateUserPoolClient": _update_client,
    "DeleteUserPoolClient": _delete_client,
    "AddCustomAttributes": _add_custom_attributes,
}
