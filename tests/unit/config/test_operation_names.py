"""A template's operation names (an OpenAPI body's operationId, an AWS::ApiGateway::Method's
OperationName) become the methods' operationName, as ImportRestApi and CloudFormation set
it, so GetMethod, GetExport and GetSdk name the operations as the template does.
https://docs.aws.amazon.com/apigateway/latest/api/API_Method.html"""

from __future__ import annotations

from pathlib import Path

from lamina.config.apigateway_compile import compile_rest_api
from lamina.config.apigateway_render import render_rest_api
from lamina.config.load import load_application
from lamina.gateway.model import RestApi

TEMPLATE = """
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  UsersApi:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      MergeDefinitions: true
      DefinitionBody:
        swagger: "2.0"
        info: {title: users, version: "1"}
        paths:
          /users/{userId}:
            get:
              operationId: getUser
              parameters: [{name: userId, in: path, required: true, type: string}]
              responses: {}
          /users:
            get:
              responses: {}
  UsersFunction:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: src/
      Events:
        One:
          Type: Api
          Properties: {RestApiId: !Ref UsersApi, Path: "/users/{userId}", Method: get}
        All: {Type: Api, Properties: {RestApiId: !Ref UsersApi, Path: /users, Method: get}}
  PlainApi:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: plain}
  Health:
    Type: AWS::ApiGateway::Resource
    Properties:
      RestApiId: !Ref PlainApi
      ParentId: !GetAtt PlainApi.RootResourceId
      PathPart: health
  HealthGet:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref PlainApi
      ResourceId: !Ref Health
      HttpMethod: GET
      AuthorizationType: NONE
      OperationName: checkHealth
      Integration: {Type: MOCK, RequestTemplates: {application/json: '{"statusCode": 200}'}}
"""


def _apis(tmp_path: Path) -> dict[str, RestApi]:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    app = load_application(tmp_path)
    return {api.logical_id: api for api in app.rest_apis}


def _names(api: RestApi) -> dict[str, str | None]:
    return {
        f"{verb} {resource.path}": method.operation_name
        for resource in api.resources
        for verb, method in resource.methods.items()
    }


def test_operation_ids_and_operation_names_name_the_methods(tmp_path: Path) -> None:
    apis = _apis(tmp_path)
    assert _names(apis["UsersApi"]) == {"GET /users/{userId}": "getUser", "GET /users": None}
    assert _names(apis["PlainApi"]) == {"GET /health": "checkHealth"}


def test_operation_names_are_in_the_records_and_come_back(tmp_path: Path) -> None:
    api = _apis(tmp_path)["UsersApi"]
    snapshot, stages = render_rest_api(api, region="us-east-1", account_id="123456789012")
    methods = {
        resource["path"]: resource.get("resourceMethods", {}).get("GET")
        for resource in snapshot["resources"]
    }
    assert methods["/users/{userId}"]["operationName"] == "getUser"
    assert "operationName" not in methods["/users"]
    back = compile_rest_api(
        snapshot,
        [(record, snapshot, None) for record in stages],
        region="us-east-1",
        account_id="123456789012",
        logical_id=api.logical_id,
        web_acls={},
    )
    assert _names(back) == _names(api)
