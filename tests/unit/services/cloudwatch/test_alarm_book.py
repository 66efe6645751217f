"""Alarm evaluation: missing data as AWS's tables decide it, and the error paths (an alarm
that cannot be evaluated is refused by PutMetricAlarm, nothing stored; one alarm failing at
evaluation time never stops the minute's evaluation of the others)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from lamina.aws.service import ServiceError
from lamina.core.metric_feed import Datapoint
from lamina.services.cloudwatch.alarms import AlarmBook
from lamina.services.cloudwatch.store import MetricStore
from tests.clock import ManualClock

NOW = 1_700_000_040.0  # a minute boundary
STAT = {"Metric": {"Namespace": "N", "MetricName": "M"}, "Period": 60, "Stat": "Sum"}


def _book(values: dict[int, float] | None = None, path: Path | None = None) -> AlarmBook:
    """A book over metric N/M with `values` by minutes ago (default: 3.0 two minutes ago,
    9.0 one minute ago)."""
    clock = ManualClock(NOW)
    store = MetricStore(clock)
    for minutes_ago, value in (values if values is not None else {2: 3.0, 1: 9.0}).items():
        stamp = int(NOW) - 60 * minutes_ago
        store.add([Datapoint("N", "M", (), stamp, "None", 1.0, value, value, value,
                             ((value, 1.0),), 60)])  # fmt: skip
    return AlarmBook(store, path=path, region="us-east-1", account_id="123456789012", clock=clock)


# https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data
# Both tables: the 5 most recent datapoints, oldest first (0 not breaching, X breaching,
# - missing); the outcome for missing, ignore, breaching, notBreaching. RETAIN: the state
# before (OK here) is kept.
RETAIN = "OK (kept)"
TABLES = [
    # 3 out of 3
    ("0 - X - X", 3, ("OK", "OK", "OK", "OK")),
    ("0 - - - -", 3, ("OK", "OK", "OK", "OK")),
    ("- - - - -", 3, ("INSUFFICIENT_DATA", RETAIN, "ALARM", "OK")),
    ("0 X X - X", 3, ("ALARM", "ALARM", "ALARM", "ALARM")),
    ("- - - - X", 3, ("INSUFFICIENT_DATA", RETAIN, "ALARM", "OK")),
    ("X - - - -", 3, ("ALARM", RETAIN, "ALARM", "OK")),
    # 2 out of 3
    ("0 - X - X", 2, ("ALARM", "ALARM", "ALARM", "ALARM")),
    ("0 0 X 0 X", 2, ("ALARM", "ALARM", "ALARM", "ALARM")),
    ("0 - X - -", 2, ("OK", "OK", "ALARM", "OK")),
    ("- - - - 0", 2, ("OK", "OK", "ALARM", "OK")),
    ("- - - - X", 2, ("INSUFFICIENT_DATA", RETAIN, "ALARM", "OK")),
]


@pytest.mark.parametrize(("points", "to_alarm", "outcomes"), TABLES)
@pytest.mark.parametrize(
    "treat", ["missing", "ignore", "breaching", "notBreaching"], ids=lambda t: str(t)
)
def test_missing_data_outcomes_follow_aws_tables(
    points: str, to_alarm: int, outcomes: tuple[str, ...], treat: str
) -> None:
    marks = points.split()
    values = {5 - index: {"0": 1.0, "X": 9.0}[mark] for index, mark in enumerate(marks)
              if mark != "-"}  # fmt: skip
    book = _book(values)
    alarm_config = {
        "AlarmName": "table",
        "Namespace": "N",
        "MetricName": "M",
        "Statistic": "Maximum",
        "Period": 60,
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": to_alarm,
        "Threshold": 5.0,
        "ComparisonOperator": "GreaterThanThreshold",
        "TreatMissingData": treat,
    }
    book.put(alarm_config)
    alarm = book.alarms["table"]
    alarm.state = "OK"
    book.evaluate(alarm, NOW)
    expected = outcomes[["missing", "ignore", "breaching", "notBreaching"].index(treat)]
    assert alarm.state == ("OK" if expected == RETAIN else expected)


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


def test_evaluate_all_writes_the_book_only_when_a_state_changed(tmp_path: Path) -> None:
    path = tmp_path / "alarms.json"
    book = _book(path=path)
    book.put(_math_alarm("watch", "m * 2", DatapointsToAlarm=1))
    written = path.stat().st_ino
    book.evaluate_all()  # still ALARM: nothing to write
    assert path.stat().st_ino == written
    book.alarms["watch"].state = "OK"
    book.evaluate_all()  # OK -> ALARM: written (a new file renamed over the old one)
    assert path.stat().st_ino != written
