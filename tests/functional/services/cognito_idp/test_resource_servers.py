"""Resource servers (custom scopes) through boto3, and the client-credentials grant at
/oauth2/token issuing access tokens with `{resource server}/{scope}` scopes.

https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-define-resource-servers.html
https://docs.aws.amazon.com/cognito/latest/developerguide/token-endpoint.html
"""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from botocore.exceptions import ClientError

from lamina.config.load import load_application
from tests.clients import aws_client
from tests.conftest import FIXTURES, LaminaProcess

from .conftest import HostedServer

SCOPES = [
    {"ScopeName": "read", "ScopeDescription": "Read orders"},
    {"ScopeName": "write", "ScopeDescription": "Write orders"},
]


def _error(error: pytest.ExceptionInfo[ClientError]) -> tuple[str, str]:
    return error.value.response["Error"]["Code"], error.value.response["Error"]["Message"]


def _pool(admin: Any) -> str:
    return str(admin.create_user_pool(PoolName="api")["UserPool"]["Id"])


def test_resource_server_operations(hosted: HostedServer) -> None:
    admin = hosted.admin()
    pool_id = _pool(admin)
    created = admin.create_resource_server(
        UserPoolId=pool_id, Identifier="orders", Name="Orders", Scopes=SCOPES
    )["ResourceServer"]
    assert created == {
        "UserPoolId": pool_id,
        "Identifier": "orders",
        "Name": "Orders",
        "Scopes": SCOPES,
    }
    with pytest.raises(ClientError) as error:
        admin.create_resource_server(UserPoolId=pool_id, Identifier="orders", Name="Again")
    assert _error(error)[0] == "InvalidParameterException"
    for index in range(3):
        admin.create_resource_server(
            UserPoolId=pool_id, Identifier=f"https://api{index}.example.com", Name=f"api{index}"
        )
    described = admin.describe_resource_server(UserPoolId=pool_id, Identifier="orders")
    assert described["ResourceServer"]["Scopes"] == SCOPES
    updated = admin.update_resource_server(
        UserPoolId=pool_id,
        Identifier="orders",
        Name="Orders v2",
        Scopes=[{"ScopeName": "admin", "ScopeDescription": "Everything"}],
    )["ResourceServer"]
    assert updated["Name"] == "Orders v2"
    assert [s["ScopeName"] for s in updated["Scopes"]] == ["admin"]
    first = admin.list_resource_servers(UserPoolId=pool_id, MaxResults=3)
    assert len(first["ResourceServers"]) == 3
    rest = admin.list_resource_servers(
        UserPoolId=pool_id, MaxResults=3, NextToken=first["NextToken"]
    )
    assert len(rest["ResourceServers"]) == 1 and "NextToken" not in rest
    admin.delete_resource_server(UserPoolId=pool_id, Identifier="orders")
    for call in (
        lambda: admin.describe_resource_server(UserPoolId=pool_id, Identifier="orders"),
        lambda: admin.delete_resource_server(UserPoolId=pool_id, Identifier="orders"),
        lambda: admin.update_resource_server(UserPoolId=pool_id, Identifier="orders", Name="x"),
    ):
        with pytest.raises(ClientError) as error:
            call()
        assert _error(error)[0] == "ResourceNotFoundException"
    with pytest.raises(ClientError) as error:
        admin.list_resource_servers(UserPoolId="us-east-1_missing00", MaxResults=5)
    assert _error(error)[0] == "ResourceNotFoundException"


def _m2m(hosted: HostedServer, **options: Any) -> tuple[str, str, str]:
    admin = hosted.admin()
    pool_id = _pool(admin)
    admin.create_resource_server(
        UserPoolId=pool_id, Identifier="orders", Name="Orders", Scopes=SCOPES
    )
    client = admin.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="worker",
        GenerateSecret=True,
        AllowedOAuthFlows=["client_credentials"],
        AllowedOAuthFlowsUserPoolClient=True,
        AllowedOAuthScopes=["orders/read", "orders/write"],
        **options,
    )["UserPoolClient"]
    return pool_id, client["ClientId"], client["ClientSecret"]


def _token(hosted: HostedServer, pool_id: str, client_id: str, secret: str, **form: str) -> Any:
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return httpx.post(
        f"{hosted.url}/{pool_id}/oauth2/token",
        data={"grant_type": "client_credentials", **form},
        headers={"authorization": f"Basic {basic}"},
        timeout=10,
    )


