"""Authorizers from every place a template declares them: SAM Auth, OpenAPI bodies and
AWS::ApiGateway(V2)::Authorizer resources."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.config.model import Application
from lamina.gateway.model import Authorizer, HttpApi, Method, RestApi, Route

FUNCTIONS = """
  AuthFn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/r
      Code: {ZipFile: "def handler(e, c): pass"}
  AppFn:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      Role: arn:aws:iam::123456789012:role/r
      Code: {ZipFile: "def handler(e, c): pass"}
"""

SAM_FUNCTIONS = """
  AuthFn:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: index.handler, InlineCode: "x = 1"}
"""

URI = (
    "!Sub arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/"
    "${AuthFn.Arn}/invocations"
)


def load(tmp_path: Path, text: str) -> Application:
    (tmp_path / "template.yaml").write_text(text)
    return load_application(tmp_path, stack_name="auth")


def only_rest(app: Application) -> RestApi:
    assert len(app.rest_apis) == 1
    return app.rest_apis[0]


def only_http(app: Application) -> HttpApi:
    assert len(app.http_apis) == 1
    return app.http_apis[0]


def by_name(api: RestApi | HttpApi) -> dict[str, Authorizer]:
    return {authorizer.name: authorizer for authorizer in api.authorizers}


def method(api: RestApi, path: str, verb: str = "GET") -> Method:
    return next(r for r in api.resources if r.path == path).methods[verb]


def route(api: HttpApi, key: str) -> Route:
    return next(r for r in api.routes if r.route_key == key)


SAM_REST = (
    """
Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Auth:
        DefaultAuthorizer: TokenAuth
        Authorizers:
          TokenAuth:
            FunctionArn: !GetAtt AuthFn.Arn
            Identity:
              Header: X-Token
              ValidationExpression: "^Bearer .+$"
              ReauthorizeEvery: 60
          ReqAuth:
            FunctionPayloadType: REQUEST
            FunctionArn: !GetAtt AuthFn.Arn
            Identity:
              Headers: [X-A]
              QueryStrings: [q]
              StageVariables: [sv]
              Context: [sourceIp]
              ReauthorizeEvery: 0
          MyCognito:
            UserPoolArn: arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc
  AppFn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "x = 1"
      Events:
        Tok: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /tok, Method: get}}
        Req:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /req, Method: get, Auth: {Authorizer: ReqAuth}}
        Cog:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /cog
            Method: get
            Auth: {Authorizer: MyCognito, AuthorizationScopes: [s1]}
        Open:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /open, Method: get, Auth: {Authorizer: NONE}}
"""
    + SAM_FUNCTIONS
)


def test_sam_api_token_authorizer_reads_the_identity_header(tmp_path: Path) -> None:
    api = only_rest(load(tmp_path, SAM_REST))
    token = by_name(api)["TokenAuth"]
    assert token.type == "TOKEN"
    assert token.function_name == "AuthFn"
    assert token.identity_sources == ("method.request.header.X-Token",)
    assert token.identity_validation_expression == "^Bearer .+$"
    assert token.result_ttl_seconds == 60
    assert method(api, "/tok").authorization_type == "CUSTOM"
    assert method(api, "/tok").authorizer_id == token.id


def test_sam_api_request_authorizer_lists_every_identity_source(tmp_path: Path) -> None:
    api = only_rest(load(tmp_path, SAM_REST))
    request = by_name(api)["ReqAuth"]
    assert request.type == "REQUEST"
    assert request.identity_sources == (
        "method.request.header.X-A",
        "method.request.querystring.q",
        "stageVariables.sv",
        "context.sourceIp",
    )
    assert request.result_ttl_seconds == 0
    assert method(api, "/req").authorizer_id == request.id


def test_sam_api_cognito_authorizer_carries_pool_and_method_scopes(tmp_path: Path) -> None:
    api = only_rest(load(tmp_path, SAM_REST))
    cognito = by_name(api)["MyCognito"]
    assert cognito.type == "COGNITO_USER_POOLS"
    assert cognito.provider_arns == (
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc",
    )
    assert cognito.identity_sources == ("method.request.header.Authorization",)
    assert cognito.function_name is None
    cog = method(api, "/cog")
    assert (cog.authorization_type, cog.authorizer_id) == ("COGNITO_USER_POOLS", cognito.id)
    assert cog.authorization_scopes == ("s1",)


def test_sam_api_authorizer_none_opens_the_method(tmp_path: Path) -> None:
    open_method = method(only_rest(load(tmp_path, SAM_REST)), "/open")
    assert (open_method.authorization_type, open_method.authorizer_id) == ("NONE", None)
    assert not open_method.api_key_required


def test_authorizer_ids_are_stable_and_distinct(tmp_path: Path) -> None:
    first = [a.id for a in only_rest(load(tmp_path, SAM_REST)).authorizers]
    again = [a.id for a in only_rest(load(tmp_path, SAM_REST)).authorizers]
    assert first == again
    assert len(set(first)) == 3
    assert all(len(value) == 6 and value.isalnum() and value.islower() for value in first)


SAM_HTTP = (
    """
