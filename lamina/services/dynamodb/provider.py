"""DynamoDbProvider: the botocore "dynamodb" service's operations over a TableStore.

Its lifecycle: construct, `await start()` once the server listens (expired items are
then swept every `ttl_sweep_interval_s`), `close()` at shutdown on the loop's thread.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lamina.aws.service import AwsRequestContext, Handler, OperationInput, OperationOutput
from lamina.core.metric_feed import MetricFeed
from lamina.services.dynamodb import batch, items, query, schema, tables, tag, transaction, ttl
from lamina.services.dynamodb.backend import open_store
from lamina.services.dynamodb.metrics import DynamoDbMetrics
from lamina.services.dynamodb.store import TableStore
from lamina.services.dynamodb.sweeper import TtlSweeper
from lamina.services.dynamodb.tables import Database, Operation

_MODULES = (tables, schema, items, query, batch, transaction, ttl, tag)
SWEEP_LIMIT = 1000
"""Expired items removed per sweep at most, so one pass never holds the loop long."""
WORKER_THREADS = 8
"""Operations in flight at once on a concurrent store (one database connection each)."""


class DynamoDbProvider:
    # Errors carry AWS's __type, e.g. "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException".
    error_namespace = "com.amazonaws.dynamodb.v20120810"

    def __init__(
        self,
        *,
        state_dir: Path,
        region: str,
        account_id: str,
        store: TableStore | None = None,
        url: str | None = None,
        clock: Callable[[], float] = time.time,
        ttl_sweep_interval_s: float = 60.0,
    ) -> None:
        # `url` picks the backend (backend.open_store): SQLite under state_dir by default.
        self.store = store or open_store(url, state_dir)
        self.database = Database(self.store, region=region, account_id=account_id, clock=clock)
        self._pool = _executor(self.store)
        self._sweeper = TtlSweeper(
            self.database, interval_s=ttl_sweep_interval_s, limit=SWEEP_LIMIT, executor=self._pool
        )
        # AWS/DynamoDB metrics, recorded once `feed_to` connects the CloudWatch feed.
        self.metrics = DynamoDbMetrics()
        self._handlers = {
            name: self.metrics.observe(name, _bind(self.database, operation, self._pool))
            for module in _MODULES
            for name, operation in module.OPERATIONS.items()
        }

    @property
    def service_name(self) -> str:
        return "dynamodb"

    def feed_to(self, feed: MetricFeed | None) -> None:
        """Publish `AWS/DynamoDB` metrics into `feed` (the CloudWatch API's); None: none."""
        self.metrics.feed_to(feed)

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers

    async def start(self) -> None:
        """Begin removing expired items."""
        await self._sweeper.start()

    def close(self) -> None:
        """Stop sweeping, let operations in flight finish, close the store; call it on the
        event loop's thread."""
        self._sweeper.cancel()
        if self._pool is not None:
            self._pool.shutdown(wait=True)
        self.store.close()


def _executor(store: TableStore) -> ThreadPoolExecutor | None:
    """Where operations run: a pool on a concurrent store (one connection per thread); on
    SQLite the loop's own thread, or one dedicated thread when LAMINA_DYNAMODB_THREAD=on."""
    if store.concurrent:
        return ThreadPoolExecutor(WORKER_THREADS, thread_name_prefix="dynamodb")
    if os.environ.get("LAMINA_DYNAMODB_THREAD", "off") == "on":
        return ThreadPoolExecutor(1, thread_name_prefix="dynamodb")
    return None


def _bind(database: Database, operation: Operation, pool: ThreadPoolExecutor | None) -> Handler:
    """The operation as a handler: on the loop's thread, or (a concurrent store) on `pool`."""
    if pool is None:

        async def handler(ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
            return await operation(database, ctx, params)

        return handler

    async def offloaded(ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(pool, _complete, operation(database, ctx, params))

    return offloaded


def _complete(operation: Awaitable[OperationOutput]) -> OperationOutput:
    """Run an operation to its end on this thread. Operations never suspend (their store
    calls block), so one step finishes them."""
    steps = operation.__await__()
    try:
        next(steps)
    except StopIteration as done:
        return done.value  # type: ignore[no-any-return]
    steps.close()
    raise RuntimeError("a DynamoDB operation suspended: it cannot run on a worker thread")
