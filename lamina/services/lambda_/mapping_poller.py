"""The poller of event source mappings: reads each mapping's stream after its checkpoint,
at most BatchSize records at a time, invokes the function with {"Records": [...]} and
moves the checkpoint past the batch only when the invocation succeeded; a function error
retries the same batch (after a pause), as Lambda does until the records expire.
https://docs.aws.amazon.com/lambda/latest/dg/with-ddb.html

Two loops on the event loop:

    tend (every TEND_S)   which mappings this node delivers: mapping_lease.Leases, run in
                          a thread (store transactions)
    poll (every POLL_S)   one batch of each mapping this node holds, in turn

The checkpoint moves in a store transaction that finds this node still holding the
mapping's lease; a node that lost it stops delivering. Each batch sent also records
IteratorAge (AWS/Lambda) into the CloudWatch feed.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from typing import Any, Protocol

from lamina.core.metric_feed import Dimensions, MetricFeed, dimensions
from lamina.core.store import StoreError
from lamina.services.lambda_.mapping_lease import Leases
from lamina.services.lambda_.mapping_records import EventSourceMapping, MappingRecords
from lamina.services.lambda_.state import LambdaState

log = logging.getLogger("lamina.services.lambda")

POLL_INTERVAL_S = 0.25
TEND_INTERVAL_S = 0.5
RETRY_PAUSE_S = 1.0


StreamEvent = tuple[int, dict[str, Any], float]
"""(sequence number, the record in Lambda's event shape, when the stream took it in epoch
seconds, unrounded)."""


class StreamSource(Protocol):
    """Where a mapping's records come from (services.dynamodb.streams_provider.Streams)."""

    def latest_of(self, arn: str) -> int:
        """The stream's latest sequence number; a ServiceError if there is no such stream."""
        ...

    def events_after(self, arn: str, after: int, limit: int) -> list[StreamEvent]:
        """At most `limit` records after sequence number `after`."""
        ...