def test_client_credentials_grant(hosted: HostedServer) -> None:
    pool_id, client_id, secret = _m2m(hosted)
    answer = _token(hosted, pool_id, client_id, secret)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert set(body) == {"access_token", "expires_in", "token_type"}
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    keys = jwt.PyJWKClient(f"{hosted.url}/{pool_id}/.well-known/jwks.json")
    key = keys.get_signing_key_from_jwt(body["access_token"])
    claims = jwt.decode(body["access_token"], key.key, algorithms=["RS256"])
    # No `scope` asked: every custom scope the client is allowed.
    assert claims["scope"] == "orders/read orders/write"
    assert claims["sub"] == client_id and claims["client_id"] == client_id
    assert claims["token_use"] == "access" and claims["version"] == 2
    assert claims["iss"] == f"{hosted.url}/{pool_id}"
    assert "username" not in claims
    narrowed = _token(hosted, pool_id, client_id, secret, scope="orders/read").json()
    assert jwt.decode(narrowed["access_token"], options={"verify_signature": False})["scope"] == (
        "orders/read"
    )
    # A user API call with the machine's token is refused: there is no user.
    with pytest.raises(ClientError) as error:
        hosted.public().get_user(AccessToken=body["access_token"])
    assert _error(error)[0] == "NotAuthorizedException"


def test_client_credentials_refusals(hosted: HostedServer) -> None:
    pool_id, client_id, secret = _m2m(hosted)
    bad_scope = _token(hosted, pool_id, client_id, secret, scope="orders/delete")
    assert (bad_scope.status_code, bad_scope.json()) == (400, {"error": "invalid_scope"})
    wrong_secret = _token(hosted, pool_id, client_id, "nope")
    assert (wrong_secret.status_code, wrong_secret.json()) == (400, {"error": "invalid_client"})
    admin = hosted.admin()
    code_client = admin.create_user_pool_client(
        UserPoolId=pool_id,
        ClientName="web",
        GenerateSecret=True,
        AllowedOAuthFlows=["code"],
        AllowedOAuthScopes=["openid", "orders/read"],
        CallbackURLs=["https://app.example.com/cb"],
    )["UserPoolClient"]
    refused = _token(hosted, pool_id, code_client["ClientId"], code_client["ClientSecret"])
    assert (refused.status_code, refused.json()) == (400, {"error": "unauthorized_client"})
    # The scope's resource server is gone: the grant has nothing to give.
    admin.delete_resource_server(UserPoolId=pool_id, Identifier="orders")
    gone = _token(hosted, pool_id, client_id, secret)
    assert (gone.status_code, gone.json()) == (400, {"error": "invalid_scope"})


TEMPLATE_M2M = """
  Orders:
    Type: AWS::Cognito::UserPoolResourceServer
    Properties:
      UserPoolId: !Ref UserPool
      Identifier: orders
      Name: Orders
      Scopes:
        - ScopeName: read
          ScopeDescription: Read orders
  Worker:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref UserPool
      ClientName: worker
      GenerateSecret: true
      AllowedOAuthFlowsUserPoolClient: true
      AllowedOAuthFlows: [client_credentials]
      AllowedOAuthScopes: [!Sub "${Orders}/read"]
"""


@pytest.mark.slow
def test_a_template_declares_the_resource_server(tmp_path: Path) -> None:
    """AWS::Cognito::UserPoolResourceServer (Ref: the Identifier) exists before the clients
    naming its scopes, and the client-credentials grant works at `lamina up`.
    https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cognito-userpoolresourceserver.html
    """
    template = (FIXTURES / "apps" / "hosted" / "template.yaml").read_text()
    (tmp_path / "template.yaml").write_text(template + TEMPLATE_M2M)
    app = load_application(tmp_path)
    ids = {r.logical_id: r.physical_id for r in app.service_resources}
    assert ids["Orders"] == "orders"
    lamina = LaminaProcess(tmp_path)
    try:
        admin = aws_client(lamina.base, "cognito-idp")
        pool_id = ids["UserPool"]
        server = admin.describe_resource_server(UserPoolId=pool_id, Identifier="orders")
        assert server["ResourceServer"]["Scopes"] == [
            {"ScopeName": "read", "ScopeDescription": "Read orders"}
        ]
        client = admin.describe_user_pool_client(UserPoolId=pool_id, ClientId=ids["Worker"])
        secret = client["UserPoolClient"]["ClientSecret"]
        answer = httpx.post(
            f"{lamina.base}/{pool_id}/oauth2/token",
            data={
                "grant_type": "client_credentials",
                "client_id": ids["Worker"],
                "client_secret": secret,
            },
            timeout=10,
        )
        assert answer.status_code == 200, answer.text
        claims = jwt.decode(answer.json()["access_token"], options={"verify_signature": False})
        assert claims["scope"] == "orders/read"
    finally:
        lamina.stop()


