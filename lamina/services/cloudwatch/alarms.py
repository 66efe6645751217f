"""Metric alarms: their configuration, their evaluation each minute, state history, and the
actions a state change runs.

    PutMetricAlarm ─► AlarmBook ─ every minute (and at once when put) ─► evaluate
        evaluate: the last EvaluationPeriods complete periods of the metric (or metric
        math), missing datapoints treated per TreatMissingData, ALARM when at least
        DatapointsToAlarm of them breach the threshold
        state change ─► history item, and (ActionsEnabled) the new state's actions:
                        Lambda functions invoked asynchronously with AWS's alarm event

The book is kept as one JSON document under the state folder (written atomically on
every change), so alarms, their states and history survive a restart.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html
"""

from __future__ import annotations

import asyncio
import logging
import math
import operator
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import msgspec
import orjson

from lamina.aws.service import ServiceError
from lamina.core.files import write_atomically
from lamina.services.cloudwatch.query import STATISTICS, check_percentile, check_period
from lamina.services.cloudwatch.read import evaluate
from lamina.services.cloudwatch.store import MetricStore

log = logging.getLogger("lamina.services.cloudwatch")

STATES = ("OK", "ALARM", "INSUFFICIENT_DATA")
COMPARISONS: dict[str, tuple[Callable[[float, float], bool], str]] = {
    "GreaterThanOrEqualToThreshold": (operator.ge, "greater than or equal to"),
    "GreaterThanThreshold": (operator.gt, "greater than"),
    "LessThanThreshold": (operator.lt, "less than"),
    "LessThanOrEqualToThreshold": (operator.le, "less than or equal to"),
}
TREATMENTS = ("breaching", "notBreaching", "ignore", "missing")
MAX_HISTORY = 1000
"""Kept per alarm; CloudWatch keeps 30 days of history."""
MAX_EVALUATION_SECONDS = 86400
"""Period x EvaluationPeriods may not exceed one day (seven for 1-hour-plus periods is
not modelled)."""

EVALUATION_RANGE_EXTRA = 2
"""Periods an alarm reads before its EvaluationPeriods (its evaluation range): AWS's
example reads the 5 most recent datapoints of a 3-period alarm [choice: "the exact number
depends on the length of the alarm period", not documented further]."""

Point = tuple[int, float | None]
"""A period's start and its value (None: missing)."""
Previous = tuple[str, str, str, float]
"""An alarm's state before a change: value, reason, reason data, when it was set."""
ALARM_PRINCIPAL = "lambda.alarms.cloudwatch.amazonaws.com"
"""The principal a function's resource policy must allow for alarm actions.
https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/alarms-and-actions-Lambda.html"""


class AlarmAction(Protocol):
    """Delivers a Lambda alarm action (lambda_.targets.FunctionTargets)."""

    def refusal(self, function_arn: str, source_arn: str) -> str | None: ...

    async def send(self, function_arn: str, payload: bytes) -> None: ...


class Alarm(msgspec.Struct, kw_only=True):
    name: str
    arn: str
    config: dict[str, Any]
    """PutMetricAlarm's parameters as given (the described fields come from here)."""
    state: str = "INSUFFICIENT_DATA"
    reason: str = "Unchecked: Initial alarm creation"
    reason_data: str = ""
    state_updated: float = 0.0
    state_transitioned: float = 0.0
    config_updated: float = 0.0
    tags: dict[str, str] = msgspec.field(default_factory=dict)


class HistoryItem(msgspec.Struct, kw_only=True):
    alarm: str
    kind: str
    """StateUpdate, ConfigurationUpdate or Action."""
    summary: str
    data: str
    at: float


class _Book(msgspec.Struct, kw_only=True):
    alarms: list[Alarm] = msgspec.field(default_factory=list)
    history: list[HistoryItem] = msgspec.field(default_factory=list)


def invalid(message: str) -> ServiceError:
    return ServiceError("InvalidParameterValue", message)


