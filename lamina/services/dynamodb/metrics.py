"""DynamoDB's CloudWatch metrics (`AWS/DynamoDB`), fed to the same per-minute MetricFeed as
the gateway's and the functions' metrics.

https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/metrics-dimensions.html

    SuccessfulRequestLatency     Milliseconds  TableName, Operation  (SampleCount = requests)
    ConsumedReadCapacityUnits    Count         TableName; TableName, GlobalSecondaryIndexName
    ConsumedWriteCapacityUnits   Count         TableName; TableName, GlobalSecondaryIndexName
    ReturnedItemCount            Count         TableName, Operation  (Query, Scan)
    ConditionalCheckFailedRequests Count       TableName
    UserErrors                   Count         none (the account and region)
    SystemErrors                 Count         TableName, Operation

Capacity is what capacity.py computes for ReturnConsumedCapacity: an item operation runs
with INDEXES asked for, and the answer's ConsumedCapacity is taken out of the response
when the caller did not ask for it (cut to the TOTAL shape when it asked for TOTAL). A
table's metric holds the table's and its local indexes' units (local indexes share the
table's throughput); each global index has its own. ThrottledRequests is not published:
Lamina's tables never throttle.

On the request path the observer appends one tuple to a list; `fold` (the feed's folder,
once a second and before a drain) turns them into cells, off the request path.
"""

from __future__ import annotations

import time
from typing import Any

from lamina.aws.service import (
    AwsRequestContext,
    Handler,
    OperationInput,
    OperationOutput,
    ServiceError,
)
from lamina.core.metric_feed import MetricFeed, StatCell, dimensions

NAMESPACE = "AWS/DynamoDB"
READS = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
WRITES = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"})
MEASURED = READS | WRITES
"""The operations that consume capacity (and take ReturnConsumedCapacity)."""
_DIRECTIONAL = frozenset({"TransactGetItems", "TransactWriteItems"})
_COUNTED = frozenset({"Query", "Scan"})
_CONDITION_FAILED = "ConditionalCheckFailedException"

Served = tuple[str, str | None, float, Any, int]
"""(operation, TableName parameter, seconds, ConsumedCapacity or None, Count or -1)."""
Failed = tuple[str, str | None, str]
"""(operation, TableName parameter, error code or "" for a system error)."""