TEMPLATE_API = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  UserPool:
    Type: AWS::Cognito::UserPool
    Properties:
      UserPoolName: machines
  Orders:
    Type: AWS::Cognito::UserPoolResourceServer
    Properties:
      UserPoolId: !Ref UserPool
      Identifier: orders
      Name: Orders
      Scopes:
        - {ScopeName: read, ScopeDescription: Read orders}
        - {ScopeName: write, ScopeDescription: Write orders}
  Worker:
    Type: AWS::Cognito::UserPoolClient
    Properties:
      UserPoolId: !Ref UserPool
      GenerateSecret: true
      AllowedOAuthFlowsUserPoolClient: true
      AllowedOAuthFlows: [client_credentials]
      AllowedOAuthScopes: [orders/read, orders/write]
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      Auth:
        Authorizers:
          Pool:
            UserPoolArn: !GetAtt UserPool.Arn
  ListOrders:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      CodeUri: src/
      Events:
        Get:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /orders
            Method: get
            Auth:
              Authorizer: Pool
              AuthorizationScopes: [orders/read]
"""

HANDLER = """import json


def handler(event, context):
    claims = event["requestContext"]["authorizer"]["claims"]
    return {"statusCode": 200, "body": json.dumps({"client": claims["client_id"]})}
"""


@pytest.mark.slow
def test_a_machine_token_passes_a_cognito_authorizer_with_scopes(tmp_path: Path) -> None:
    """Machine to machine end to end: a REST API method with a Cognito authorizer and
    AuthorizationScopes accepts the client-credentials access token carrying the scope.
    https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-user-pools-define-resource-servers.html
    """
    (tmp_path / "template.yaml").write_text(TEMPLATE_API)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(HANDLER)
    app = load_application(tmp_path)
    ids = {r.logical_id: r.physical_id for r in app.service_resources}
    lamina = LaminaProcess(tmp_path)
    try:
        admin = aws_client(lamina.base, "cognito-idp")
        pool_id, client_id = ids["UserPool"], ids["Worker"]
        secret = admin.describe_user_pool_client(UserPoolId=pool_id, ClientId=client_id)[
            "UserPoolClient"
        ]["ClientSecret"]

        def token(scope: str) -> str:
            answer = httpx.post(
                f"{lamina.base}/{pool_id}/oauth2/token",
                data={"grant_type": "client_credentials", "scope": scope},
                auth=(client_id, secret),
                timeout=10,
            )
            assert answer.status_code == 200, answer.text
            return str(answer.json()["access_token"])

        url = f"{lamina.base}/Prod/orders"
        assert httpx.get(url, timeout=10).status_code == 401
        allowed = httpx.get(url, headers={"authorization": token("orders/read")}, timeout=30)
        assert allowed.status_code == 200, allowed.text
        assert allowed.json() == {"client": client_id}
        # A token without the method's scope is refused.
        refused = httpx.get(url, headers={"authorization": token("orders/write")}, timeout=10)
        assert refused.status_code == 401
    finally:
        lamina.stop()


def test_a_user_sign_in_can_carry_custom_scopes(hosted: HostedServer) -> None:
    """The code flow grants a custom scope the client is allowed. Adding the scope uses
    UpdateUserPoolClient as AWS advises: the existing configuration, changed, passed whole."""
    from .test_hosted import App, _callback, _redeem, _sign_in

    app = App(hosted)
    admin = hosted.admin()
    admin.create_resource_server(
        UserPoolId=app.pool_id, Identifier="orders", Name="Orders", Scopes=SCOPES
    )
    current = admin.describe_user_pool_client(UserPoolId=app.pool_id, ClientId=app.client_id)[
        "UserPoolClient"
    ]
    settings = {
        key: current[key]
        for key in (
            "AllowedOAuthFlowsUserPoolClient",
            "AllowedOAuthFlows",
            "CallbackURLs",
            "LogoutURLs",
            "SupportedIdentityProviders",
        )
    }
    admin.update_user_pool_client(
        UserPoolId=app.pool_id,
        ClientId=app.client_id,
        AllowedOAuthScopes=[*current["AllowedOAuthScopes"], "orders/read"],
        **settings,
    )
    with httpx.Client(follow_redirects=False, timeout=10) as browser:
        answer = _sign_in(browser, app, app.authorize_url(scope="openid orders/read"))
    code = _callback(answer)["code"]
    tokens = _redeem(app, code, None).json()
    claims = jwt.decode(tokens["access_token"], options={"verify_signature": False})
    assert claims["scope"].split() == ["openid", "orders/read"]
    assert claims["username"] == "ada"