def stamp(at: float) -> str:
    """CloudWatch's alarm timestamps: 2023-08-04T12:36:15.490+0000."""
    moment = datetime.fromtimestamp(at, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


class AlarmBook:
    def __init__(
        self,
        store: MetricStore,
        *,
        path: Path | None,
        region: str,
        account_id: str,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._path = path
        self._region = region
        self._account = account_id
        self._clock = clock
        self.alarms: dict[str, Alarm] = {}
        self.history: list[HistoryItem] = []
        self.action: AlarmAction | None = None
        """Set by `lamina up`: delivers Lambda actions (None: actions are only logged)."""
        self._pending: set[asyncio.Task[None]] = set()
        self._changes = 0
        """History items added so far: the minute's evaluation writes the book only when a
        state changed (the book, history included, is rewritten whole and fsynced)."""
        if path is not None and path.exists():
            book = msgspec.json.decode(path.read_bytes(), type=_Book)
            self.alarms = {alarm.name: alarm for alarm in book.alarms}
            self.history = book.history

    # -- configuration ---------------------------------------------------------------------

    def put(self, params: dict[str, Any]) -> None:
        config = _validated(params)
        now = self._clock()
        # An alarm that cannot be evaluated (a ThresholdMetricId naming no query, an
        # expression giving several series) is refused here, before anything is stored.
        self._window_values(config, now)
        name = config["AlarmName"]
        existing = self.alarms.get(name)
        tags = {t["Key"]: t["Value"] for t in params.get("Tags") or []}
        if existing is None:
            alarm = Alarm(
                name=name,
                arn=f"arn:aws:cloudwatch:{self._region}:{self._account}:alarm:{name}",
                config=config,
                state_updated=now,
                state_transitioned=now,
                config_updated=now,
                tags=tags,
            )
            self.alarms[name] = alarm
            summary = f'Alarm "{name}" created'
        else:
            existing.config = config
            existing.config_updated = now
            if tags:
                existing.tags.update(tags)
            alarm = existing
            summary = f'Alarm "{name}" updated'
        self._remember(alarm, "ConfigurationUpdate", summary, {"type": "Update"}, now)
        self.evaluate(alarm, now)
        self.save()

    def delete(self, names: list[str]) -> None:
        missing = [name for name in names if name not in self.alarms]
        if missing:
            # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DeleteAlarms.html
            raise ServiceError(
                "ResourceNotFound", f"1 of the alarms could not be found: {missing[0]}", status=404
            )
        for name in names:
            del self.alarms[name]
        self.save()

    def set_state(self, name: str, state: str, reason: str, reason_data: str | None) -> None:
        alarm = self.alarms.get(name)
        if alarm is None:
            raise ServiceError("ResourceNotFound", f"Alarm {name} not found", status=404)
        if reason_data:
            try:
                orjson.loads(reason_data)
            except orjson.JSONDecodeError:
                raise invalid("StateReasonData is invalid JSON") from None
        self._change(alarm, state, reason, reason_data or "", self._clock())
        self.save()

    def enable_actions(self, names: list[str], enabled: bool) -> None:
        for name in names:
            alarm = self.alarms.get(name)
            if alarm is not None:
                alarm.config["ActionsEnabled"] = enabled
        self.save()

    # -- evaluation ------------------------------------------------------------------------

    def evaluate_all(self) -> None:
        """Evaluate every alarm; save when one changed state. (A reason reworded without a
        change is not written: after a restart the next evaluation words it again.)"""
        now = self._clock()
        changes = self._changes
        for alarm in list(self.alarms.values()):
            try:
                self.evaluate(alarm, now)
            except ServiceError as error:
                log.warning("alarm %s could not be evaluated: %s", alarm.name, error.message)
            except Exception:  # one broken alarm never stops the others' evaluation
                log.exception("alarm %s could not be evaluated", alarm.name)
        if self._changes != changes:
            self.save()

    def evaluate(self, alarm: Alarm, now: float) -> None:
        """The alarm's state from the EvaluationPeriods datapoints chosen out of its
        evaluation range (`_evaluated`), missing ones treated per TreatMissingData; the
        outcomes are those of AWS's tables in "How alarm state is evaluated when data is
        missing" (AlarmThatSendsEmail.html#alarms-evaluating-missing-data)."""
        config = alarm.config
        period = _period(config)
        periods = int(config["EvaluationPeriods"])
        to_alarm = int(config.get("DatapointsToAlarm") or periods)
        start, values = self._window_values(config, now)
        in_range = [start + index * period for index in range(periods + EVALUATION_RANGE_EXTRA)]
        evaluated = _evaluated([(slot, values.get(slot)) for slot in in_range], periods)
        slots = [slot for slot, _ in evaluated]
        treat = config.get("TreatMissingData") or "missing"
        compare, wording = COMPARISONS[config["ComparisonOperator"]]
        threshold = float(config.get("Threshold", 0.0))
        breaching: list[tuple[int, float]] = []
        fine: list[tuple[int, float]] = []
        missing = 0
        for slot, value in evaluated:
            if value is None:
                missing += 1
                if treat == "breaching":
                    breaching.append((slot, math.nan))
                elif treat == "notBreaching":
                    fine.append((slot, math.nan))
                continue
            (breaching if compare(value, threshold) else fine).append((slot, value))
        data = _reason_data(config, now, slots[0], period, values, slots, threshold)
        # Treated as missing, datapoints that all breach (too few of them) still alarm when
        # the oldest evaluated one is real: the table's `X - - - -` row, against `- - - - X`.
        oldest_breaches = treat == "missing" and evaluated[0][1] is not None
        if len(breaching) >= to_alarm or (breaching and not fine and oldest_breaches):
            shown = breaching[-to_alarm:] if to_alarm else breaching
            reason = (
                f"Threshold Crossed: {len(breaching)} out of the last {periods} datapoints "
                f"{_listed(shown)} was {wording} the threshold ({threshold}) (minimum "
                f"{to_alarm} datapoint{'s' if to_alarm > 1 else ''} for "
                f"{alarm.state} -> ALARM transition)."
            )
            self._change(alarm, "ALARM", reason, data, now)
        elif fine:
            # Worded as the ALARM reason is, for the way back (the SNS example on
            # https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html).
            reason = (
                f"Threshold Crossed: {len(fine)} out of the last {periods} datapoints "
                f"{_listed(fine[-5:])} was not {wording} the threshold ({threshold}) "
                f"(minimum 1 datapoint for {alarm.state} -> OK transition)."
            )
            self._change(alarm, "OK", reason, data, now)
        elif treat != "ignore":
            reason = (
                f"Insufficient Data: {missing} datapoint{'s were' if missing > 1 else ' was'} "
                "unknown."
            )
            self._change(alarm, "INSUFFICIENT_DATA", reason, data, now)

    def _window_values(self, config: dict[str, Any], now: float) -> tuple[int, dict[int, float]]:
        """The start of the alarm's evaluation range (the last EvaluationPeriods complete
        periods and EVALUATION_RANGE_EXTRA before them), and the range's values."""
        period = _period(config)
        end = int(now) // period * period
        start = end - period * (int(config["EvaluationPeriods"]) + EVALUATION_RANGE_EXTRA)
        return start, self._values(config, start, end, now)

    def _values(self, config: dict[str, Any], start: int, end: int, now: float) -> dict[int, float]:
        if config.get("Metrics"):
            queries = config["Metrics"]
            wanted = config.get("ThresholdMetricId") or next(
                (q["Id"] for q in queries if q.get("ReturnData", True) is not False),
                queries[0]["Id"],
            )
            if all(q["Id"] != wanted for q in queries):
                raise invalid(f"ThresholdMetricId {wanted} names no query of the alarm's Metrics.")
            series = evaluate(self._store, queries, start, end, now, returned=[wanted])
            return dict(series[wanted].points)
        stat = config.get("Statistic") or config.get("ExtendedStatistic")
        metric = {
            "Namespace": config["Namespace"],
            "MetricName": config["MetricName"],
            "Dimensions": config.get("Dimensions") or [],
        }
        single: dict[str, Any] = {
            "Id": "m",
            "MetricStat": {"Metric": metric, "Period": _period(config), "Stat": stat},
        }
        if config.get("Unit"):
            single["MetricStat"]["Unit"] = config["Unit"]
        return dict(evaluate(self._store, [single], start, end, now)["m"].points)

    def _change(self, alarm: Alarm, state: str, reason: str, data: str, now: float) -> None:
        previous = (alarm.state, alarm.reason, alarm.reason_data, alarm.state_updated)
        alarm.reason, alarm.reason_data = reason, data
        if state == alarm.state:
            return
        alarm.state = state
        alarm.state_updated = alarm.state_transitioned = now
        summary = f"Alarm updated from {previous[0]} to {state}"
        history = {
            "version": "1.0",
            "oldState": {"stateValue": previous[0], "stateReason": previous[1]},
            "newState": {"stateValue": state, "stateReason": reason},
        }
        self._remember(alarm, "StateUpdate", summary, history, now)
        if alarm.config.get("ActionsEnabled", True):
            self._run_actions(alarm, previous, now)

    def _remember(
        self, alarm: Alarm, kind: str, summary: str, data: dict[str, Any], at: float
    ) -> None:
        self._changes += 1
        self.history.append(
            HistoryItem(
                alarm=alarm.name,
                kind=kind,
                summary=summary,
                data=orjson.dumps(data).decode(),
                at=at,
            )
        )
        mine = [item for item in self.history if item.alarm == alarm.name]
        if len(mine) > MAX_HISTORY:
            oldest = mine[0]
            self.history.remove(oldest)

    # -- actions ---------------------------------------------------------------------------

    def _run_actions(self, alarm: Alarm, previous: Previous, now: float) -> None:
        key = {"OK": "OKActions", "ALARM": "AlarmActions"}.get(
            alarm.state, "InsufficientDataActions"
        )
        for arn in alarm.config.get(key) or []:
            if ":lambda:" not in arn or self.action is None:
                log.warning(
                    "alarm %s: action %s not run (Lamina runs Lambda function actions only)",
                    alarm.name,
                    arn,
                )
                continue
            event = self.lambda_event(alarm, previous, now)
            self._deliver(alarm, arn, event, now)

    def _deliver(self, alarm: Alarm, arn: str, event: bytes, now: float) -> None:
        action = self.action
        assert action is not None

        async def run() -> None:
            refused = action.refusal(arn, alarm.arn)
            if refused is not None:
                summary, state = (
                    f"Failed to execute action {arn}. Received error: {refused}",
                    "Failed",
                )
            else:
                try:
                    await action.send(arn, event)
                    summary, state = f"Successfully executed action {arn}", "Succeeded"
                except Exception as error:
                    summary, state = f"Failed to execute action {arn}: {error}", "Failed"
            if state == "Failed":
                log.warning("alarm %s: %s", alarm.name, summary)
            self._remember(alarm, "Action", summary, {"actionState": state}, now)
            self.save()

        try:
            task = asyncio.get_running_loop().create_task(run())
        except RuntimeError:
            log.warning("alarm %s: action %s not run (no event loop)", alarm.name, arn)
            return
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    def lambda_event(self, alarm: Alarm, previous: Previous, now: float) -> bytes:
        """The event a Lambda alarm action receives.
        https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#Lambda-action-payload
        """
        previous_state: dict[str, Any] = {
            "value": previous[0],
            "reason": previous[1],
            "timestamp": stamp(previous[3]),
        }
        if previous[2]:
            previous_state["reasonData"] = previous[2]
        state: dict[str, Any] = {
            "value": alarm.state,
            "reason": alarm.reason,
            "timestamp": stamp(now),
        }
        if alarm.reason_data:
            state["reasonData"] = alarm.reason_data
        configuration: dict[str, Any] = {"metrics": _event_metrics(alarm.config)}
        if alarm.config.get("AlarmDescription"):
            configuration = {"description": alarm.config["AlarmDescription"], **configuration}
        event = {
            "source": "aws.cloudwatch",
            "alarmArn": alarm.arn,
            "accountId": self._account,
            "time": stamp(now),
            "region": self._region,
            "alarmData": {
                "alarmName": alarm.name,
                "state": state,
                "previousState": previous_state,
                "configuration": configuration,
            },
        }
        return orjson.dumps(event)

    # -- persistence -----------------------------------------------------------------------

    def save(self) -> None:
        if self._path is None:
            return
        book = _Book(alarms=list(self.alarms.values()), history=self.history)
        write_atomically(self._path, msgspec.json.encode(book))

    # -- description -----------------------------------------------------------------------

    def describe(self, alarm: Alarm) -> dict[str, Any]:
        config = alarm.config
        shape: dict[str, Any] = {
            "AlarmName": alarm.name,
            "AlarmArn": alarm.arn,
            "AlarmConfigurationUpdatedTimestamp": datetime.fromtimestamp(alarm.config_updated, UTC),
            "ActionsEnabled": config.get("ActionsEnabled", True),
            "OKActions": list(config.get("OKActions") or []),
            "AlarmActions": list(config.get("AlarmActions") or []),
            "InsufficientDataActions": list(config.get("InsufficientDataActions") or []),
            "StateValue": alarm.state,
            "StateReason": alarm.reason,
            "StateUpdatedTimestamp": datetime.fromtimestamp(alarm.state_updated, UTC),
            "StateTransitionedTimestamp": datetime.fromtimestamp(alarm.state_transitioned, UTC),
            "EvaluationPeriods": int(config["EvaluationPeriods"]),
            "ComparisonOperator": config["ComparisonOperator"],
            "TreatMissingData": config.get("TreatMissingData") or "missing",
        }
        if alarm.reason_data:
            shape["StateReasonData"] = alarm.reason_data
        for field in (
            "AlarmDescription",
            "MetricName",
            "Namespace",
            "Statistic",
            "ExtendedStatistic",
            "Unit",
            "DatapointsToAlarm",
            "Threshold",
            "ThresholdMetricId",
            "EvaluateLowSampleCountPercentile",
        ):
            if config.get(field) is not None:
                shape[field] = config[field]
        if "MetricName" in config:
            shape["Dimensions"] = list(config.get("Dimensions") or [])
            shape["Period"] = int(config["Period"])
        if config.get("Metrics"):
            shape["Metrics"] = config["Metrics"]
        return shape

    def history_items(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        name = params.get("AlarmName")
        kind = params.get("HistoryItemType")
        begin = params["StartDate"].timestamp() if params.get("StartDate") else 0.0
        until = params["EndDate"].timestamp() if params.get("EndDate") else math.inf
        items = [
            item
            for item in self.history
            if (name is None or item.alarm == name)
            and (kind is None or item.kind == kind)
            and begin <= item.at <= until
        ]
        items.sort(key=lambda item: item.at, reverse=params.get("ScanBy") != "TimestampAscending")
        return [
            {
                "AlarmName": item.alarm,
                "AlarmType": "MetricAlarm",
                "Timestamp": datetime.fromtimestamp(item.at, UTC),
                "HistoryItemType": item.kind,
                "HistorySummary": item.summary,
                "HistoryData": item.data,
            }
            for item in items
        ]


def _evaluated(points: list[Point], periods: int) -> list[Point]:
    """The `periods` datapoints an alarm evaluates out of its evaluation range `points`
    (oldest first, None: missing): the most recent periods, a missing one replaced by a real
    datapoint from earlier in the range (the latest first), so that missing data is used
    "only as few times as possible". Those brought in are older: they come first.
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/AlarmThatSendsEmail.html#alarms-evaluating-missing-data
    """
    recent = points[-periods:]
    gaps = [index for index, (_, value) in enumerate(recent) if value is None]
    earlier = [point for point in points[:-periods] if point[1] is not None]
    taken = min(len(gaps), len(earlier))
    if not taken:
        return recent
    filled = set(gaps[:taken])  # the oldest gaps give way
    kept = [point for index, point in enumerate(recent) if index not in filled]
    return earlier[len(earlier) - taken :] + kept


def _period(config: dict[str, Any]) -> int:
    if config.get("Metrics"):
        periods = [
            int(q["MetricStat"]["Period"]) for q in config["Metrics"] if "MetricStat" in q
        ] + [int(q["Period"]) for q in config["Metrics"] if "Period" in q]
        return min(periods) if periods else 60
    return int(config["Period"])


def _listed(points: list[tuple[int, float]]) -> str:
    """[1234.0 (06/03/15 17:43:00), ...] as CloudWatch's reasons list datapoints."""
    shown = []
    for slot, value in reversed(points):
        when = datetime.fromtimestamp(slot, UTC).strftime("%d/%m/%y %H:%M:%S")
        shown.append(f"{'NaN' if math.isnan(value) else value} ({when})")
    return "[" + ", ".join(shown) + "]"


def _reason_data(
    config: dict[str, Any],
    now: float,
    start: int,
    period: int,
    values: dict[int, float],
    slots: list[int],
    threshold: float,
) -> str:
    data: dict[str, Any] = {"version": "1.0", "queryDate": stamp(now), "startDate": stamp(start)}
    statistic = config.get("Statistic") or config.get("ExtendedStatistic")
    if statistic:
        data["statistic"] = statistic
    data |= {
        "period": period,
        "recentDatapoints": [values[slot] for slot in slots if slot in values],
        "threshold": threshold,
        "evaluatedDatapoints": [
            {"timestamp": stamp(slot), **({"value": values[slot]} if slot in values else {})}
            for slot in reversed(slots)
        ],
    }
    return orjson.dumps(data).decode()


def _event_metrics(config: dict[str, Any]) -> list[dict[str, Any]]:
    """The alarm's metrics in the event's camel case."""
    if config.get("Metrics"):
        metrics = []
        for query in config["Metrics"]:
            item: dict[str, Any] = {"id": query["Id"], "returnData": query.get("ReturnData", True)}
            if "Expression" in query:
                item["expression"] = query["Expression"]
                if query.get("Label"):
                    item["label"] = query["Label"]
            else:
                item["metricStat"] = _metric_stat(query["MetricStat"])
            metrics.append(item)
        return metrics
    stat = {
        "Metric": {
            "Namespace": config["Namespace"],
            "MetricName": config["MetricName"],
            "Dimensions": config.get("Dimensions") or [],
        },
        "Period": config["Period"],
        "Stat": config.get("Statistic") or config.get("ExtendedStatistic"),
    }
    if config.get("Unit"):
        stat["Unit"] = config["Unit"]
    return [{"id": "m1", "metricStat": _metric_stat(stat), "returnData": True}]


def _metric_stat(stat: dict[str, Any]) -> dict[str, Any]:
    metric = stat["Metric"]
    shaped: dict[str, Any] = {
        "metric": {
            "namespace": metric["Namespace"],
            "name": metric["MetricName"],
            "dimensions": {d["Name"]: d["Value"] for d in metric.get("Dimensions") or []},
        },
        "period": int(stat["Period"]),
        "stat": stat["Stat"],
    }
    if stat.get("Unit"):
        shaped["unit"] = stat["Unit"]
    return shaped


def _validated(params: dict[str, Any]) -> dict[str, Any]:
    """PutMetricAlarm's parameters, checked as CloudWatch checks them.
    https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricAlarm.html"""
    config = {k: v for k, v in params.items() if k != "Tags"}
    # Templates may give numbers as strings.
    for field, kind in (
        ("Threshold", float),
        ("Period", int),
        ("EvaluationPeriods", int),
        ("DatapointsToAlarm", int),
    ):
        if config.get(field) is not None:
            try:
                config[field] = kind(config[field])
            except (TypeError, ValueError):
                raise invalid(
                    f"The value {config[field]} for parameter {field} is not valid."
                ) from None
    uses_metrics = bool(config.get("Metrics"))
    if uses_metrics and any(k in config for k in ("MetricName", "Namespace", "Statistic")):
        raise ServiceError(
            "InvalidParameterCombination",
            "The parameters MetricName, Namespace and Statistic cannot be used with Metrics.",
        )
    if not uses_metrics:
        for required in ("MetricName", "Namespace", "Period"):
            if required not in config:
                raise ServiceError(
                    "MissingParameter", f"The parameter {required} is required.", status=400
                )
        statistic, extended = config.get("Statistic"), config.get("ExtendedStatistic")
        if bool(statistic) == bool(extended):
            raise ServiceError(
                "InvalidParameterCombination",
                "Exactly one of the parameters Statistic or ExtendedStatistic must be specified.",
            )
        if statistic and statistic not in STATISTICS:
            raise invalid(f"The value {statistic} for parameter Statistic is not valid.")
        if extended:
            check_percentile(extended, "ExtendedStatistic")
        check_period(int(config["Period"]))
    else:
        returned = [q for q in config["Metrics"] if q.get("ReturnData", True) is not False]
        if len(returned) != 1 and not config.get("ThresholdMetricId"):
            raise invalid("Exactly one element of the metrics list should return data.")
    if config["ComparisonOperator"] not in COMPARISONS:
        raise invalid(
            f"The value {config['ComparisonOperator']} for parameter ComparisonOperator is not "
            "supported by Lamina (anomaly detection bands are not evaluated)."
        )
    if "Threshold" not in config:
        raise ServiceError("MissingParameter", "The parameter Threshold is required.", status=400)
    periods = int(config["EvaluationPeriods"])
    if periods < 1:
        raise invalid("The parameter EvaluationPeriods must be greater than or equal to 1.")
    to_alarm = config.get("DatapointsToAlarm")
    if to_alarm is not None and not 1 <= int(to_alarm) <= periods:
        raise invalid(
            "DatapointsToAlarm must be greater than 0 and less than or equal to EvaluationPeriods."
        )
    if _period(config) * periods > MAX_EVALUATION_SECONDS:
        raise invalid(
            "The evaluation period, Period * EvaluationPeriods, must not exceed 86400 seconds."
        )
    treat = config.get("TreatMissingData")
    if treat is not None and treat not in TREATMENTS:
        raise invalid(f"The value {treat} for parameter TreatMissingData is not valid.")
    return config
