"""A property that resolves to AWS::NoValue is absent, as CloudFormation removes it.
https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/pseudo-parameter-reference.html#cfn-pseudo-param-novalue
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lamina.config.load import load_application

TEMPLATE = """\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Observed: {Type: String, Default: "false"}
Conditions:
  IsObserved: !Equals [!Ref Observed, "true"]
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: Prod
      AccessLogSetting: !If
        - IsObserved
        - DestinationArn: "arn:aws:logs:us-east-1:123456789012:log-group:api"
          Format: "$context.requestId"
        - !Ref AWS::NoValue
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      Handler: app.handler
      CodeUri: .
      MemorySize: !If [IsObserved, 256, !Ref AWS::NoValue]
      Events:
        Get: {Type: Api, Properties: {RestApiId: !Ref Api, Path: /, Method: get}}
"""


def test_no_value_properties_are_absent(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    off = load_application(tmp_path)
    (function,) = off.functions
    assert function.memory_mb == 128  # the default, as if MemorySize were not there
    assert _prod(off).access_log is None
    on = load_application(tmp_path, parameter_overrides={"Observed": "true"})
    assert on.functions[0].memory_mb == 256
    assert _prod(on).access_log is not None


def _prod(app: Any) -> Any:
    (api,) = app.rest_apis
    return next(stage for stage in api.stages if stage.name == "Prod")
