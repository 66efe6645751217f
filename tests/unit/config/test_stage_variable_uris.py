"""Lambda integration URIs holding `${stageVariables.x}` load from templates: a template
function's ARN is resolved to its name, a stage variable is kept for the data plane to
substitute per request, and a plain name outside the template is still an error.
https://docs.aws.amazon.com/apigateway/latest/developerguide/aws-api-gateway-stage-variables-reference.html
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.config.error import ConfigError
from lamina.config.integration import lambda_target
from lamina.config.load import load_application
from lamina.gateway.model import LambdaIntegration

ARN = "arn:aws:lambda:us-east-1:123456789012:function:"
FUNCTIONS = {"orders": "orders", f"{ARN}orders": "orders"}


def invocation(arn: str) -> str:
    return f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{arn}/invocations"


@pytest.mark.parametrize(
    ("arn", "name", "qualifier"),
    [
        (f"{ARN}orders:${{stageVariables.alias}}", "orders", "${stageVariables.alias}"),
        (f"{ARN}${{stageVariables.fn}}", "${stageVariables.fn}", None),
        (
            f"{ARN}${{stageVariables.fn}}:${{stageVariables.alias}}",
            "${stageVariables.fn}",
            "${stageVariables.alias}",
        ),
        (f"{ARN}orders-${{stageVariables.env}}", "orders-${stageVariables.env}", None),
        (f"{ARN}${{stageVariables.fn}}:live", "${stageVariables.fn}", "live"),
        ("${stageVariables.functionArn}", "${stageVariables.functionArn}", None),
    ],
)
def test_stage_variables_are_kept_for_the_data_plane(
    arn: str, name: str, qualifier: str | None
) -> None:
    assert lambda_target(invocation(arn), FUNCTIONS) == (name, qualifier)


def test_a_function_outside_the_template_without_stage_variables_is_still_an_error() -> None:
    with pytest.raises(ConfigError, match="names no function of this template"):
        lambda_target(invocation(f"{ARN}payments:${{stageVariables.alias}}"), FUNCTIONS)


SAM_API = """\
Transform: AWS::Serverless-2016-10-31
Resources:
  OrdersFunction:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.12, Handler: app.handler, CodeUri: ., FunctionName: orders}
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      Variables: {alias: prod}
      DefinitionBody:
        openapi: 3.0.1
        info: {title: orders, version: "1"}
        paths:
          /orders:
            get:
              x-amazon-apigateway-integration:
                type: aws_proxy
                httpMethod: POST
                uri: !Sub "INVOKE"
"""
INVOKE = "arn:aws:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/FUNCTION/invocations"


@pytest.mark.parametrize(
    ("function", "name", "qualifier"),
    [
        # The brief's form: a template function's ARN, the alias chosen by the stage.
        ("${OrdersFunction.Arn}:${!stageVariables.alias}", "orders", "${stageVariables.alias}"),
        (
            "arn:aws:lambda:${AWS::Region}:${AWS::AccountId}:function:${!stageVariables.fn}",
            "${stageVariables.fn}",
            None,
        ),
    ],
)
def test_a_sam_definition_body_loads_with_stage_variables(
    tmp_path: Path, function: str, name: str, qualifier: str | None
) -> None:
    (tmp_path / "template.yaml").write_text(
        SAM_API.replace("INVOKE", INVOKE.replace("FUNCTION", function))
    )
    [api] = load_application(tmp_path).rest_apis
    stage = next(stage for stage in api.stages if stage.name == "prod")
    assert stage.variables == {"alias": "prod"}
    method = next(r for r in api.resources if r.path == "/orders").methods["GET"]
    assert method.integration == LambdaIntegration(function_name=name, qualifier=qualifier)


CFN_METHOD = """\
Resources:
  Orders:
    Type: AWS::Lambda::Function
    Properties: {Runtime: python3.12, Handler: app.handler, Code: ., FunctionName: orders}
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties: {Name: orders}
  Get:
    Type: AWS::ApiGateway::Method
    Properties:
      RestApiId: !Ref Api
      ResourceId: !GetAtt Api.RootResourceId
      HttpMethod: GET
      AuthorizationType: NONE
      Integration:
        Type: AWS_PROXY
        IntegrationHttpMethod: POST
        Uri: !Sub "INVOKE"
  Deployment:
    Type: AWS::ApiGateway::Deployment
    DependsOn: Get
    Properties: {RestApiId: !Ref Api, StageName: dev, StageDescription: {Variables: {alias: dev}}}
"""


def test_a_cloudformation_method_loads_with_a_stage_variable_qualifier(tmp_path: Path) -> None:
    function = "${Orders.Arn}:${!stageVariables.alias}"
    (tmp_path / "template.yaml").write_text(
        CFN_METHOD.replace("INVOKE", INVOKE.replace("FUNCTION", function))
    )
    [api] = load_application(tmp_path).rest_apis
    assert [(stage.name, stage.variables) for stage in api.stages] == [("dev", {"alias": "dev"})]
    method = next(r for r in api.resources if r.path == "/").methods["GET"]
    assert method.integration == LambdaIntegration(
        function_name="orders", qualifier="${stageVariables.alias}"
    )
