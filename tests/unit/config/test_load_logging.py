"""LoggingConfig on SAM and CloudFormation functions.

https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-properties-lambda-function-loggingconfig.html
https://docs.aws.amazon.com/serverless-application-model/latest/developerguide/sam-resource-function.html#sam-function-loggingconfig
"""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.functions.model import LoggingConfig


def _load(folder: Path, properties: str) -> LoggingConfig:
    (folder / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Logs:\n    Type: AWS::Logs::LogGroup\n    Properties:\n"
        "      LogGroupName: /app/functions\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n"
        "      Runtime: python3.12\n      Handler: app.handler\n      CodeUri: .\n" + properties
    )
    (function,) = load_application(folder).functions
    return function.logging


def test_default_is_text_to_lambdas_group(tmp_path: Path) -> None:
    assert _load(tmp_path, "") == LoggingConfig()


def test_json_with_levels_and_a_referenced_group(tmp_path: Path) -> None:
    logging = _load(
        tmp_path,
        "      LoggingConfig:\n        LogFormat: JSON\n        ApplicationLogLevel: DEBUG\n"
        "        LogGroup: !Ref Logs\n",
    )
    assert logging == LoggingConfig(
        log_format="JSON",
        application_log_level="DEBUG",
        system_log_level="INFO",
        log_group="/app/functions",
    )


@pytest.mark.parametrize(
    ("properties", "message"),
    [
        ("        LogFormat: Xml\n", "loggingConfig.logFormat"),
        ("        LogFormat: JSON\n        SystemLogLevel: ERROR\n", "systemLogLevel"),
        ("        ApplicationLogLevel: DEBUG\n", "requires the JSON log format"),
    ],
)
def test_invalid_logging_config_names_the_field(
    tmp_path: Path, properties: str, message: str
) -> None:
    with pytest.raises(ConfigError, match=message):
        _load(tmp_path, "      LoggingConfig:\n" + properties)
