"""CloudWatchProvider: the botocore "cloudwatch" service: PutMetricData,
GetMetricStatistics, GetMetricData (with metric math), ListMetrics over Lamina's metric
store; metric alarms (alarms.py, evaluated each minute) and dashboards (dashboards.py).

    gateway / runtime ─ cells ─► MetricFeed ─ drain (each minute, before each read) ─┐
    function logs ─ EmfTap ─ EMF lines ───────────────────────────────────────────────┤
    PutMetricData ────────────────────────────────────────────────────────────────────┴► MetricStore
    MetricStore ─ changes each minute, in an executor thread ─► <state>/metrics.sqlite3

botocore's model speaks the JSON protocol for CloudWatch (awsQueryCompatible): errors carry
the query-protocol codes clients match on (InvalidParameterValue, InvalidParameterCombination).
https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/Welcome.html
"""

from __future__ import annotations

import asyncio
import base64
import logging
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lamina.aws.service import (
    AwsRequestContext,
    Handler,
    OperationInput,
    OperationOutput,
    ServiceError,
)
from lamina.core.metric_feed import Datapoint, MetricFeed
from lamina.functions.logfile import LogSink
from lamina.services.cloudwatch.alarms import Alarm, AlarmBook
from lamina.services.cloudwatch.dashboards import DashboardBook
from lamina.services.cloudwatch.emf import EmfTap
from lamina.services.cloudwatch.persist import MetricFile
from lamina.services.cloudwatch.put import datapoints
from lamina.services.cloudwatch.read import get_metric_data, get_metric_statistics
from lamina.services.cloudwatch.store import MetricStore

log = logging.getLogger("lamina.services.cloudwatch")

FEED_ENV = "LAMINA_CLOUDWATCH_FEED"
"""`LAMINA_CLOUDWATCH_FEED=off`: the gateway and functions do not feed the CloudWatch API
(PutMetricData and EMF still work); to measure what the feed costs."""
LIST_PAGE = 500
LIST_WINDOW_S = 14 * 86400
RECENT_S = 3 * 3600


def feed_enabled(environ: Mapping[str, str] = os.environ) -> bool:
    return environ.get(FEED_ENV, "on").lower() not in ("off", "0", "false", "no")


