"""CloudWatch metric alarms and dashboards through boto3: evaluation (M of N, missing data,
metric math), states with AWS's reasons, history, actions invoking a Lambda function with
AWS's event when its policy allows CloudWatch, and persistence across a restart.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-actions-Lambda.html
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from lamina.functions.service import FunctionService
from lamina.services.cloudwatch.provider import CloudWatchProvider
from lamina.services.lambda_ import LambdaProvider
from lamina.services.lambda_.targets import FunctionTargets
from lamina.services.logs.provider import LogsProvider
from tests.functional.services.lambda_.conftest import create
from tests.loopback import ACCOUNT, REGION, LoopbackServer

NAMESPACE = "Shop"
HANDLER = """
import json
def handler(event, context):
    print("ALARM EVENT " + json.dumps(event))
"""


class AlarmServer(LoopbackServer):
    def __init__(self, state_dir: Path) -> None:
        super().__init__()
        self.state_dir = state_dir
        self.cloudwatch = CloudWatchProvider(
            state_dir=state_dir, feed=False, region=REGION, account_id=ACCOUNT
        )
        self.logs = LogsProvider(state_dir=state_dir, region=REGION, account_id=ACCOUNT)
        self.functions = FunctionService(
            [], region=REGION, account_id=ACCOUNT, state_dir=state_dir, log_records=self.logs.record
        )
        self.lambda_ = LambdaProvider(
            self.functions, region=REGION, account_id=ACCOUNT, state_dir=state_dir
        )
        self.cloudwatch.alarms.action = FunctionTargets(
            self.lambda_.state, ACCOUNT, "lambda.alarms.cloudwatch.amazonaws.com"
        )
        self.serve(self.cloudwatch, self.lambda_, self.logs)
        self.run(self.lambda_.state.async_invoker.start())

    def client(self, service: str = "cloudwatch") -> Any:
        return boto3.client(service, **self.client_options())

    def release(self) -> None:
        self.run(self.lambda_.state.async_invoker.close())
        self.run(self.functions.close())
        self.logs.close()
        self.cloudwatch.close()


@pytest.fixture
def server(tmp_path: Path) -> Iterator[AlarmServer]:
    served = AlarmServer(tmp_path)
    yield served
    served.close()


def _minute(offset: int) -> datetime:
    return datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=offset)


def _put(client: Any, name: str, values: dict[int, float]) -> None:
    client.put_metric_data(
        Namespace=NAMESPACE,
        MetricData=[
            {"MetricName": name, "Timestamp": _minute(offset), "Value": value}
            for offset, value in values.items()
        ],
    )


def _alarm(client: Any, name: str, **overrides: Any) -> dict[str, Any]:
    params: dict[str, Any] = {
        "AlarmName": name,
        "Namespace": NAMESPACE,
        "MetricName": "Errors",
        "Statistic": "Sum",
        "Period": 60,
        "EvaluationPeriods": 3,
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
        **overrides,
    }
    client.put_metric_alarm(**params)
    (described,) = client.describe_alarms(AlarmNames=[name])["MetricAlarms"]
    return dict(described)


def test_alarm_goes_to_alarm_when_m_of_n_datapoints_breach(server: AlarmServer) -> None:
    client = server.client()
    _put(client, "Errors", {-3: 9, -2: 1, -1: 7})
    two_of_three = _alarm(client, "errors-2-of-3", DatapointsToAlarm=2)
    assert two_of_three["StateValue"] == "ALARM"
    assert two_of_three["StateReason"].startswith(
        "Threshold Crossed: 2 out of the last 3 datapoints ["
    )
    assert (
        "was greater than the threshold (5.0) (minimum 2 datapoints for"
        in (two_of_three["StateReason"])
    )
    data = json.loads(two_of_three["StateReasonData"])
    assert data["statistic"] == "Sum" and data["period"] == 60
    assert data["recentDatapoints"] == [9.0, 1.0, 7.0]
    all_three = _alarm(client, "errors-3-of-3")
    assert all_three["StateValue"] == "OK"
    assert all_three["StateReason"].startswith(
        "Threshold Crossed: 1 out of the last 3 datapoints [1.0 ("
    )
    assert all_three["StateReason"].endswith(
        "was not greater than the threshold (5.0) (minimum 1 datapoint for "
        "INSUFFICIENT_DATA -> OK transition)."
    )


@pytest.mark.parametrize(
    ("treat", "state"),
    [
        ("missing", "INSUFFICIENT_DATA"),
        ("breaching", "ALARM"),
        ("notBreaching", "OK"),
        ("ignore", "INSUFFICIENT_DATA"),  # an alarm that never had data keeps its first state
    ],
)
def test_missing_data_treatment(server: AlarmServer, treat: str, state: str) -> None:
    alarm = _alarm(server.client(), f"quiet-{treat}", TreatMissingData=treat)
    assert alarm["StateValue"] == state
    assert alarm["TreatMissingData"] == treat
    if state == "INSUFFICIENT_DATA" and treat == "missing":
        assert alarm["StateReason"] == "Insufficient Data: 3 datapoints were unknown."


def test_metric_math_alarm(server: AlarmServer) -> None:
    client = server.client()
    _put(client, "Errors", {-2: 3, -1: 4})
    _put(client, "Requests", {-2: 10, -1: 100})
    client.put_metric_alarm(
        AlarmName="error-rate",
        EvaluationPeriods=1,
        Threshold=20.0,
        ComparisonOperator="GreaterThanOrEqualToThreshold",
        Metrics=[
            {"Id": "e", "MetricStat": _stat("Errors"), "ReturnData": False},
            {"Id": "r", "MetricStat": _stat("Requests"), "ReturnData": False},
            {"Id": "rate", "Expression": "100 * e / r", "Label": "Error rate"},
        ],
    )
    (alarm,) = client.describe_alarms(AlarmNames=["error-rate"])["MetricAlarms"]
    # The last complete minute: 4 errors of 100 requests.
    assert alarm["StateValue"] == "OK" and "[4.0 (" in alarm["StateReason"]
    assert [m["Id"] for m in alarm["Metrics"]] == ["e", "r", "rate"]


def _stat(name: str) -> dict[str, Any]:
    return {"Metric": {"Namespace": NAMESPACE, "MetricName": name}, "Period": 60, "Stat": "Sum"}


def test_set_alarm_state_history_and_filters(server: AlarmServer) -> None:
    client = server.client()
    _alarm(client, "a-one", AlarmActions=["arn:aws:sns:us-east-1:123456789012:ops"])
    _alarm(client, "b-two")
    client.set_alarm_state(AlarmName="a-one", StateValue="ALARM", StateReason="drill")
    alarms = client.describe_alarms(StateValue="ALARM")["MetricAlarms"]
    assert [a["AlarmName"] for a in alarms] == ["a-one"]
    assert alarms[0]["StateReason"] == "drill"
    assert [
        a["AlarmName"] for a in client.describe_alarms(AlarmNamePrefix="b-")["MetricAlarms"]
    ] == ["b-two"]
    # AlarmNamePrefix excludes AlarmNames.
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
    with pytest.raises(ClientError) as raised:
        client.describe_alarms(AlarmNamePrefix="b-", AlarmNames=["b-two"])
    assert raised.value.response["Error"]["Code"] == "InvalidParameterCombination"
    by_action = client.describe_alarms(ActionPrefix="arn:aws:sns")["MetricAlarms"]
    assert [a["AlarmName"] for a in by_action] == ["a-one"]
    history = client.describe_alarm_history(AlarmName="a-one", HistoryItemType="StateUpdate")
    summaries = [item["HistorySummary"] for item in history["AlarmHistoryItems"]]
    assert summaries[0] == "Alarm updated from INSUFFICIENT_DATA to ALARM"
    for_metric = client.describe_alarms_for_metric(
        MetricName="Errors", Namespace=NAMESPACE, Statistic="Sum", Period=60
    )["MetricAlarms"]
    assert sorted(a["AlarmName"] for a in for_metric) == ["a-one", "b-two"]
    client.disable_alarm_actions(AlarmNames=["a-one"])
    assert (
        client.describe_alarms(AlarmNames=["a-one"])["MetricAlarms"][0]["ActionsEnabled"] is False
    )
    client.delete_alarms(AlarmNames=["a-one", "b-two"])
    assert client.describe_alarms()["MetricAlarms"] == []


def test_put_metric_alarm_validation(server: AlarmServer) -> None:
    client = server.client()
    with pytest.raises(ClientError) as raised:
        _alarm(client, "bad", DatapointsToAlarm=4)
    assert raised.value.response["Error"]["Code"] == "InvalidParameterValue"
    with pytest.raises(ClientError) as raised:
        _alarm(client, "bad", ExtendedStatistic="p99")
    assert raised.value.response["Error"]["Code"] == "InvalidParameterCombination"
    with pytest.raises(ClientError) as raised:
        client.set_alarm_state(AlarmName="nope", StateValue="OK", StateReason="x")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFound"


def _logged(server: AlarmServer, marker: str, timeout_s: float = 15.0) -> list[str]:
    logs = server.client("logs")
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            events = logs.filter_log_events(logGroupName="/aws/lambda/pager")["events"]
        except logs.exceptions.ResourceNotFoundException:
            events = []
        found = [e["message"] for e in events if marker in e["message"]]
        if found:
            return found
        time.sleep(0.1)
    return []


def test_alarm_action_invokes_a_function_allowed_by_its_policy(server: AlarmServer) -> None:
    lambda_ = server.client("lambda")
    function_arn = create(lambda_, "pager", HANDLER)["FunctionArn"]
    client = server.client()
    _alarm(client, "paged", AlarmActions=[function_arn], AlarmDescription="wake someone")
    # Without a permission for CloudWatch, the action fails and says why.
    client.set_alarm_state(AlarmName="paged", StateValue="ALARM", StateReason="first")
    deadline = time.monotonic() + 5
    actions: list[str] = []
    while time.monotonic() < deadline and not actions:
        items = client.describe_alarm_history(AlarmName="paged", HistoryItemType="Action")
        actions = [i["HistorySummary"] for i in items["AlarmHistoryItems"]]
        time.sleep(0.05)
    assert actions and "Not authorized to invoke function" in actions[0]

    lambda_.add_permission(
        FunctionName="pager",
        StatementId="AlarmAction",
        Action="lambda:InvokeFunction",
        Principal="lambda.alarms.cloudwatch.amazonaws.com",
        SourceArn=f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:paged",
    )
    client.set_alarm_state(AlarmName="paged", StateValue="OK", StateReason="calm")
    client.set_alarm_state(AlarmName="paged", StateValue="ALARM", StateReason="again")
    (line,) = _logged(server, "ALARM EVENT")
    event = json.loads(line.split("ALARM EVENT ", 1)[1])
    assert event["source"] == "aws.cloudwatch"
    assert event["alarmArn"] == f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:paged"
    assert (event["accountId"], event["region"]) == (ACCOUNT, REGION)
    data = event["alarmData"]
    assert data["alarmName"] == "paged"
    assert (data["state"]["value"], data["state"]["reason"]) == ("ALARM", "again")
    assert (data["previousState"]["value"], data["previousState"]["reason"]) == ("OK", "calm")
    assert data["configuration"]["description"] == "wake someone"
    (metric,) = data["configuration"]["metrics"]
    assert metric["metricStat"]["metric"] == {
        "namespace": NAMESPACE,
        "name": "Errors",
        "dimensions": {},
    }
    assert metric["metricStat"]["stat"] == "Sum" and metric["returnData"] is True


def test_dashboards(server: AlarmServer) -> None:
    client = server.client()
    body = json.dumps({"widgets": [{"type": "text", "properties": {"markdown": "# Shop"}}]})
    assert (
        client.put_dashboard(DashboardName="shop", DashboardBody=body)[
            "DashboardValidationMessages"
        ]
        == []
    )
    got = client.get_dashboard(DashboardName="shop")
    assert got["DashboardBody"] == body
    assert got["DashboardArn"] == f"arn:aws:cloudwatch::{ACCOUNT}:dashboard/shop"
    (entry,) = client.list_dashboards(DashboardNamePrefix="sh")["DashboardEntries"]
    assert entry["DashboardName"] == "shop" and entry["Size"] == len(body)
    with pytest.raises(ClientError) as raised:
        client.put_dashboard(DashboardName="bad", DashboardBody='{"widgets": 3}')
    assert raised.value.response["Error"]["Code"] == "InvalidParameterInput"
    client.delete_dashboards(DashboardNames=["shop"])
    with pytest.raises(ClientError) as raised:
        client.get_dashboard(DashboardName="shop")
    assert raised.value.response["Error"]["Code"] == "ResourceNotFound"


def test_alarms_and_dashboards_survive_a_restart(tmp_path: Path) -> None:
    first = AlarmServer(tmp_path)
    client = first.client()
    _alarm(client, "kept")
    client.set_alarm_state(AlarmName="kept", StateValue="ALARM", StateReason="before restart")
    client.put_dashboard(DashboardName="kept", DashboardBody='{"widgets": []}')
    first.close()
    second = AlarmServer(tmp_path)
    try:
        again = second.client()
        (alarm,) = again.describe_alarms(AlarmNames=["kept"])["MetricAlarms"]
        assert (alarm["StateValue"], alarm["StateReason"]) == ("ALARM", "before restart")
        assert again.get_dashboard(DashboardName="kept")["DashboardBody"] == '{"widgets": []}'
    finally:
        second.close()
