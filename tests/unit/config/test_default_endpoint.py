"""DisableExecuteApiEndpoint read from templates: the CloudFormation property, the OpenAPI
extension (top level for REST, under `servers` for HTTP APIs), and their precedence."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.config.error import ConfigError
from lamina.config.load import load_application

REST = """
Resources:
  Api:
    Type: AWS::ApiGateway::RestApi
    Properties:
      Name: api
{extra}
"""

HTTP = """
Resources:
  Api:
    Type: AWS::ApiGatewayV2::Api
    Properties:
      Name: api
      ProtocolType: HTTP
{extra}
"""


def _disabled(tmp_path: Path, template: str, extra: str) -> bool:
    (tmp_path / "template.yaml").write_text(template.format(extra=extra))
    app = load_application(tmp_path)
    [api] = [*app.rest_apis, *app.http_apis]
    return api.disable_execute_api_endpoint


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ("", False),
        ("      DisableExecuteApiEndpoint: true", True),
        ('      DisableExecuteApiEndpoint: "True"', True),
        ("      DisableExecuteApiEndpoint: false", False),
        (
            "      Body:\n        swagger: '2.0'\n        info: {title: t, version: '1'}\n"
            "        paths: {}\n"
            "        x-amazon-apigateway-endpoint-configuration: {disableExecuteApiEndpoint: true}",
            True,
        ),
        (
            "      DisableExecuteApiEndpoint: false\n      Body:\n        swagger: '2.0'\n"
            "        info: {title: t, version: '1'}\n        paths: {}\n"
            "        x-amazon-apigateway-endpoint-configuration: {disableExecuteApiEndpoint: true}",
            False,
        ),
    ],
)
def test_rest_api_flag(tmp_path: Path, extra: str, expected: bool) -> None:
    assert _disabled(tmp_path, REST, extra) is expected


def test_http_api_flag_from_property_and_from_servers(tmp_path: Path) -> None:
    assert _disabled(tmp_path, HTTP, "      DisableExecuteApiEndpoint: true")
    body = (
        "      Body:\n        openapi: 3.0.1\n        info: {title: t, version: '1'}\n"
        "        paths: {}\n        servers:\n"
        "          - x-amazon-apigateway-endpoint-configuration: {disableExecuteApiEndpoint: true}"
    )
    other = tmp_path / "body"
    other.mkdir()
    assert _disabled(other, HTTP, body)


def test_a_value_that_is_not_a_boolean_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="DisableExecuteApiEndpoint must be true or false"):
        _disabled(tmp_path, REST, "      DisableExecuteApiEndpoint: sometimes")
