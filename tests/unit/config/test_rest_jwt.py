"""REST API JWT authorizers from templates: AWS::ApiGateway::Authorizer with Type JWT and
its JwtConfiguration, read into issuers, audiences, claim rules and algorithms; what the
API reference refuses is refused at load.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-apigateway-authorizer-jwtconfiguration.html
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.config.apigateway_compile import compile_rest_api
from lamina.config.apigateway_render import render_definition
from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.gateway.model import JwtClaimRule, JwtIssuer

TEMPLATE = """
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {{Name: orders}}
  Jwt:
    Type: AWS::ApiGateway::Authorizer
    Properties:
      RestApiId: !Ref Api
      Name: partners
      Type: JWT
{properties}
  Orders:
    Type: AWS::ApiGateway::Resource
    Properties: {{RestApiId: !Ref Api, ParentId: !GetAtt Api.RootResourceId, PathPart: orders}}
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !Ref Orders
      HttpMethod: GET
      AuthorizationType: JWT
      AuthorizerId: !Ref Jwt
      AuthorizationScopes: [orders:read]
      Integration: {{Type: MOCK}}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Get
    Properties: {{RestApiId: !Ref Api, StageName: prod}}
"""

GOOD = """\
      IdentitySource: method.request.header.Authorization
      JwtConfiguration:
        Issuers:
          - Issuer: https://idp.example.com/
            Audiences: [api://orders, api://admin]
            AdditionalClaims:
              - {ClaimName: tenant, Format: SINGLE_STRING, Required: true, ExpectedValues: [acme]}
              - {ClaimName: team, Format: SINGLE_STRING}
          - Issuer: https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool1
            Audiences: [client123]
        DefaultAlgorithms: [RS256, ES384]
"""


def _load(tmp_path: Path, properties: str) -> object:
    (tmp_path / "template.yaml").write_text(TEMPLATE.format(properties=properties))
    return load_application(tmp_path, stack_name="jwt")


def test_rest_jwt_authorizer_resource_reads_its_configuration(tmp_path: Path) -> None:
    app = _load(tmp_path, GOOD)
    (api,) = app.rest_apis  # type: ignore[attr-defined]
    (authorizer,) = api.authorizers
    assert authorizer.type == "JWT" and authorizer.result_ttl_seconds == 0
    assert authorizer.identity_sources == ("method.request.header.Authorization",)
    assert authorizer.jwt_algorithms == ("RS256", "ES384")
    assert authorizer.jwt_issuers == (
        JwtIssuer(
            issuer="https://idp.example.com/",
            audiences=("api://orders", "api://admin"),
            additional_claims=(
                JwtClaimRule(name="tenant", required=True, expected_values=("acme",)),
                JwtClaimRule(name="team"),
            ),
        ),
        JwtIssuer(
            issuer="https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool1",
            audiences=("client123",),
        ),
    )
    method = next(r for r in api.resources if r.path == "/orders").methods["GET"]
    assert (method.authorization_type, method.authorizer_id) == ("JWT", authorizer.id)
    assert method.authorization_scopes == ("orders:read",)


@pytest.mark.parametrize(
    ("old", "new", "error"),
    [
        ("      IdentitySource: method.request.header.Authorization\n", "",
         "exactly one method.request.header.X"),
        ("method.request.header.Authorization", "method.request.querystring.token",
         "exactly one method.request.header.X"),
        ("      IdentitySource", "      AuthorizerResultTtlInSeconds: 300\n      IdentitySource",
         "not supported for JWT authorizers"),
        ("[RS256, ES384]", "[RS256, HS256]", "'HS256' is not one of"),
        ("[RS256, ES384]", "[]", "at least one algorithm"),
        ("https://idp.example.com/", "http://idp.example.com/", "not an absolute https URL"),
        ("https://idp.example.com/", "https://idp.example.com/?a=1", "no user information"),
        ("[api://orders, api://admin]", "[]", "Audiences needs at least one"),
        ("ClaimName: team", "ClaimName: scope", "'scope' cannot be an additional claim"),
        ("ClaimName: team", "ClaimName: tenant", "claim names must be unique"),
        ("{ClaimName: team, Format: SINGLE_STRING}", "{ClaimName: team, Format: STRING_ARRAY}",
         "is not SINGLE_STRING"),
        ("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Pool1",
         "https://idp.example.com/", "issuer URLs must be unique"),
    ],
)  # fmt: skip
def test_rest_jwt_authorizer_resource_refuses_what_aws_refuses(
    tmp_path: Path, old: str, new: str, error: str
) -> None:
    assert old in GOOD
    with pytest.raises(ConfigError, match=error):
        _load(tmp_path, GOOD.replace(old, new, 1))


def test_rest_jwt_issuer_on_loopback_may_be_plain_http(tmp_path: Path) -> None:
    app = _load(tmp_path, GOOD.replace("https://idp.example.com/", "http://127.0.0.1:9/idp"))
    (api,) = app.rest_apis  # type: ignore[attr-defined]
    assert api.authorizers[0].jwt_issuers[0].issuer == "http://127.0.0.1:9/idp"


def test_rest_jwt_authorizer_renders_and_compiles_back_unchanged(tmp_path: Path) -> None:
    """The control plane's round trip (GetAuthorizer's shape, then CreateDeployment)."""
    app = _load(tmp_path, GOOD)
    (api,) = app.rest_apis  # type: ignore[attr-defined]
    snapshot = render_definition(api, region="us-east-1", account_id="123456789012")
    (record,) = snapshot["authorizers"]
    assert record["type"] == "JWT" and record["authType"] == "jwt"
    assert "authorizerResultTtlInSeconds" not in record
    assert record["jwtConfiguration"]["defaultAlgorithms"] == ["RS256", "ES384"]
    assert record["jwtConfiguration"]["issuers"][0]["additionalClaims"][0] == {
        "claimName": "tenant",
        "format": "SINGLE_STRING",
        "required": True,
        "expectedValues": ["acme"],
    }
    compiled = compile_rest_api(snapshot, (), region="us-east-1", account_id="123456789012")
    assert compiled.authorizers == api.authorizers


def test_validate_accepts_jwt_configuration_cfn_lint_does_not_know_yet() -> None:
    from lamina.config.validate import validate_template

    fixture = Path(__file__).parents[2] / "fixtures" / "apps" / "rest_jwt"
    assert validate_template(fixture) == []


def test_rest_jwt_authorizer_resource_takes_an_explicit_zero_ttl(tmp_path: Path) -> None:
    """Any other TTL is refused ("not supported for JWT authorizers"); 0, caching off, is
    what a JWT authorizer does anyway, so a template that spells it out loads [Lamina]."""
    properties = GOOD.replace(
        "      IdentitySource", "      AuthorizerResultTtlInSeconds: 0\n      IdentitySource"
    )
    app = _load(tmp_path, properties)
    (api,) = app.rest_apis  # type: ignore[attr-defined]
    assert api.authorizers[0].result_ttl_seconds == 0
