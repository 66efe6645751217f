"""Template Lambda versions and aliases into Application.releases: what `lamina up`
publishes and where it points each alias."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.config.model import TemplateRelease

TEMPLATES = Path(__file__).resolve().parents[2] / "fixtures" / "templates"

FUNCTION = """\
Resources:
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: fn
      Runtime: python3.12
      Handler: app.handler
      Code: {ZipFile: "def handler(e, c): return 1"}
"""


def _releases(tmp_path: Path, resources: str) -> tuple[TemplateRelease, ...]:
    (tmp_path / "template.yaml").write_text(FUNCTION + resources)
    return load_application(tmp_path).releases


def test_sam_auto_publish_alias_publishes_and_points_the_alias() -> None:
    assert load_application(TEMPLATES / "sam_alias").releases == (
        TemplateRelease(function_name="Hello", alias=""),
        TemplateRelease(function_name="Hello", alias="live"),
    )


def test_explicit_version_alias_and_routing(tmp_path: Path) -> None:
    releases = _releases(
        tmp_path,
        "  V:\n    Type: AWS::Lambda::Version\n    Properties:\n"
        "      FunctionName: !Ref Fn\n      Description: first\n"
        "  Live:\n    Type: AWS::Lambda::Alias\n    Properties:\n"
        "      FunctionName: !GetAtt Fn.Arn\n      FunctionVersion: !GetAtt V.Version\n"
        "      Name: live\n      RoutingConfig:\n        AdditionalVersionWeights:\n"
        "          - {FunctionVersion: '3', FunctionWeight: 0.1}\n"
        "  Old:\n    Type: AWS::Lambda::Alias\n    Properties:\n"
        "      FunctionName: fn\n      FunctionVersion: '2'\n      Name: old\n",
    )
    assert releases == (
        TemplateRelease(function_name="fn", alias="", description="first"),
        TemplateRelease(function_name="fn", alias="live", weights={"3": 0.1}),
        TemplateRelease(function_name="fn", alias="old", version="2"),
    )


def test_alias_without_function_version_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="FunctionVersion is required"):
        _releases(
            tmp_path,
            "  Live:\n    Type: AWS::Lambda::Alias\n    Properties:\n"
            "      FunctionName: fn\n      Name: live\n",
        )
