"""S3 event notifications end to end: a SAM template's function with an `S3` event on the
template's bucket; boto3 puts and deletes objects, the function (invoked asynchronously,
as S3 invokes Lambda) records each event it receives in a DynamoDB table, and the test
reads them back and checks AWS's event record shape.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/notification-content-structure.html
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.clients import aws_client, until
from tests.conftest import LaminaProcess, free_port

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Received:
    Type: AWS::Serverless::SimpleTable
    Properties:
      TableName: received-events
      PrimaryKey: {Name: id, Type: String}
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: uploads-bucket
  Other:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: other-bucket
  OnUpload:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: handler.handler
      CodeUri: src/
      Timeout: 10
      Policies:
        - DynamoDBCrudPolicy: {TableName: !Ref Received}
      Environment:
        Variables: {TABLE: !Ref Received}
      Events:
        Created:
          Type: S3
          Properties:
            Bucket: !Ref Uploads
            Events: [s3:ObjectCreated:*, s3:ObjectRemoved:*]
            Filter:
              S3Key:
                Rules:
                  - {Name: prefix, Value: incoming/}
                  - {Name: suffix, Value: .txt}
  Unpermitted:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: handler.handler
      CodeUri: src/
"""

HANDLER = """\
import json
import os

import boto3

table = boto3.resource("dynamodb").Table(os.environ["TABLE"])


def handler(event, context):
    for record in event["Records"]:
        name = record["eventName"] + "|" + record["s3"]["object"]["key"]
        table.put_item(Item={"id": name, "event": json.dumps(record)})
    return {"ok": True}
"""


def _client(service: str, lamina: LaminaProcess) -> Any:
    return aws_client(lamina.base, service)


def _received(dynamodb: Any, item_id: str, lamina: LaminaProcess) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = dynamodb.get_item(TableName="received-events", Key={"id": {"S": item_id}})
        if "Item" in found:
            record: dict[str, Any] = json.loads(found["Item"]["event"]["S"])
            return record
        time.sleep(0.2)
    raise AssertionError(f"no event {item_id}: " + lamina.output()[-3000:])