Transform: AWS::Serverless-2016-10-31
Resources:
  HApi:
    Type: AWS::Serverless::HttpApi
    Properties:
      Auth:
        DefaultAuthorizer: LAuth
        Authorizers:
          LAuth:
            FunctionArn: !GetAtt AuthFn.Arn
            AuthorizerPayloadFormatVersion: "2.0"
            EnableSimpleResponses: true
            Identity: {Headers: [Authorization], QueryStrings: [k], ReauthorizeEvery: 30}
          PolicyAuth:
            FunctionArn: !GetAtt AuthFn.Arn
            AuthorizerPayloadFormatVersion: "1.0"
          OAuth:
            JwtConfiguration: {issuer: "https://issuer.example", audience: [aud1, aud2]}
            IdentitySource: $request.header.Authorization
  AppFn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: index.handler
      InlineCode: "x = 1"
      Events:
        H1: {Type: HttpApi, Properties: {ApiId: !Ref HApi, Path: /h, Method: get}}
        H2:
          Type: HttpApi
          Properties:
            ApiId: !Ref HApi
            Path: /j
            Method: get
            Auth: {Authorizer: OAuth, AuthorizationScopes: [read]}
        H3:
          Type: HttpApi
          Properties: {ApiId: !Ref HApi, Path: /p, Method: get, Auth: {Authorizer: PolicyAuth}}
        H4:
          Type: HttpApi
          Properties: {ApiId: !Ref HApi, Path: /n, Method: get, Auth: {Authorizer: NONE}}
"""
    + SAM_FUNCTIONS
)


def test_sam_http_lambda_authorizer_payload_and_simple_responses(tmp_path: Path) -> None:
    api = only_http(load(tmp_path, SAM_HTTP))
    lambda_auth = by_name(api)["LAuth"]
    assert lambda_auth.type == "REQUEST"
    assert lambda_auth.payload_format == "2.0"
    assert lambda_auth.simple_responses is True
    assert lambda_auth.identity_sources == (
        "$request.header.Authorization",
        "$request.querystring.k",
    )
    assert lambda_auth.result_ttl_seconds == 30
    h = route(api, "GET /h")
    assert (h.authorization_type, h.authorizer_id) == ("CUSTOM", lambda_auth.id)


def test_sam_http_policy_authorizer_without_identity_caches_nothing(tmp_path: Path) -> None:
    api = only_http(load(tmp_path, SAM_HTTP))
    policy = by_name(api)["PolicyAuth"]
    assert (policy.payload_format, policy.simple_responses) == ("1.0", False)
    assert policy.identity_sources == ()
    assert policy.result_ttl_seconds == 300  # the default; with no identity, never used
    assert route(api, "GET /p").authorizer_id == policy.id


def test_sam_http_oauth2_authorizer_is_jwt_with_route_scopes(tmp_path: Path) -> None:
    api = only_http(load(tmp_path, SAM_HTTP))
    jwt = by_name(api)["OAuth"]
    assert jwt.type == "JWT"
    assert jwt.issuer == "https://issuer.example"
    assert jwt.audience == ("aud1", "aud2")
    assert jwt.identity_sources == ("$request.header.Authorization",)
    j = route(api, "GET /j")
    assert (j.authorization_type, j.authorizer_id, j.authorization_scopes) == (
        "JWT",
        jwt.id,
        ("read",),
    )
    assert route(api, "GET /n").authorization_type == "NONE"


CFN_REST = (
    """
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: cfn}
  Things:
    Type: AWS::ApiGateway::Resource
    Properties: {RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: things}
  Token:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Name: tok
      Type: TOKEN
      AuthorizerUri: """
    + URI
    + """
      IdentitySource: method.request.header.Authorization
      IdentityValidationExpression: "^x"
      AuthorizerResultTtlInSeconds: 10
  Pool:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Name: pool
      Type: COGNITO_USER_POOLS
      IdentitySource: method.request.header.Auth
      ProviderARNs: [arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_x]
  GetThings:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Things
      HttpMethod: GET
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref Token
      Integration: {Type: MOCK}
  PostThings:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Things
      HttpMethod: POST
      AuthorizationType: COGNITO_USER_POOLS
      AuthorizerId: !GetAtt Pool.AuthorizerId
      AuthorizationScopes: [email, openid]
      Integration: {Type: MOCK}
