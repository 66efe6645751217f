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
)
from lamina.services.cognito_idp.shapes import (
    CLIENT_CHARS,
    client_type,
    pool_type,
    time_of,
)

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider


async def _create_user_pool(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool = idp.create_pool(params["PoolName"], params)
    return {"UserPool": pool_type(pool)}


async def _describe_user_pool(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    return {"UserPool": pool_type(idp.pool(params["UserPoolId"]))}


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
    return {"UserPoolClient": client_type(client)}


OPERATIONS: dict[str, Operation[CognitoIdpProvider]] = {
    "CreateUserPool": _create_user_pool,
    "DescribeUserPool": _describe_user_pool,
    "ListUserPools": _list_user_pools,
    "DeleteUserPool": _delete_user_pool,
    "CreateUserPoolClient": _create_client,
    "DescribeUserPoolClient": _describe_client,
}
