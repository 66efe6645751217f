"""AWS::Lambda::EventSourceMapping resources and Fn::GetAtt Table.StreamArn."""

from __future__ import annotations

from pathlib import Path

import pytest

from lamina.config.error import ConfigError
from lamina.config.load import load_application
from lamina.config.model import Application
from lamina.config.reference import TEMPLATE_STREAM_LABEL

FUNCTION = (
    "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
    "      FunctionName: consumer\n"
    "      Runtime: python3.12\n      Handler: app.handler\n      Code: .\n"
)
TABLE = (
    "  Table:\n    Type: AWS::DynamoDB::Table\n    Properties:\n"
    "      TableName: events\n      BillingMode: PAY_PER_REQUEST\n"
    "      AttributeDefinitions: [{AttributeName: pk, AttributeType: S}]\n"
    "      KeySchema: [{AttributeName: pk, KeyType: HASH}]\n"
)
STREAM = "      StreamSpecification: {StreamViewType: KEYS_ONLY}\n"
MAPPING = (
    "  Mapping:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n"
    "      FunctionName: !Ref Fn\n      EventSourceArn: !GetAtt Table.StreamArn\n"
    "      StartingPosition: TRIM_HORIZON\n      BatchSize: 7\n"
)


def test_mapping_reads_the_table_stream(tmp_path: Path) -> None:
    app = load_application_with(tmp_path, FUNCTION + TABLE + STREAM + MAPPING)
    (mapping,) = app.event_source_mappings
    assert mapping.logical_id == "Mapping"
    assert mapping.function_name == "consumer" and mapping.qualifier is None
    assert mapping.event_source_arn == (
        f"arn:aws:dynamodb:us-east-1:123456789012:table/events/stream/{TEMPLATE_STREAM_LABEL}"
    )
    assert mapping.starting_position == "TRIM_HORIZON" and mapping.batch_size == 7
    assert mapping.enabled is True


def test_stream_arn_of_a_table_without_stream_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no StreamSpecification"):
        load_application_with(tmp_path, FUNCTION + TABLE + MAPPING)


def test_mapping_of_another_source_is_an_error(tmp_path: Path) -> None:
    other = MAPPING.replace("!GetAtt Table.StreamArn", "arn:aws:sqs:us-east-1:1:queue")
    with pytest.raises(ConfigError, match="DynamoDB streams only"):
        load_application_with(tmp_path, FUNCTION + TABLE + other)


def load_application_with(folder: Path, resources: str) -> Application:
    (folder / "template.yaml").write_text("Resources:\n" + resources)
    return load_application(folder / "template.yaml")