class DynamoDbMetrics:
    """Records DynamoDB's operations into a MetricFeed once `feed_to` connects one."""

    def __init__(self) -> None:
        self.feed: MetricFeed | None = None
        self._served: list[Served] = []
        self._failed: list[Failed] = []
        self._cells: dict[tuple[str, str, str | None], StatCell] = {}
        """(metric, table, operation or index) → its cell, so a fold looks each up once."""

    def feed_to(self, feed: MetricFeed | None) -> None:
        """Record `AWS/DynamoDB` metrics into `feed` (None: record nothing)."""
        self.feed = feed
        self._cells.clear()
        if feed is not None:
            feed.fold_with(self.fold)

    def observe(self, operation: str, handler: Handler) -> Handler:
        """`handler` measured: latency and errors for every operation, capacity and item
        counts for the item operations."""
        measured = operation in MEASURED
        counted = operation in _COUNTED

        async def observed(ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
            if self.feed is None:
                return await handler(ctx, params)
            asked = params.get("ReturnConsumedCapacity", "NONE") if measured else "INDEXES"
            # INDEXES asked for, or an invalid value (the operation refuses it): as given.
            forced = asked in ("NONE", "TOTAL")
            run = {**params, "ReturnConsumedCapacity": "INDEXES"} if forced else params
            started = time.perf_counter()
            try:
                output = await handler(ctx, run)
            except ServiceError as error:
                code = error.code if error.sender_fault and (error.status or 400) < 500 else ""
                self._failed.append((operation, params.get("TableName"), code))
                raise
            except Exception:
                self._failed.append((operation, params.get("TableName"), ""))
                raise
            elapsed = time.perf_counter() - started
            consumed = None
            if measured:
                if asked == "NONE":
                    consumed = output.pop("ConsumedCapacity", None)
                else:
                    consumed = output.get("ConsumedCapacity")
                    if asked == "TOTAL" and consumed is not None:
                        output["ConsumedCapacity"] = _total(consumed)
            count = output.get("Count", -1) if counted else -1
            self._served.append((operation, params.get("TableName"), elapsed, consumed, count))
            return output

        return observed

    def fold(self) -> None:
        """Move what the request path appended into the feed's cells."""
        feed = self.feed
        served, failed = self._served, self._failed
        if feed is None or not (served or failed):
            return
        self._served, self._failed = [], []
        latencies: dict[tuple[str, str], list[float]] = {}
        for operation, table, elapsed, consumed, count in served:
            entries = _entries(consumed)
            names = [entry["TableName"] for entry in entries if "TableName" in entry]
            if not names and table is not None:
                names = [table]
            for name in names:
                latencies.setdefault((name, operation), []).append(elapsed * 1000.0)
            for entry in entries:
                self._consumed(feed, operation, entry)
            if count >= 0 and table is not None:
                self._per_operation(feed, table, operation, "ReturnedItemCount", "Count").add(
                    float(count)
                )
        for (name, operation), values in latencies.items():
            cell = self._per_operation(
                feed, name, operation, "SuccessfulRequestLatency", "Milliseconds", keep=True
            )
            cell.add_values(values)
        for operation, table, code in failed:
            if not code:
                if table is not None:
                    self._per_operation(feed, table, operation, "SystemErrors", "Count").add(1.0)
            elif code == _CONDITION_FAILED and table is not None:
                # Counted here and not in UserErrors, as the metrics page says.
                self._per_table(feed, table, None, "ConditionalCheckFailedRequests").add(1.0)
            else:
                feed.series(NAMESPACE, (dimensions(),)).cell("UserErrors", "Count").add(1.0)

    def _consumed(self, feed: MetricFeed, operation: str, entry: dict[str, Any]) -> None:
        """One table's ConsumedCapacity (INDEXES shape) into the capacity metrics."""
        table = str(entry["TableName"])
        directional = operation in _DIRECTIONAL
        read = operation in READS
        own = entry.get("Table", {"CapacityUnits": entry.get("CapacityUnits", 0.0)})
        units = [own, *entry.get("LocalSecondaryIndexes", {}).values()]
        self._units(feed, table, None, units, directional, read)
        for name, capacity in entry.get("GlobalSecondaryIndexes", {}).items():
            self._units(feed, table, str(name), [capacity], directional, read)

    def _units(
        self,
        feed: MetricFeed,
        table: str,
        index: str | None,
        capacities: list[dict[str, float]],
        directional: bool,
        read: bool,
    ) -> None:
        if directional:
            reads = sum(c.get("ReadCapacityUnits", 0.0) for c in capacities)
            writes = sum(c.get("WriteCapacityUnits", 0.0) for c in capacities)
        else:
            total = sum(c.get("CapacityUnits", 0.0) for c in capacities)
            reads, writes = (total, 0.0) if read else (0.0, total)
        if reads:
            self._per_table(feed, table, index, "ConsumedReadCapacityUnits").add(reads)
        if writes:
            self._per_table(feed, table, index, "ConsumedWriteCapacityUnits").add(writes)

    def _per_table(self, feed: MetricFeed, table: str, index: str | None, name: str) -> StatCell:
        key = (name, table, index)
        found = self._cells.get(key)
        if found is not None:
            return found
        if index is None:
            dims = dimensions(TableName=table)
        else:
            dims = dimensions(TableName=table, GlobalSecondaryIndexName=index)
        found = self._cells[key] = feed.series(NAMESPACE, (dims,)).cell(name, "Count")
        return found

    def _per_operation(
        self,
        feed: MetricFeed,
        table: str,
        operation: str,
        name: str,
        unit: str,
        keep: bool = False,
    ) -> StatCell:
        key = (name, table, "#" + operation)  # apart from index names in the same dict
        found = self._cells.get(key)
        if found is None:
            dims = dimensions(TableName=table, Operation=operation)
            cell = feed.series(NAMESPACE, (dims,)).cell(name, unit, keep_values=keep)
            found = self._cells[key] = cell
        return found


def _entries(consumed: Any) -> list[dict[str, Any]]:
    if consumed is None:
        return []
    return list(consumed) if isinstance(consumed, list) else [consumed]


def _total(consumed: Any) -> Any:
    """An INDEXES-shaped ConsumedCapacity cut to what TOTAL answers: the table's name, its
    CapacityUnits and (transactions) the directional units.
    https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_ConsumedCapacity.html"""
    if isinstance(consumed, list):
        return [_total(entry) for entry in consumed]
    kept = ("TableName", "CapacityUnits", "ReadCapacityUnits", "WriteCapacityUnits")
    return {key: consumed[key] for key in kept if key in consumed}