class CloudWatchProvider:
    def __init__(
        self,
        *,
        state_dir: Path | None,
        clock: Callable[[], float] = time.time,
        feed: bool | None = None,
        region: str = "us-east-1",
        account_id: str = "123456789012",
        evaluate_s: float = 60.0,
    ) -> None:
        """`state_dir` None: memory only. `feed` None: on unless LAMINA_CLOUDWATCH_FEED=off.
        `evaluate_s`: how often alarms are evaluated (CloudWatch: each minute)."""
        self._clock = clock
        self.store = MetricStore(clock)
        self.alarms = AlarmBook(
            self.store,
            path=state_dir / "cloudwatch-alarms.json" if state_dir is not None else None,
            region=region,
            account_id=account_id,
            clock=clock,
        )
        self.dashboards = DashboardBook(
            path=state_dir / "cloudwatch-dashboards.json" if state_dir is not None else None,
            region=region,
            account_id=account_id,
            clock=clock,
        )
        self._evaluate_s = evaluate_s
        self._evaluating: asyncio.TimerHandle | None = None
        self._file = MetricFile(state_dir / "metrics.sqlite3") if state_dir is not None else None
        if self._file is not None:
            self._file.load(self.store, clock())
        enabled = feed_enabled() if feed is None else feed
        self.feed: MetricFeed | None = (
            MetricFeed(self.store.add, on_minute=self._persist_later) if enabled else None
        )
        """Connect recorders with `feed_to(provider.feed)`; None when the feed is off."""
        self._writing: asyncio.Future[None] | None = None
        self._taps: list[EmfTap] = []
        self._handlers: dict[str, Handler] = {
            "PutMetricData": self._put_metric_data,
            "GetMetricStatistics": self._get_metric_statistics,
            "GetMetricData": self._get_metric_data,
            "ListMetrics": self._list_metrics,
            "PutMetricAlarm": self._put_metric_alarm,
            "DescribeAlarms": self._describe_alarms,
            "DescribeAlarmsForMetric": self._describe_alarms_for_metric,
            "DeleteAlarms": self._delete_alarms,
            "SetAlarmState": self._set_alarm_state,
            "EnableAlarmActions": self._enable_alarm_actions,
            "DisableAlarmActions": self._disable_alarm_actions,
            "DescribeAlarmHistory": self._describe_alarm_history,
            "TagResource": self._tag_resource,
            "UntagResource": self._untag_resource,
            "ListTagsForResource": self._list_tags_for_resource,
            "PutDashboard": self._put_dashboard,
            "GetDashboard": self._get_dashboard,
            "ListDashboards": self._list_dashboards,
            "DeleteDashboards": self._delete_dashboards,
        }

    @property
    def service_name(self) -> str:
        return "cloudwatch"

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers

    def tap_logs(self, sink: LogSink | None) -> LogSink:
        """A function log sink that forwards to `sink` and reads EMF lines into the store."""
        tap = EmfTap(sink, self.record)
        self._taps.append(tap)
        return tap

    def record(self, points: list[Datapoint]) -> None:
        self.store.add(points)

    def start(self) -> None:
        """Start the feed's minute timer and the alarms' evaluation (on the running loop)."""
        if self.feed is not None:
            self.feed.start()
        self._schedule_evaluation()

    def _schedule_evaluation(self) -> None:
        loop = asyncio.get_running_loop()
        self._evaluating = loop.call_later(self._evaluate_s, self._evaluate_alarms)

    def _evaluate_alarms(self) -> None:
        try:
            if self.alarms.alarms:
                self._drain()
                self.alarms.evaluate_all()
        except Exception:
            log.exception("evaluating alarms failed")
        finally:
            self._schedule_evaluation()

    def close(self) -> None:
        """Drain the feed and write what is still unwritten (blocking: at shutdown)."""
        if self._evaluating is not None:
            self._evaluating.cancel()
            self._evaluating = None
        for tap in self._taps:  # EMF lines of the last logs, not parsed yet
            tap.parse_pending()
        if self.feed is not None:
            self.feed.close()
        if self._file is not None:
            self.store.prune()
            self._file.write(*self.store.take_dirty())
            self._file.close()
            self._file = None

    def _persist_later(self) -> None:
        """Once a minute: prune, and write the minute's changes in an executor thread."""
        self.store.prune()
        if self._file is None or (self._writing is not None and not self._writing.done()):
            return
        changed, removed = self.store.take_dirty()
        loop = asyncio.get_running_loop()
        self._writing = loop.run_in_executor(None, self._file.write, changed, removed)
        self._writing.add_done_callback(_report_failure)

    def _drain(self) -> None:
        if self.feed is not None:
            self.feed.drain()

    async def _put_metric_data(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        now = self._clock()
        data = list(params.get("MetricData") or [])
        for entity in params.get("EntityMetricData") or []:  # the entity is not kept
            data.extend(entity.get("MetricData") or [])
        if not data:
            raise ServiceError(
                "MissingParameter", "The parameter MetricData is required.", status=400
            )
        self.store.add(datapoints(params["Namespace"], data, now))
        return {}

    async def _get_metric_statistics(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        self._drain()
        return get_metric_statistics(self.store, params, self._clock())

    async def _get_metric_data(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        self._drain()
        return get_metric_data(self.store, params, self._clock())

    async def _list_metrics(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_ListMetrics.html
        self._drain()
        now = self._clock()
        since = now - (RECENT_S if params.get("RecentlyActive") == "PT3H" else LIST_WINDOW_S)
        namespace = params.get("Namespace")
        name = params.get("MetricName")
        filters = [(f["Name"], f.get("Value")) for f in params.get("Dimensions") or []]
        found = []
        for key, newest in self.store.metrics():
            if newest < since or (namespace and key[0] != namespace) or (name and key[1] != name):
                continue
            dims = dict(key[2])
            if all(
                wanted in dims and (value is None or dims[wanted] == value)
                for wanted, value in filters
            ):
                found.append(key)
        found.sort()
        start = _list_offset(params.get("NextToken"))
        page = found[start : start + LIST_PAGE]
        output: OperationOutput = {
            "Metrics": [
                {
                    "Namespace": key[0],
                    "MetricName": key[1],
                    "Dimensions": [{"Name": n, "Value": v} for n, v in key[2]],
                }
                for key in page
            ]
        }
        if start + LIST_PAGE < len(found):
            output["NextToken"] = base64.b64encode(f"list:{start + LIST_PAGE}".encode()).decode()
        return output

    # -- alarms ------------------------------------------------------------------------------
    # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_Operations.html

    async def _put_metric_alarm(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        self._drain()
        self.alarms.put(dict(params))
        return {}

    async def _describe_alarms(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        names = params.get("AlarmNames")
        prefix = params.get("AlarmNamePrefix")
        # "If this parameter [AlarmNamePrefix] is specified, you cannot specify AlarmNames."
        # (the error code is not documented; InvalidParameterCombination is Lamina's choice)
        # https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_DescribeAlarms.html
        if names and prefix:
            raise ServiceError(
                "InvalidParameterCombination",
                "AlarmNamePrefix and AlarmNames cannot be used together.",
            )
        state = params.get("StateValue")
        action = params.get("ActionPrefix")
        types = params.get("AlarmTypes") or ["MetricAlarm"]
        found = []
        for alarm in sorted(self.alarms.alarms.values(), key=lambda a: a.name):
            if names and alarm.name not in names:
                continue
            if prefix and not alarm.name.startswith(prefix):
                continue
            if state and alarm.state != state:
                continue
            if action and not any(
                arn.startswith(action)
                for key in ("OKActions", "AlarmActions", "InsufficientDataActions")
                for arn in alarm.config.get(key) or []
            ):
                continue
            found.append(self.alarms.describe(alarm))
        if "MetricAlarm" not in types:
            found = []
        return _paged(found, params, "MetricAlarms", extra={"CompositeAlarms": []})

    async def _describe_alarms_for_metric(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        wanted_dims = sorted((d["Name"], d["Value"]) for d in params.get("Dimensions") or [])
        found = []
        for alarm in sorted(self.alarms.alarms.values(), key=lambda a: a.name):
            config = alarm.config
            if (config.get("Namespace"), config.get("MetricName")) != (
                params["Namespace"],
                params["MetricName"],
            ):
                continue
            dims = sorted((d["Name"], d["Value"]) for d in config.get("Dimensions") or [])
            if "Dimensions" in params and dims != wanted_dims:
                continue
            for field in ("Statistic", "ExtendedStatistic", "Unit"):
                if params.get(field) and config.get(field) != params[field]:
                    break
            else:
                if params.get("Period") and int(config["Period"]) != int(params["Period"]):
                    continue
                found.append(self.alarms.describe(alarm))
        return {"MetricAlarms": found}

    async def _delete_alarms(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        self.alarms.delete(list(params["AlarmNames"]))
        return {}

    async def _set_alarm_state(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        self.alarms.set_state(
            params["AlarmName"],
            params["StateValue"],
            params["StateReason"],
            params.get("StateReasonData"),
        )
        return {}

    async def _enable_alarm_actions(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        self.alarms.enable_actions(list(params["AlarmNames"]), True)
        return {}

    async def _disable_alarm_actions(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        self.alarms.enable_actions(list(params["AlarmNames"]), False)
        return {}

    async def _describe_alarm_history(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        return _paged(self.alarms.history_items(dict(params)), params, "AlarmHistoryItems")

    def _alarm_of(self, arn: str) -> Alarm:
        name = arn.rpartition(":alarm:")[2]
        alarm = self.alarms.alarms.get(name) if ":alarm:" in arn else None
        if alarm is None:
            raise ServiceError("ResourceNotFoundException", f"Resource {arn} not found", status=404)
        return alarm

    async def _tag_resource(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        alarm = self._alarm_of(params["ResourceARN"])
        alarm.tags.update({t["Key"]: t["Value"] for t in params["Tags"]})
        self.alarms.save()
        return {}

    async def _untag_resource(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        alarm = self._alarm_of(params["ResourceARN"])
        for key in params["TagKeys"]:
            alarm.tags.pop(key, None)
        self.alarms.save()
        return {}

    async def _list_tags_for_resource(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        alarm = self._alarm_of(params["ResourceARN"])
        return {"Tags": [{"Key": k, "Value": v} for k, v in sorted(alarm.tags.items())]}

    # -- dashboards --------------------------------------------------------------------------

    async def _put_dashboard(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        messages = self.dashboards.put(params["DashboardName"], params["DashboardBody"])
        return {"DashboardValidationMessages": messages}

    async def _get_dashboard(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        return self.dashboards.get(params["DashboardName"])

    async def _list_dashboards(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        entries = self.dashboards.entries(params.get("DashboardNamePrefix") or "")
        return _paged(entries, params, "DashboardEntries")

    async def _delete_dashboards(
        self, ctx: AwsRequestContext, params: OperationInput
    ) -> OperationOutput:
        self.dashboards.delete(list(params["DashboardNames"]))
        return {}


PAGE = 100


def _paged(
    items: list[Any],
    params: OperationInput,
    key: str,
    *,
    extra: dict[str, Any] | None = None,
) -> OperationOutput:
    """One page of `items` by MaxRecords (default and most 100) and an offset NextToken."""
    size = min(int(params.get("MaxRecords") or PAGE), PAGE)
    start = _list_offset(params.get("NextToken"))
    output: OperationOutput = {key: items[start : start + size], **(extra or {})}
    if start + size < len(items):
        output["NextToken"] = base64.b64encode(f"list:{start + size}".encode()).decode()
    return output


def _list_offset(token: str | None) -> int:
    if not token:
        return 0
    try:
        text = base64.b64decode(token, validate=True).decode()
        if not text.startswith("list:"):
            raise ValueError(text)
        return int(text[5:])
    except ValueError as error:
        raise ServiceError(
            "InvalidParameterValue", "The value of parameter NextToken is not valid."
        ) from error


def _report_failure(done: asyncio.Future[None]) -> None:
    if not done.cancelled() and done.exception() is not None:
        log.error("writing metrics to SQLite failed", exc_info=done.exception())
