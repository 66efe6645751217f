"""A template's AWS::CloudWatch::Alarm and AWS::CloudWatch::Dashboard are created at
`lamina up`; the alarm watches a function's AWS/Lambda Errors and its action invokes
another function, allowed by an AWS::Lambda::Permission for CloudWatch's alarm principal.

https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-cloudwatch-alarm.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-actions-Lambda.html
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from tests.conftest import LaminaProcess

TEMPLATE = """\
AWSTemplateFormatVersion: "2010-09-09"
Transform: AWS::Serverless-2016-10-31
Resources:
  Work:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.11, CodeUri: src/, Handler: app.work}
  Pager:
    Type: AWS::Serverless::Function
    Properties: {Runtime: python3.11, CodeUri: src/, Handler: app.page}
  PagerFromAlarms:
    Type: AWS::Lambda::Permission
    Properties:
      FunctionName: !Ref Pager
      Action: lambda:InvokeFunction
      Principal: lambda.alarms.cloudwatch.amazonaws.com
      SourceArn: !GetAtt WorkErrors.Arn
  WorkErrors:
    Type: AWS::CloudWatch::Alarm
    Properties:
      AlarmDescription: Work fails
      Namespace: AWS/Lambda
      MetricName: Errors
      Dimensions: [{Name: FunctionName, Value: !Ref Work}]
      Statistic: Sum
      Period: 60
      EvaluationPeriods: 1
      Threshold: 0
      ComparisonOperator: GreaterThanThreshold
      TreatMissingData: notBreaching
      AlarmActions: [!GetAtt Pager.Arn]
  Board:
    Type: AWS::CloudWatch::Dashboard
    Properties:
      DashboardName: work
      DashboardBody: !Sub >-
        {"widgets": [{"type": "alarm", "properties": {"alarms": ["${WorkErrors.Arn}"]}}]}
"""
HANDLER = """\
import json
import re

def work(event, context):
    raise RuntimeError("broken")

def page(event, context):
    print("PAGED " + json.dumps(event))
"""


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaminaProcess]:
    root = tmp_path_factory.mktemp("alarms")
    (root / "src").mkdir()
    (root / "src" / "app.py").write_text(HANDLER)
    (root / "template.yaml").write_text(TEMPLATE)
    lamina = LaminaProcess(root, state_dir=root / ".lamina")
    yield lamina
    lamina.stop()


def _client(base: str, service: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def test_template_alarm_dashboard_and_lambda_action(app: LaminaProcess) -> None:
    cloudwatch = _client(app.base, "cloudwatch")
    (alarm,) = cloudwatch.describe_alarms()["MetricAlarms"]
    # No AlarmName: CloudFormation's `{stack}-{logicalId}-{suffix}`.
    assert re.fullmatch(r"[\w-]+-WorkErrors-[a-z0-9]{12}", alarm["AlarmName"]), alarm["AlarmName"]
    functions = {
        f["FunctionName"] for f in _client(app.base, "lambda").list_functions()["Functions"]
    }
    assert alarm["Dimensions"] == [
        {"Name": "FunctionName", "Value": alarm["Dimensions"][0]["Value"]}
    ]
    assert alarm["Dimensions"][0]["Value"] in functions
    assert alarm["StateValue"] == "OK"  # no errors yet, missing data is not breaching
    board = json.loads(cloudwatch.get_dashboard(DashboardName="work")["DashboardBody"])
    assert board["widgets"][0]["properties"]["alarms"] == [alarm["AlarmArn"]]

    # The function's failure counts in AWS/Lambda Errors; the alarm is set by hand here
    # (its own evaluation runs each minute) and its action pages.
    lambda_ = _client(app.base, "lambda")
    work = alarm["Dimensions"][0]["Value"]
    failed = lambda_.invoke(FunctionName=work, Payload=b"{}")
    assert failed["FunctionError"] == "Unhandled"
    cloudwatch.set_alarm_state(
        AlarmName=alarm["AlarmName"], StateValue="ALARM", StateReason="Work failed"
    )
    logs = _client(app.base, "logs")
    pager = next(
        f["FunctionName"]
        for f in lambda_.list_functions()["Functions"]
        if "Pager" in f["FunctionName"]
    )
    deadline = time.monotonic() + 20
    paged: list[str] = []
    while time.monotonic() < deadline and not paged:
        try:
            events = logs.filter_log_events(logGroupName=f"/aws/lambda/{pager}")["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        paged = [e["message"] for e in events if e["message"].startswith("PAGED ")]
        time.sleep(0.2)
    assert paged, "the alarm action did not invoke the pager"
    event = json.loads(paged[0][len("PAGED ") :])
    assert event["alarmData"]["alarmName"] == alarm["AlarmName"]
    assert event["alarmData"]["state"]["value"] == "ALARM"
    assert event["alarmData"]["configuration"]["description"] == "Work fails"
