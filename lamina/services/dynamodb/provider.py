"""DynamoDbProvider: the botocore "dynamodb" service's operations over a TableStore.

Its lifecycle: construct, `await start()` once the server listens (expired items are
then swept every `ttl_sweep_interval_s`), `close()` at shutdown on the loop's thread.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path

from lamina.aws.service import AwsRequestContext, Handler, OperationInput, OperationOutput
from lamina.services.dynamodb import batch, items, query, schema, tables, tag, transaction, ttl
from lamina.services.dynamodb.backend import open_store
from lamina.services.dynamodb.store import TableStore
from lamina.services.dynamodb.sweeper import TtlSweeper
from lamina.services.dynamodb.tables import Database, Operation

_MODULES = (tables, schema, items, query, batch, transaction, ttl, tag)
SWEEP_LIMIT = 1000
"""Expired items removed per sweep at most, so one pass never holds the loop long."""


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
        self._sweeper = TtlSweeper(
            self.database, interval_s=ttl_sweep_interval_s, limit=SWEEP_LIMIT
        )
        self._handlers = {
            name: _bind(self.database, operation)
            for module in _MODULES
            for name, operation in module.OPERATIONS.items()
        }

    @property
    def service_name(self) -> str:
        return "dynamodb"

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers

    async def start(self) -> None:
        """Begin removing expired items."""
        await self._sweeper.start()

    def close(self) -> None:
        """Stop sweeping and close the store; call it on the event loop's thread."""
        self._sweeper.cancel()
        self.store.close()


def _bind(database: Database, operation: Operation) -> Handler:
    async def handler(ctx: AwsRequestContext, params: OperationInput) -> OperationOutput:
        return await operation(database, ctx, params)

    return handler
