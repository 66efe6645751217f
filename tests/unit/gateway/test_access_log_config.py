"""Stage access log settings read from templates (config/access_log.py)."""

from __future__ import annotations

from pathlib import Path

from lamina.config.load import load_application
from lamina.config.model import Application

REST = """
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: shop}
  Root:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      Integration: {Type: MOCK}
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Root
    Properties:
      RestApiId: !Ref Api
      StageName: Beta
      StageDescription:
        AccessLogSetting:
          DestinationArn: arn:aws:logs:us-east-1:123456789012:log-group:beta-access:*
          Format: $context.requestId
  Prod:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      DeploymentId: !Ref Deployment
      StageName: Prod
      AccessLogSetting:
        DestinationArn: !Sub arn:aws:logs:${AWS::Region}:${AWS::AccountId}:log-group:/shop/prod
        Format: $context.requestId $context.status $context.bogus
  Quiet:
    Type: AWS::ApiGateway::Stage
    Properties:
      RestApiId: !Ref Api
      DeploymentId: !Ref Deployment
      StageName: Quiet
      AccessLogSetting: {Format: $context.requestId}
"""

SAM_HTTP = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Logs:
    Type: AWS::Logs::LogGroup
    Properties: {LogGroupName: /http/access}
  Api:
    Type: AWS::Serverless::HttpApi
    Properties:
      AccessLogSettings:
        DestinationArn: !GetAtt Logs.Arn
        Format: $context.requestId $context.routeKey
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: app.handler
      InlineCode: "def handler(e, c): return {}"
      Events:
        Get:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Path: /x, Method: get}
"""


def _load(tmp_path: Path, text: str) -> Application:
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return load_application(str(path))


def test_access_log_config_rest_stage_and_deployment_stage_description(tmp_path: Path) -> None:
    app = _load(tmp_path, REST)
    stages = {stage.name: stage for stage in app.rest_apis[0].stages}
    prod = stages["Prod"].access_log
    assert prod is not None
    assert prod.log_group == "/shop/prod"
    assert prod.destination_arn == "arn:aws:logs:us-east-1:123456789012:log-group:/shop/prod"
    assert prod.format == "$context.requestId $context.status $context.bogus"
    beta = stages["Beta"].access_log
    assert beta is not None and beta.log_group == "beta-access"  # the `:*` suffix is not the name
    # A Format without a DestinationArn does not turn logging on.
    assert stages["Quiet"].access_log is None
    assert any("$context.bogus" in warning for warning in app.warnings)


def test_access_log_config_sam_http_api_log_group_of_the_template(tmp_path: Path) -> None:
    app = _load(tmp_path, SAM_HTTP)
    (stage,) = app.http_apis[0].stages
    assert stage.access_log is not None
    assert stage.access_log.log_group == "/http/access"
    assert stage.access_log.format == "$context.requestId $context.routeKey"
