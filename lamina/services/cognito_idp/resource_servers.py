"""Resource servers: a pool's custom OAuth 2.0 scopes, `{Identifier}/{ScopeName}`, that app
clients may be allowed (AllowedOAuthScopes) and the client-credentials grant issues.

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-define-resource-servers.html
https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_CreateResourceServer.html
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lamina.aws.paging import offset_page
from lamina.aws.service import Operation, OperationInput, OperationOutput, ServiceError
from lamina.services.cognito_idp import tokens
from lamina.services.cognito_idp.model import Client, Pool, ResourceServer

if TYPE_CHECKING:
    from lamina.services.cognito_idp.provider import CognitoIdpProvider

STANDARD_SCOPES = frozenset(
    {"openid", "email", "phone", "profile", "aws.cognito.signin.user.admin"}
)
"""The scopes every pool has; any other AllowedOAuthScopes entry names a resource server's.
https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-define-resource-servers.html
"""


def custom_scopes(idp: CognitoIdpProvider, pool: Pool) -> set[str]:
    """Every `{identifier}/{scope}` of the pool's resource servers."""
    return {
        f"{server.identifier}/{scope['ScopeName']}"
        for server in idp.store.all(ResourceServer, pool.id)
        for scope in server.scopes
    }


def resource_server_type(server: ResourceServer) -> dict[str, Any]:
    return {
        "UserPoolId": server.pool_id,
        "Identifier": server.identifier,
        "Name": server.name,
        "Scopes": [dict(scope) for scope in server.scopes],
    }


def _scopes(given: object) -> list[dict[str, str]]:
    scopes: list[dict[str, str]] = []
    names: set[str] = set()
    for scope in given if isinstance(given, list) else []:
        name = str(scope.get("ScopeName", ""))
        if name in names:
            # [choice] wording: Cognito refuses repeated scope names with this exception.
            raise ServiceError("InvalidParameterException", f"Duplicate scope name: {name}")
        names.add(name)
        scopes.append(
            {"ScopeName": name, "ScopeDescription": str(scope.get("ScopeDescription", ""))}
        )
    return scopes


def put_resource_server(
    idp: CognitoIdpProvider, params: Mapping[str, Any], *, create: bool
) -> ResourceServer:
    """CreateResourceServer (create) / UpdateResourceServer, also a template's
    AWS::Cognito::UserPoolResourceServer. Update replaces the name and the whole scope list.
    https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_UpdateResourceServer.html
    """
    pool = idp.pool(str(params["UserPoolId"]))
    identifier = str(params["Identifier"])
    existing = idp.store.get(ResourceServer, pool.id, identifier)
    if create and existing is not None:
        # [choice] wording; Cognito answers InvalidParameterException for a taken identifier.
        raise ServiceError(
            "InvalidParameterException", f"{identifier} already exists in pool {pool.id}."
        )
    if not create and existing is None:
        raise _not_found(identifier, pool)
    server = ResourceServer(
        pool_id=pool.id,
        identifier=identifier,
        name=str(params["Name"]),
        scopes=_scopes(params.get("Scopes")),
    )
    idp.store.put(pool.id, identifier, server)
    return server


def _not_found(identifier: str, pool: Pool) -> ServiceError:
    # [choice] wording for an unknown identifier.
    return ServiceError(
        "ResourceNotFoundException", f"Resource server {identifier} does not exist in {pool.id}."
    )


def _server(idp: CognitoIdpProvider, params: OperationInput) -> tuple[Pool, ResourceServer]:
    pool = idp.pool(params["UserPoolId"])
    found = idp.store.get(ResourceServer, pool.id, params["Identifier"])
    if found is None:
        raise _not_found(params["Identifier"], pool)
    return pool, found


async def _create(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    return {"ResourceServer": resource_server_type(put_resource_server(idp, params, create=True))}


async def _update(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    server = put_resource_server(idp, params, create=False)
    return {"ResourceServer": resource_server_type(server)}


async def _describe(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    _, server = _server(idp, params)
    return {"ResourceServer": resource_server_type(server)}


async def _delete(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    pool, server = _server(idp, params)
    idp.store.delete(ResourceServer, pool.id, server.identifier)
    return {}


async def _list(idp: CognitoIdpProvider, params: OperationInput) -> OperationOutput:
    # MaxResults 1-50.
    # https://docs.aws.amazon.com/cognito-user-identity-pools/latest/APIReference/API_ListResourceServers.html
    pool = idp.pool(params["UserPoolId"])
    servers = idp.store.all(ResourceServer, pool.id)
    page, token = offset_page(servers, params.get("NextToken"), int(params.get("MaxResults") or 50))
    output: dict[str, Any] = {"ResourceServers": [resource_server_type(s) for s in page]}
    if token is not None:
        output["NextToken"] = token
    return output


class GrantRefused(Exception):
    """The client-credentials grant refused: `error` is the OAuth 2.0 error code."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def client_credentials(
    idp: CognitoIdpProvider, pool: Pool, client: Client, requested: list[str] | None
) -> dict[str, Any]:
    """An access token for the app client itself (machine to machine): the client must
    allow the `client_credentials` flow (a secret is required to allow it); only custom
    scopes of the pool's resource servers are granted, the ones asked for (each among the
    client's AllowedOAuthScopes, else `invalid_scope`) or, none asked for, all of the
    client's custom scopes. No ID or refresh token.
    https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
    https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-define-resource-servers.html
    The claims: `sub` and `client_id` the client's id, `token_use` access, `scope`,
    `auth_time`, `iss`, `exp`, `iat`, `version` 2, `jti`.
    https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
    """
    if "client_credentials" not in client.allowed_oauth_flows or client.secret is None:
        raise GrantRefused("unauthorized_client")
    existing = custom_scopes(idp, pool)
    allowed = [scope for scope in client.allowed_oauth_scopes if scope in existing]
    if requested is None:
        granted = allowed
    elif any(scope not in allowed for scope in requested):
        raise GrantRefused("invalid_scope")
    else:
        granted = list(dict.fromkeys(requested))
    if not granted:
        raise GrantRefused("invalid_scope")
    now = int(idp.now())
    claims = {
        "sub": client.id,
        "token_use": "access",
        "scope": " ".join(granted),
        "auth_time": now,
        "iss": tokens.issuer(idp.base_url, pool),
        "exp": now + client.access_token_minutes * 60,
        "iat": now,
        "version": 2,
        "jti": str(uuid.uuid4()),
        "client_id": client.id,
    }
    return {
        "access_token": idp.signing_key(pool).sign(claims),
        "expires_in": client.access_token_minutes * 60,
        "token_type": "Bearer",
    }


OPERATIONS: dict[str, Operation[CognitoIdpProvider]] = {
    "CreateResourceServer": _create,
    "DescribeResourceServer": _describe,
    "UpdateResourceServer": _update,
    "DeleteResourceServer": _delete,
    "ListResourceServers": _list,
}