"""
    + FUNCTIONS
)


def test_cfn_rest_authorizer_resources_and_methods(tmp_path: Path) -> None:
    app = load(tmp_path, CFN_REST)
    api = only_rest(app)
    found = by_name(api)
    token, pool = found["tok"], found["pool"]
    assert token == Authorizer(
        id=token.id,
        name="tok",
        type="TOKEN",
        function_name="AuthFn",
        identity_sources=("method.request.header.Authorization",),
        identity_validation_expression="^x",
        result_ttl_seconds=10,
    )
    assert pool.provider_arns == (
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_x",
    )
    assert pool.result_ttl_seconds == 300
    get = method(api, "/things")
    assert (get.authorization_type, get.authorizer_id) == ("CUSTOM", token.id)
    post = method(api, "/things", "POST")
    assert (post.authorization_type, post.authorizer_id) == ("COGNITO_USER_POOLS", pool.id)
    assert post.authorization_scopes == ("email", "openid")
    assert not any("Authorizer" in warning for warning in app.warnings)


def test_cfn_method_authorizer_id_of_another_api_is_an_error(tmp_path: Path) -> None:
    text = CFN_REST.replace("AuthorizerId: !Ref Token", "AuthorizerId: abc123")
    with pytest.raises(ConfigError, match="AuthorizerId 'abc123' names no authorizer"):
        load(tmp_path, text)


def test_authorizer_ttl_over_an_hour_is_an_error(tmp_path: Path) -> None:
    text = CFN_REST.replace(
        "AuthorizerResultTtlInSeconds: 10", "AuthorizerResultTtlInSeconds: 3601"
    )
    with pytest.raises(ConfigError, match="between 0 and 3600"):
        load(tmp_path, text)


CFN_HTTP = (
    """
Resources:
  HApi:
    Type: AWS::ApiGatewayV2::Api
    Properties: {Name: h, ProtocolType: HTTP}
  Lam:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref HApi
      Name: lam
      AuthorizerType: REQUEST
      AuthorizerUri: """
    + URI
    + """
      IdentitySource: [$request.header.Authorization, $context.routeKey]
      AuthorizerPayloadFormatVersion: "2.0"
      EnableSimpleResponses: true
      AuthorizerResultTtlInSeconds: 100
  Jwt:
    Type: AWS::ApiGatewayV2::Authorizer
    Properties:
      ApiId: !Ref HApi
      Name: jwt
      AuthorizerType: JWT
      IdentitySource: [$request.header.Authorization]
      JwtConfiguration: {Issuer: "https://i.example", Audience: [a1]}
  RouteA:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref HApi
      RouteKey: GET /a
      AuthorizationType: CUSTOM
      AuthorizerId: !Ref Lam
  RouteB:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref HApi
      RouteKey: GET /b
      AuthorizationType: JWT
      AuthorizerId: !Ref Jwt
      AuthorizationScopes: [read]
  RouteC:
    Type: AWS::ApiGatewayV2::Route
    Properties: {ApiId: !Ref HApi, RouteKey: GET /c, AuthorizationType: AWS_IAM}
"""
    + FUNCTIONS
)


def test_cfn_http_authorizer_resources_and_routes(tmp_path: Path) -> None:
    api = only_http(load(tmp_path, CFN_HTTP))
    found = by_name(api)
    lam, jwt = found["lam"], found["jwt"]
    assert lam.identity_sources == ("$request.header.Authorization", "$context.routeKey")
    assert (lam.payload_format, lam.simple_responses, lam.result_ttl_seconds) == ("2.0", True, 100)
    assert (jwt.issuer, jwt.audience) == ("https://i.example", ("a1",))
    assert route(api, "GET /a").authorizer_id == lam.id
    b = route(api, "GET /b")
    assert (b.authorization_type, b.authorizer_id, b.authorization_scopes) == (
        "JWT",
        jwt.id,
        ("read",),
    )
    c = route(api, "GET /c")
    assert (c.authorization_type, c.authorizer_id) == ("AWS_IAM", None)


def test_cfn_http_simple_responses_need_payload_2(tmp_path: Path) -> None:
    text = CFN_HTTP.replace(
        'AuthorizerPayloadFormatVersion: "2.0"', 'AuthorizerPayloadFormatVersion: "1.0"'
    )
    with pytest.raises(ConfigError, match="enableSimpleResponses needs"):
        load(tmp_path, text)


BODY_REST = (
    """
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Body:
        swagger: "2.0"
        info: {title: body}
        securityDefinitions:
          req:
            type: apiKey
            name: Unused
            in: header
            x-amazon-apigateway-authtype: custom
            x-amazon-apigateway-authorizer:
              type: request
              authorizerUri: """
    + URI
    + """
              identitySource: "method.request.header.A, method.request.querystring.b"
              authorizerResultTtlInSeconds: 0
          sigv4:
            type: apiKey
            name: Authorization
            in: header
            x-amazon-apigateway-authtype: awsSigv4
          key: {type: apiKey, name: x-api-key, in: header}
        security: [{req: []}]
        paths:
          /default: {get: {}}
          /iam: {get: {security: [{sigv4: []}]}}
          /keyed: {get: {security: [{key: []}]}}
