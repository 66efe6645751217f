"""DynamoDB figures on each store backend (SQLite, PostgreSQL), from outside with boto3.

For each backend it starts `lamina up` on a copy of tests/fixtures/apps/tables (SQLite:
the default; PostgreSQL: `--dynamodb URL` with a schema of its own, dropped afterwards)
and measures, against the template's `orders` table:
- PutItem and GetItem latency, one boto3 client, sequential: p50 / p99 in ms;
- Query of one partition holding 10,000 items (all pages, 1 MB each): ms per full read;
- sustained single-item PutItem throughput with 16 concurrent clients (4 processes of
  4 threads, so the clients' own GIL is not the limit): writes/s.
The machine (2 cores) is shared, so the figures are noisy; compare runs made together.

Run: .venv/bin/python bench/dynamodb_bench.py [--backend sqlite|postgresql|both] [--ops N]
Prints the figures and appends them to bench/results/dynamodb.txt.
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
QUERY_ITEMS = 10_000
CLIENTS, PROCESSES = 16, 4


def client(base: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, max_pool_connections=CLIENTS),
    )


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"p50 {statistics.median(ordered):.2f}  p99 {p99:.2f}"


def single_item_latency(base: str, ops: int) -> list[str]:
    dynamodb = client(base)
    item = {"customer": {"S": "latency"}, "placed": {"N": "1"}, "note": {"S": "x" * 100}}
    key = {"customer": {"S": "latency"}, "placed": {"N": "1"}}
    for _ in range(200):  # warm the connection pool and the server
        dynamodb.put_item(TableName="orders", Item=item)
        dynamodb.get_item(TableName="orders", Key=key)
    puts, gets = [], []
    for n in range(ops):
        item["placed"] = key["placed"] = {"N": str(n)}
        started = time.perf_counter()
        dynamodb.put_item(TableName="orders", Item=item)
        puts.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        dynamodb.get_item(TableName="orders", Key=key)
        gets.append((time.perf_counter() - started) * 1000)
    return [f"PutItem ms: {percentiles(puts)}", f"GetItem ms: {percentiles(gets)}"]


def query_partition(base: str) -> list[str]:
    dynamodb = client(base)
    for start in range(0, QUERY_ITEMS, 25):
        requests = [
            {"PutRequest": {"Item": {"customer": {"S": "big"}, "placed": {"N": str(n)}}}}
            for n in range(start, start + 25)
        ]
        dynamodb.batch_write_item(RequestItems={"orders": requests})
    timings = []
    for _ in range(5):
        params: dict[str, Any] = {
            "TableName": "orders",
            "KeyConditionExpression": "customer = :c",
            "ExpressionAttributeValues": {":c": {"S": "big"}},
        }
        started, count = time.perf_counter(), 0
        while True:
            page = dynamodb.query(**params)
            count += page["Count"]
            if "LastEvaluatedKey" not in page:
                break
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        timings.append((time.perf_counter() - started) * 1000)
        assert count == QUERY_ITEMS, count
    return [
        f"Query {QUERY_ITEMS:,} items in one partition, ms: median {statistics.median(timings):.1f}"
    ]


def _writer(base: str, seconds: float, worker: int, counts: Any) -> None:
    dynamodb = client(base)
    done = [0] * (CLIENTS // PROCESSES)
    end = time.monotonic() + seconds

    def run(thread: int) -> None:
        n = 0
        while time.monotonic() < end:
            item = {"customer": {"S": f"w{worker}-{thread}"}, "placed": {"N": str(n)}}
            dynamodb.put_item(TableName="orders", Item=item)
            n += 1
        done[thread] = n

    threads = [threading.Thread(target=run, args=(t,)) for t in range(len(done))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts[worker] = sum(done)


def sustained_writes(base: str, seconds: float) -> list[str]:
    counts = multiprocessing.Array("l", PROCESSES)
    workers = [
        multiprocessing.Process(target=_writer, args=(base, seconds, w, counts))
        for w in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return [f"PutItem, {CLIENTS} concurrent clients: {sum(counts) / seconds:,.0f} writes/s"]


def measure(backend: str, ops: int, seconds: float, postgres: str) -> list[str]:
    from tests.conftest import FIXTURES, LaminaProcess

    with tempfile.TemporaryDirectory() as directory:
        app = Path(directory) / "tables"
        shutil.copytree(FIXTURES / "apps" / "tables", app, ignore=shutil.ignore_patterns(".lamina"))
        schema = f"lamina_bench_{uuid.uuid4().hex[:8]}"
        separator = "&" if "?" in postgres else "?"
        url = f"{postgres}{separator}schema={schema}"
        extra = () if backend == "sqlite" else ("--dynamodb", url)
        lamina = LaminaProcess(app, *extra)
        try:
            lines = single_item_latency(lamina.base, ops)
            lines += query_partition(lamina.base)
            lines += sustained_writes(lamina.base, seconds)
        finally:
            lamina.stop()
            if backend != "sqlite":
                from lamina.services.dynamodb.postgres import drop_schema

                drop_schema(POSTGRES, schema)
    shown = backend if backend == "sqlite" else f"postgresql ({postgres})"
    return [f"backend: {shown}", *(f"  {line}" for line in lines)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--ops", type=int, default=2000, help="sequential PutItem/GetItem pairs")
    parser.add_argument("--seconds", type=float, default=10.0, help="sustained write run")
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES,
        help="libpq URL; e.g. add ?options=-c%%20synchronous_commit%%3Doff to compare",
    )
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    load = Path("/proc/loadavg").read_text().split()[:3]
    lines = [f"# {datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC, load average {' '.join(load)}"]
    for backend in backends:
        lines += measure(backend, args.ops, args.seconds, args.postgres_url)
    text = "\n".join(lines)
    print(text)
    with (ROOT / "bench" / "results" / "dynamodb.txt").open("a") as results:
        results.write(text + "\n")


if __name__ == "__main__":
    import sys

    sys.path.insert(0, str(ROOT))
    main()