@pytest.mark.slow
def test_s3_events_reach_the_function_with_awss_record_shape(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "handler.py").write_text(HANDLER)
    (tmp_path / "template.yaml").write_text(TEMPLATE)
    lamina = LaminaProcess(tmp_path / "template.yaml")
    try:
        s3, dynamodb = _client("s3", lamina), _client("dynamodb", lamina)
        configuration = s3.get_bucket_notification_configuration(Bucket="uploads-bucket")
        # SAM writes one LambdaConfiguration per event type, each with the key filter.
        rules = configuration["LambdaFunctionConfigurations"]
        assert [rule["Events"] for rule in rules] == [
            ["s3:ObjectCreated:*"],
            ["s3:ObjectRemoved:*"],
        ]
        assert all(rule["LambdaFunctionArn"].endswith(":function:OnUpload") for rule in rules)
        assert rules[0]["Filter"]["Key"]["FilterRules"] == [
            {"Name": "Prefix", "Value": "incoming/"},
            {"Name": "Suffix", "Value": ".txt"},
        ]
        rule = rules[0]
        s3.put_object(Bucket="uploads-bucket", Key="ignored.txt", Body=b"no prefix")
        s3.put_object(Bucket="uploads-bucket", Key="incoming/red flower.txt", Body=b"petals")
        record = _received(dynamodb, "ObjectCreated:Put|incoming/red+flower.txt", lamina)
        assert record["eventVersion"] == "2.1"
        assert record["eventSource"] == "aws:s3"
        assert record["awsRegion"] == "us-east-1"
        assert record["eventName"] == "ObjectCreated:Put"
        assert record["eventTime"].endswith("Z")
        assert record["userIdentity"] == {"principalId": "AWS:test"}
        assert record["requestParameters"] == {"sourceIPAddress": "127.0.0.1"}
        assert set(record["responseElements"]) == {"x-amz-request-id", "x-amz-id-2"}
        assert record["s3"]["s3SchemaVersion"] == "1.0"
        assert record["s3"]["configurationId"] == rule["Id"]
        assert record["s3"]["bucket"]["name"] == "uploads-bucket"
        assert record["s3"]["bucket"]["arn"] == "arn:aws:s3:::uploads-bucket"
        obj = record["s3"]["object"]
        assert obj["key"] == "incoming/red+flower.txt"
        assert obj["size"] == len(b"petals")
        assert obj["eTag"] == hashlib.md5(b"petals").hexdigest()
        assert len(obj["sequencer"]) == 18
        assert "versionId" not in obj  # the bucket has never been versioned
        s3.delete_object(Bucket="uploads-bucket", Key="incoming/red flower.txt")
        removed = _received(dynamodb, "ObjectRemoved:Delete|incoming/red+flower.txt", lamina)
        assert set(removed["s3"]["object"]) == {"key", "sequencer"}
        assert removed["s3"]["object"]["sequencer"] > obj["sequencer"]
        ignored = dynamodb.get_item(
            TableName="received-events", Key={"id": {"S": "ObjectCreated:Put|ignored.txt"}}
        )
        assert "Item" not in ignored

        # A function whose policy does not let S3 invoke it is refused, as AWS refuses it.
        lambda_ = _client("lambda", lamina)
        arn = lambda_.get_function(FunctionName="Unpermitted")["Configuration"]["FunctionArn"]
        wanted = {
            "LambdaFunctionConfigurations": [
                {"LambdaFunctionArn": arn, "Events": ["s3:ObjectCreated:Put"]}
            ]
        }
        with pytest.raises(ClientError) as refused:
            s3.put_bucket_notification_configuration(
                Bucket="other-bucket", NotificationConfiguration=wanted
            )
        error = refused.value.response["Error"]
        assert error["Code"] == "InvalidArgument"
        assert error["Message"] == "Unable to validate the following destination configurations"
        lambda_.add_permission(
            FunctionName="Unpermitted",
            StatementId="s3",
            Action="lambda:InvokeFunction",
            Principal="s3.amazonaws.com",
            SourceArn="arn:aws:s3:::other-bucket",
        )
        s3.put_bucket_notification_configuration(
            Bucket="other-bucket", NotificationConfiguration=wanted
        )

        # Once S3 may no longer invoke OnUpload, its events are not delivered.
        policy = json.loads(lambda_.get_policy(FunctionName="OnUpload")["Policy"])
        for statement in policy["Statement"]:
            lambda_.remove_permission(FunctionName="OnUpload", StatementId=statement["Sid"])
        s3.put_object(Bucket="uploads-bucket", Key="incoming/late.txt", Body=b"late")
        # The refusal is logged when the event would have been sent; nothing came after.
        assert until(lambda: "not delivered" in lamina.output(), timeout_s=30)
        late = dynamodb.get_item(
            TableName="received-events", Key={"id": {"S": "ObjectCreated:Put|incoming/late.txt"}}
        )
        assert "Item" not in late
    finally:
        lamina.stop()


UNPERMITTED_TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Uploads:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: unpermitted-bucket
      NotificationConfiguration:
        LambdaConfigurations:
          - Event: s3:ObjectCreated:*
            Function: !GetAtt Handler.Arn
  Handler:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.11
      Handler: handler.handler
      CodeUri: src/
"""


def test_a_template_notification_without_lambda_permission_fails_lamina_up(
    tmp_path: Path,
) -> None:
    """As CloudFormation fails such a bucket: S3 validates the destination when the
    configuration is put, and no AWS::Lambda::Permission lets S3 invoke the function."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "handler.py").write_text(HANDLER)
    (tmp_path / "template.yaml").write_text(UNPERMITTED_TEMPLATE)
    command = [sys.executable, "-m", "lamina.cli", "up", str(tmp_path / "template.yaml")]
    command += ["--port", str(free_port())]
    finished = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert finished.returncode == 2, finished.stdout + finished.stderr
    assert (
        "InvalidArgument: Unable to validate the following destination configurations"
        in finished.stderr
    )
