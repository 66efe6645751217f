"""Private REST APIs from templates: the endpoint type and associated VPC endpoints in their
CloudFormation, SAM and OpenAPI forms, the template's execute-api VPC endpoints, and AWS's
refusal to deploy a private API without a resource policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.config.apigateway_compile import compile_definition
from lamina.config.apigateway_render import render_definition
from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.config.model import Application

POLICY = """
      Policy:
        Statement:
          - {Effect: Allow, Principal: "*", Action: execute-api:Invoke, Resource: execute-api:/*}
"""

ENDPOINT = """
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.0.0.0/16}
  Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      ServiceName: !Sub com.amazonaws.${AWS::Region}.execute-api
      VpcId: !Ref Vpc
  S3Endpoint:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
      VpcId: !Ref Vpc
  Probe:
    Type: AWS::Lambda::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      Code: .
      Environment:
        Variables:
          ENDPOINT: !Ref Endpoint
          VPC: !Ref Vpc
"""


def _api(properties: str, *, deployed: bool = True) -> str:
    deployment = (
        """
  Deployment:
    Type: AWS::ApiGateway::Deployment
    Properties: {RestApiId: !Ref Api, StageName: prod}
"""
        if deployed
        else ""
    )
    return f"""
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: api{properties}{deployment}"""


def _load(folder: Path, resources: str, *, sam: bool = False) -> Application:
    head = "Transform: AWS::Serverless-2016-10-31\n" if sam else ""
    (folder / "template.yaml").write_text(head + "Resources:" + resources)
    return load_application(folder, stack_name="teststack")


def test_cloudformation_private_api_with_endpoint_ids(tmp_path: Path) -> None:
    resources = ENDPOINT + _api(
        """
      EndpointConfiguration:
        Types: [PRIVATE]
        VpcEndpointIds: [!Ref Endpoint]"""
        + POLICY
    )
    app = _load(tmp_path, resources)
    api = app.rest_apis[0]
    function = app.functions[0]
    endpoint_id, vpc_id = function.environment["ENDPOINT"], function.environment["VPC"]
    assert api.private and api.vpc_endpoint_ids == (endpoint_id,)
    assert endpoint_id.startswith("vpce-") and len(endpoint_id) == len("vpce-") + 17
    assert vpc_id.startswith("vpc-") and len(vpc_id) == len("vpc-") + 17
    # The execute-api endpoint with its VPC; the S3 endpoint reaches no API.
    assert [(e.id, e.vpc_id) for e in app.vpc_endpoints] == [(endpoint_id, vpc_id)]
    assert not any("unsupported resource type" in warning for warning in app.warnings)


def test_sam_private_api_reads_type_and_vpc_endpoint_ids(tmp_path: Path) -> None:
    resources = (
        ENDPOINT
        + """
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      EndpointConfiguration:
        Type: PRIVATE
        VPCEndpointIds: [!Ref Endpoint]
      Auth:
        ResourcePolicy:
          IntrinsicVpceWhitelist: [!Ref Endpoint]
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: .
      Events:
        Get:
          Type: Api
          Properties: {RestApiId: !Ref Api, Path: /hello, Method: get}
"""
    )
    app = _load(tmp_path, resources, sam=True)
    api = app.rest_apis[0]
    endpoint_id = app.vpc_endpoints[0].id
    assert api.private and api.vpc_endpoint_ids == (endpoint_id,)
    assert api.policy is not None and endpoint_id in str(api.policy)


def test_openapi_extension_gives_the_vpc_endpoint_ids(tmp_path: Path) -> None:
    resources = _api(
        """
      EndpointConfiguration: {Types: [PRIVATE]}
      Body:
        openapi: 3.0.1
        info: {title: api}
        paths: {}
        x-amazon-apigateway-endpoint-configuration:
          vpcEndpointIds: [vpce-0123456789abcdef0]"""
        + POLICY
    )
    app = _load(tmp_path, resources)
    assert app.rest_apis[0].vpc_endpoint_ids == ("vpce-0123456789abcdef0",)
    # An endpoint the template only names by id: known, its VPC not.
    assert [(e.id, e.vpc_id) for e in app.vpc_endpoints] == [("vpce-0123456789abcdef0", None)]


def test_private_api_without_endpoint_gets_one_lamina_names(tmp_path: Path) -> None:
    resources = _api("\n      EndpointConfiguration: {Types: [PRIVATE]}" + POLICY)
    first = _load(tmp_path, resources).vpc_endpoints
    again = _load(tmp_path, resources).vpc_endpoints
    assert len(first) == 1 and first == again
    assert first[0].id.startswith("vpce-") and (first[0].vpc_id or "").startswith("vpc-")


def test_public_api_has_no_endpoint(tmp_path: Path) -> None:
    app = _load(tmp_path, _api("\n      EndpointConfiguration: {Types: [REGIONAL]}"))
    assert not app.rest_apis[0].private and app.vpc_endpoints == ()


def test_deployed_private_api_without_resource_policy_is_refused(tmp_path: Path) -> None:
    resources = _api("\n      EndpointConfiguration: {Types: [PRIVATE]}")
    with pytest.raises(ConfigError, match="Private REST API doesn't have a resource policy"):
        _load(tmp_path, resources)


def test_undeployed_private_api_without_resource_policy_loads(tmp_path: Path) -> None:
    resources = _api("\n      EndpointConfiguration: {Types: [PRIVATE]}", deployed=False)
    assert _load(tmp_path, resources).rest_apis[0].private


def test_vpc_endpoint_ids_on_a_regional_api_are_refused(tmp_path: Path) -> None:
    resources = _api("\n      EndpointConfiguration: {Types: [REGIONAL], VpcEndpointIds: [vpce-1]}")
    with pytest.raises(ConfigError, match="only supported for the PRIVATE endpoint type"):
        _load(tmp_path, resources)


def test_unknown_endpoint_type_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="'INTERNAL' is not one of"):
        _load(tmp_path, _api("\n      EndpointConfiguration: {Types: [INTERNAL]}"))


def test_endpoint_configuration_survives_render_and_compile(tmp_path: Path) -> None:
    """The management API's copy of a template API (GetRestApi) keeps it private."""
    resources = ENDPOINT + _api(
        """
      EndpointConfiguration:
        Types: [PRIVATE]
        VpcEndpointIds: [!Ref Endpoint]"""
        + POLICY
    )
    api = _load(tmp_path, resources).rest_apis[0]
    snapshot = render_definition(api, region="us-east-1", account_id="123456789012")
    assert snapshot["restApi"]["endpointConfiguration"] == {
        "types": ["PRIVATE"],
        "vpcEndpointIds": list(api.vpc_endpoint_ids),
    }
    compiled = compile_definition(snapshot, region="us-east-1", account_id="123456789012")
    assert compiled.private and compiled.vpc_endpoint_ids == api.vpc_endpoint_ids


def test_openapi_3_extension_on_the_server_object(tmp_path: Path) -> None:
    resources = _api(
        """
      EndpointConfiguration: {Types: [PRIVATE]}
      Body:
        openapi: 3.0.1
        info: {title: api}
        paths: {}
        servers:
          - url: https://example.com/{basePath}
            x-amazon-apigateway-endpoint-configuration:
              vpcEndpointIds: [vpce-0123456789abcdef0]"""
        + POLICY
    )
    assert _load(tmp_path, resources).rest_apis[0].vpc_endpoint_ids == ("vpce-0123456789abcdef0",)
