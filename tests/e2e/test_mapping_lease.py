"""Event source mappings on a cluster: two `lamina up` nodes on one PostgreSQL store
(control plane and tables) serve the same template, whose table streams to a function
that counts each record's deliveries. One node at a time delivers the mapping (each
record once); when that node is killed with SIGKILL the other takes the mapping over
within a few seconds and delivers the rest from the stored checkpoint, losing nothing."""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest

from lamina.core.store_postgres import drop_schema
from tests.clients import until
from tests.conftest import FIXTURES, LaminaProcess

APP = FIXTURES / "apps" / "streams_cluster"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"

pytestmark = pytest.mark.slow


def _dynamodb(base: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def _deliveries(dynamodb: Any) -> dict[str, tuple[int, str]]:
    """Each delivered key: (how many times, the endpoint of the node that delivered it)."""
    items = dynamodb.scan(TableName="deliveries", ConsistentRead=True)["Items"]
    return {i["pk"]["S"]: (int(i["deliveries"]["N"]), i["node"]["S"]) for i in items}


def _put(dynamodb: Any, keys: range) -> None:
    for n in keys:
        dynamodb.put_item(TableName="events", Item={"pk": {"S": f"item-{n:03d}"}})


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[list[LaminaProcess]]:
    schema = f"lamina_test_lease_{uuid.uuid4().hex[:10]}"
    url = f"{POSTGRES}?schema={schema}"
    nodes: list[LaminaProcess] = []
    try:
        for name in ("one", "two"):
            options = ("--store", url, "--dynamodb", url)
            nodes.append(LaminaProcess(APP, *options, state_dir=tmp_path / name))
        yield nodes
    finally:
        for node in nodes:
            node.stop()
        drop_schema(POSTGRES, schema)


def test_one_node_delivers_each_record_and_the_other_takes_over_when_it_dies(
    cluster: list[LaminaProcess],
) -> None:
    one, two = cluster
    _put(_dynamodb(one.base), range(0, 20))
    reader = _dynamodb(two.base)
    assert until(lambda: len(_deliveries(reader)) == 20, 30), one.output()[-3000:]
    time.sleep(1.5)  # a second node delivering too would show by now
    first = _deliveries(reader)
    assert {count for count, _ in first.values()} == {1}, first
    (holder_url,) = {node for _, node in first.values()}
    holder, survivor = (one, two) if holder_url.endswith(f":{one.port}") else (two, one)
    assert holder_url.endswith(f":{holder.port}")

    # More records, and the holder killed while it delivers them.
    writer = _dynamodb(survivor.base)
    _put(writer, range(20, 40))
    os.killpg(holder.process.pid, signal.SIGKILL)  # the holder and its workers
    holder.process.wait(5)
    killed = time.monotonic()
    assert until(lambda: len(_deliveries(writer)) == 40, 20), survivor.output()[-3000:]
    assert time.monotonic() - killed < 10  # taken over within a few seconds
    after = _deliveries(writer)
    assert all(after[key] == first[key] for key in first)  # done before: not again
    late = [after[f"item-{n:03d}"] for n in range(20, 40)]
    assert all(1 <= count <= 2 for count, _ in late), late  # at least once
    assert late[-1][1] == f"http://127.0.0.1:{survivor.port}"