"""
    + FUNCTIONS
)


def test_openapi_body_root_security_applies_to_every_operation(tmp_path: Path) -> None:
    api = only_rest(load(tmp_path, BODY_REST))
    req = by_name(api)["req"]
    assert req.identity_sources == ("method.request.header.A", "method.request.querystring.b")
    assert req.result_ttl_seconds == 0
    default = method(api, "/default")
    assert (default.authorization_type, default.authorizer_id) == ("CUSTOM", req.id)
    assert method(api, "/iam").authorization_type == "AWS_IAM"
    keyed = method(api, "/keyed")
    assert (keyed.authorization_type, keyed.api_key_required) == ("NONE", True)


def test_openapi_unknown_authorizer_type_names_the_scheme(tmp_path: Path) -> None:
    text = BODY_REST.replace("type: request\n", "type: magic\n")
    with pytest.raises(ConfigError, match="security scheme req: authorizer type 'magic'"):
        load(tmp_path, text)


def test_openapi_authorizer_naming_a_foreign_function_is_an_error(tmp_path: Path) -> None:
    text = BODY_REST.replace("${AuthFn.Arn}", "arn:aws:lambda:us-east-1:1:function:Elsewhere")
    with pytest.raises(ConfigError, match="names no function"):
        load(tmp_path, text)


def test_token_authorizer_must_read_a_header(tmp_path: Path) -> None:
    text = CFN_REST.replace(
        "IdentitySource: method.request.header.Authorization",
        "IdentitySource: method.request.querystring.token",
    )
    with pytest.raises(ConfigError, match=r"exactly one method\.request\.header"):
        load(tmp_path, text)


def test_invalid_validation_expression_is_a_template_error(tmp_path: Path) -> None:
    text = CFN_REST.replace(
        'IdentityValidationExpression: "^x"', 'IdentityValidationExpression: "(x"'
    )
    with pytest.raises(ConfigError, match="identityValidationExpression is no regex"):
        load(tmp_path, text)


OIDC_HTTP = """
Resources:
  HApi:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      ProtocolType: HTTP
      Body:
        openapi: "3.0.1"
        info: {title: oidc}
        components:
          securitySchemes:
            oidc:
              type: openIdConnect
              openIdConnectUrl: https://id.example/pool/.well-known/openid-configuration
              x-amazon-apigateway-authorizer:
                type: jwt
                jwtConfiguration: {audience: [client1]}
                identitySource: "$request.header.Authorization"
        paths:
          /me: {get: {security: [{oidc: [profile]}]}}
"""


def test_openid_connect_scheme_takes_its_issuer_from_the_discovery_url(tmp_path: Path) -> None:
    api = only_http(load(tmp_path, OIDC_HTTP))
    jwt = by_name(api)["oidc"]
    assert (jwt.type, jwt.issuer, jwt.audience) == ("JWT", "https://id.example/pool", ("client1",))
    me = route(api, "GET /me")
    assert (me.authorization_type, me.authorizer_id, me.authorization_scopes) == (
        "JWT",
        jwt.id,
        ("profile",),
    )


def test_authorizer_credentials_are_read_from_body_and_resources(tmp_path: Path) -> None:
    role = "arn:aws:iam::123456789012:role/invoker"
    ttl = "              authorizerResultTtlInSeconds: 0\n"
    body = BODY_REST.replace(ttl, f"{ttl}              authorizerCredentials: {role}\n")
    assert by_name(only_rest(load(tmp_path, body)))["req"].credentials == role
    cfn = CFN_HTTP.replace(
        "      AuthorizerResultTtlInSeconds: 100\n",
        f"      AuthorizerResultTtlInSeconds: 100\n      AuthorizerCredentialsArn: {role}\n",
    )
    assert by_name(only_http(load(tmp_path, cfn)))["lam"].credentials == role
    assert by_name(only_http(load(tmp_path, CFN_HTTP)))["lam"].credentials is None