class MappingPoller:
    """Delivers the mappings this node holds the lease of."""

    def __init__(self, state: LambdaState, records: MappingRecords, leases: Leases) -> None:
        self._state = state
        self._records = records
        self.leases = leases
        self.source: StreamSource | None = None
        self.feed: MetricFeed | None = None
        """Where IteratorAge goes (the CloudWatch API's metric feed), once connected."""
        self._tasks: list[asyncio.Task[None]] = []
        self._retry_at: dict[str, float] = {}

    async def start(self) -> None:
        if not self._tasks:
            loop = asyncio.get_running_loop()
            self._tasks = [loop.create_task(self._tend()), loop.create_task(self._run())]

    def cancel(self) -> None:
        """Stop delivering, and give up the leases so another node takes over at once."""
        for task in self._tasks:
            task.cancel()
        if self._tasks:
            try:
                self.leases.release_all()
            except StoreError as error:  # the others take over when the lease goes stale
                log.warning("event source mapping leases not released: %s", error)
        self._tasks = []

    async def _tend(self) -> None:
        while True:
            try:
                await asyncio.to_thread(self.tend)
            except asyncio.CancelledError:
                raise
            except Exception:  # the store is unreachable for a moment: try again
                log.exception("event source mapping leases could not be tended")
            await asyncio.sleep(TEND_INTERVAL_S)

    def tend(self) -> None:
        """Renew or take the leases of the enabled mappings whose function is here."""
        local = set(self._state.functions.function_names())
        wanted = {m.uuid for m in self._records.all() if m.enabled and m.function_name in local}
        self.leases.tend(wanted)

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(POLL_INTERVAL_S)
            for uuid in sorted(self.leases.held.copy()):  # tend changes it on its thread
                if self._retry_at.get(uuid, 0) > time.monotonic():
                    continue
                try:
                    mapping = await asyncio.to_thread(self._records.get, uuid)
                    if mapping is not None and mapping.enabled:
                        await self.poll(mapping)
                except asyncio.CancelledError:
                    raise
                except Exception:  # a bug of ours, or the stream is gone: try again later
                    log.exception("event source mapping %s failed", uuid)
                    self._retry_at[uuid] = time.monotonic() + RETRY_PAUSE_S

    async def poll(self, mapping: EventSourceMapping) -> bool:
        """Deliver one batch; True if the function took it (the checkpoint moved)."""
        assert self.source is not None
        limit = mapping.batch_size
        if mapping.bisect_limit is not None and mapping.checkpoint < mapping.bisect_until:
            limit = min(limit, mapping.bisect_limit)
        batch = self.source.events_after(mapping.event_source_arn, mapping.checkpoint, limit)
        if not batch:
            return False
        records = [{**event, "eventSourceARN": mapping.event_source_arn} for _, event, _ in batch]
        payload = json.dumps({"Records": records}).encode()
        self._iterator_age(mapping, batch[-1][2])
        result = await self._state.functions.invoke(
            mapping.function_name, payload, qualifier=mapping.qualifier
        )
        if result.function_error is not None:
            await asyncio.to_thread(self._failed, mapping, batch)
            return False
        return await asyncio.to_thread(self._took, mapping, batch[-1][0])

    def _took(self, delivered: EventSourceMapping, last: int) -> bool:
        def advance(mapping: EventSourceMapping) -> None:
            if mapping.checkpoint == delivered.checkpoint:
                mapping.checkpoint = last
                mapping.attempts = 0
            mapping.last_result = "OK"

        held = self._records.change(
            delivered.uuid, advance, lambda tx: self.leases.held_in(tx, delivered.uuid)
        )
        return held is not None

    def _failed(self, delivered: EventSourceMapping, batch: list[StreamEvent]) -> None:
        """Retry the batch (in halves when bisecting) or, past MaximumRetryAttempts, drop it.
        https://docs.aws.amazon.com/lambda/latest/dg/services-ddb-batchfailurereporting.html"""
        self._retry_at[delivered.uuid] = time.monotonic() + RETRY_PAUSE_S

        def retry(mapping: EventSourceMapping) -> None:
            mapping.last_result = "PROBLEM: Function call failed"
            if mapping.checkpoint != delivered.checkpoint:
                return  # another holder moved on meanwhile
            if mapping.bisect and len(batch) > 1:
                # Splitting is not a retry attempt: each half gets MaximumRetryAttempts of its own.
                mapping.bisect_limit = len(batch) // 2
                mapping.bisect_until = max(mapping.bisect_until, batch[-1][0])
                mapping.attempts = 0
                return
            mapping.attempts += 1
            if 0 <= mapping.max_retries < mapping.attempts:
                log.warning(
                    "event source mapping %s: dropping %d records after %d failed attempts",
                    mapping.uuid,
                    len(batch),
                    mapping.attempts,
                )
                mapping.checkpoint = batch[-1][0]
                mapping.attempts = 0

        self._records.change(
            delivered.uuid, retry, lambda tx: self.leases.held_in(tx, delivered.uuid)
        )

    def _iterator_age(self, mapping: EventSourceMapping, created: float) -> None:
        """IteratorAge: the age of the batch's last record when the mapping sends it, in
        milliseconds, per function (and its version or alias) and per mapping.
        https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#performance-metrics
        https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html#event-source-mapping-metrics"""
        if self.feed is None:
            return
        age_ms = max(0.0, (time.time() - created) * 1000.0)
        series = self.feed.series("AWS/Lambda", iterator_age_dimensions(mapping))
        series.cell("IteratorAge", "Milliseconds", keep_values=True).add(age_ms)


def iterator_age_dimensions(mapping: EventSourceMapping) -> tuple[Dimensions, ...]:
    """As the function metrics roll up (functions/metrics.py): across all functions, per
    function, per version or alias when the mapping names one; and per mapping."""
    name = mapping.function_name
    sets = [dimensions(), dimensions(FunctionName=name)]
    if mapping.qualifier:
        sets.append(dimensions(FunctionName=name, Resource=f"{name}:{mapping.qualifier}"))
    sets.append(dimensions(EventSourceMappingUUID=mapping.uuid))
    return tuple(sets)
