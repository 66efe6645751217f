"""UpdateTimeToLive and DescribeTimeToLive, and the pass that removes expired items.

An item expires when its TTL attribute is a Number of epoch seconds in the past. As on
AWS, expired items are removed lazily (by `sweeper.TtlSweeper`) and reads still return
them until then; items whose expiry is more than five years old are never removed.
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/TTL.html
https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/howitworks-ttl.html
https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_UpdateTimeToLive.html
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from typing import Any

import msgspec

from lamina.aws.service import AwsRequestContext, OperationInput, OperationOutput
from lamina.services.dynamodb.error import validation
from lamina.services.dynamodb.size import item_size
from lamina.services.dynamodb.tables import Database, Operation

PAGE = 100
"""Rows a sweep reads between yields to the event loop."""
BATCH = 25
"""Expired items deleted per write transaction."""
_FIVE_YEARS = 5 * 365 * 24 * 3600


async def update_time_to_live(
    db: Database, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    meta = db.require(params["TableName"], detailed=True)
    spec = params["TimeToLiveSpecification"]
    enabled, attribute = bool(spec["Enabled"]), str(spec["AttributeName"])
    if enabled and meta.ttl_attribute is not None:
        raise validation("TimeToLive is already enabled")
    if not enabled and meta.ttl_attribute is None:
        raise validation("TimeToLive is already disabled")
    changed = msgspec.structs.replace(meta, ttl_attribute=attribute if enabled else None)
    db.store.replace_table(changed, item_size)
    return {"TimeToLiveSpecification": {"Enabled": enabled, "AttributeName": attribute}}


async def describe_time_to_live(
    db: Database, ctx: AwsRequestContext, params: OperationInput
) -> OperationOutput:
    meta = db.require(params["TableName"], detailed=True)
    if meta.ttl_attribute is None:
        return {"TimeToLiveDescription": {"TimeToLiveStatus": "DISABLED"}}
    return {
        "TimeToLiveDescription": {
            "TimeToLiveStatus": "ENABLED",
            "AttributeName": meta.ttl_attribute,
        }
    }


def expired(value: Any, now: float) -> bool:
    """Whether a TTL attribute's value (wire form, or None) is an expiry before `now`."""
    if not isinstance(value, dict) or not isinstance(value.get("N"), str):
        return False
    try:
        expiry = float(value["N"])
    except ValueError:
        return False
    return now - _FIVE_YEARS <= expiry < now


async def sweep(db: Database, limit: int) -> int:
    """Delete at most `limit` expired items across the TTL-enabled tables; say how many."""
    now, removed = db.clock(), 0
    for name in db.store.table_names():
        removed += await _sweep_table(db, name, now, limit - removed)
        if removed >= limit:
            break
    return removed


async def _sweep_table(db: Database, name: str, now: float, limit: int) -> int:
    removed, after = 0, None
    while removed < limit:
        # Metadata is read again after each yield: the table may be gone or TTL disabled.
        meta = db.store.table(name)
        if meta is None or meta.ttl_attribute is None:
            break
        attribute = meta.ttl_attribute
        page = list(itertools.islice(db.store.scan(name, after), PAGE))
        keys = [(row.partition, row.sort) for row in page if expired(row.item.get(attribute), now)]
        removed += _delete(db, name, attribute, keys[: limit - removed], now)
        if len(page) < PAGE:
            break
        after = (page[-1].partition, page[-1].sort)
        await asyncio.sleep(0)
    return removed


def _delete(
    db: Database, name: str, attribute: str, keys: Sequence[tuple[bytes, bytes]], now: float
) -> int:
    """Delete the items (and their index entries) that are still expired, in batches."""
    removed = 0
    for start in range(0, len(keys), BATCH):
        with db.store.transaction() as writer:
            for partition, sort in keys[start : start + BATCH]:
                item = writer.get(name, partition, sort)
                if item is not None and expired(item.get(attribute), now):
                    writer.change(
                        name, partition, sort, item_size, lambda old: None, by_service=True
                    )
                    removed += 1
    return removed


OPERATIONS: dict[str, Operation] = {
    "UpdateTimeToLive": update_time_to_live,
    "DescribeTimeToLive": describe_time_to_live,
}
