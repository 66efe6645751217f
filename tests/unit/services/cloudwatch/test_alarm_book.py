"""Alarm evaluation's error paths: an alarm that cannot be evaluated is refused by
PutMetricAlarm (nothing stored), and one alarm failing at evaluation time never stops the
minute's evaluation of the others."""

from __future__ import annotations

from typing import Any

import pytest

from lamina.aws.service import ServiceError
from lamina.core.metric_feed import Datapoint
from lamina.services.cloudwatch.alarms import AlarmBook
from lamina.services.cloudwatch.store import MetricStore
from tests.clock import ManualClock

NOW = 1_700_000_040.0  # a minute boundary
STAT = {"Metric": {"Namespace": "N", "MetricName": "M"}, "Period": 60, "Stat": "Sum"}


def _book() -> AlarmBook:
    clock = ManualClock(NOW)
    store = MetricStore(clock)
    for minutes_ago, value in ((2, 3.0), (1, 9.0)):
        stamp = int(NOW) - 60 * minutes_ago
        store.add([Datapoint("N", "M", (), stamp, "None", 1.0, value, value, value,
                             ((value, 1.0),), 60)])  # fmt: skip
    return AlarmBook(store, path=None, region="us-east-1", account_id="123456789012", clock=clock)


def _math_alarm(name: str, expression: str, **extra: Any) -> dict[str, Any]:
    return {
        "AlarmName": name,
        "EvaluationPeriods": 2,
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "Metrics": [
            {"Id": "m", "MetricStat": STAT, "ReturnData": False},
            {"Id": "e", "Expression": expression},
        ],
        **extra,
    }


@pytest.mark.parametrize(
    ("expression", "extra", "code"),
    [
        ("m * 2", {"ThresholdMetricId": "nope"}, "InvalidParameterValue"),
        ("[m, m * 2]", {}, "ValidationError"),
        ('m + "text"', {}, "ValidationError"),
    ],
)
def test_put_alarm_that_cannot_be_evaluated_is_refused_and_not_kept(
    expression: str, extra: dict[str, Any], code: str
) -> None:
    book = _book()
    with pytest.raises(ServiceError) as raised:
        book.put(_math_alarm("broken", expression, **extra))
    assert raised.value.code == code
    assert "broken" not in book.alarms
    assert book.history == []


def test_evaluate_all_an_alarm_failing_leaves_the_others_evaluated() -> None:
    book = _book()
    book.put(_math_alarm("first", "m * 2"))
    book.put(_math_alarm("second", "m * 2", DatapointsToAlarm=1))
    # A configuration that no longer evaluates (as a hand-edited state file could hold).
    book.alarms["first"].config["ThresholdMetricId"] = "gone"
    book.alarms["second"].state = "OK"
    book.evaluate_all()
    assert book.alarms["second"].state == "ALARM"
    assert book.alarms["first"].state == "ALARM"  # unchanged, not crashed
