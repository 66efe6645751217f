"""DynamoDB figures on each table backend (SQLite, PostgreSQL).

For each backend it starts `lamina up bench/apps/dynamodb` (SQLite: the default;
PostgreSQL: `--dynamodb URL` with a schema of its own, dropped afterwards) and measures,
against the app's `bench` table:
- PutItem and GetItem latency from outside, one boto3 client, sequential: p50 / p99 ms;
- the same from inside a function (the app's Probe, plain boto3 in the worker);
- Query of one partition holding 10,000 items (all pages, 1 MB each): ms per full read;
- sustained single-item PutItem throughput with 16 concurrent clients, two ways:
  `light`: 16 keep-alive connections from one asyncio process sending SigV4-signed
  requests (a client costing ~40 µs a request, so the server is what is measured), and
  `boto3`: 16 boto3 clients (4 processes of 4 threads), whose own CPU shares the 2 cores.
Targets (issue #8): GetItem p50 <= 2 ms from outside; >= 3,000 writes/s with 16
concurrent clients on SQLite. The machine is shared: runs made together compare.

Run: .venv/bin/python bench/dynamodb.py [--backend sqlite|postgresql|both] [--ops N]
Prints the figures and writes bench/results/dynamodb.json.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import multiprocessing
import os
import statistics
import sys
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "bench" / "apps" / "dynamodb"
POSTGRES = "postgresql://postgres@127.0.0.1:5432/test"
QUERY_ITEMS = 10_000
CLIENTS, PROCESSES = 16, 4
REGION, KEY, SECRET = "us-east-1", "test", "test"


def client(service: str, base: str) -> Any:
    return boto3.client(
        service,
        endpoint_url=base,
        region_name=REGION,
        aws_access_key_id=KEY,
        aws_secret_access_key=SECRET,
        config=Config(retries={"max_attempts": 1}, max_pool_connections=CLIENTS),
    )


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return {"p50": round(statistics.median(ordered), 3), "p99": round(p99, 3)}


def outside_latency(base: str, ops: int) -> dict[str, Any]:
    dynamodb = client("dynamodb", base)
    puts, gets = [], []
    for n in range(200 + ops):  # 200 untimed: the connection pool and the server warm up
        key = {"pk": {"S": "outside"}, "sk": {"N": str(n)}}
        started = time.perf_counter()
        dynamodb.put_item(TableName="bench", Item={**key, "note": {"S": "x" * 100}})
        put_ms = (time.perf_counter() - started) * 1000
        started = time.perf_counter()
        dynamodb.get_item(TableName="bench", Key=key)
        get_ms = (time.perf_counter() - started) * 1000
        if n >= 200:
            puts.append(put_ms)
            gets.append(get_ms)
    return {"PutItem_ms": summary(puts), "GetItem_ms": summary(gets), "ops": ops}


def inside_latency(base: str, ops: int) -> dict[str, Any]:
    lambda_ = client("lambda", base)
    answer = lambda_.invoke(FunctionName="Probe", Payload=json.dumps({"ops": ops}).encode())
    timings = json.loads(answer["Payload"].read())
    return {
        "PutItem_ms": summary(timings["puts"]),
        "GetItem_ms": summary(timings["gets"]),
        "ops": ops,
    }


def query_partition(base: str) -> dict[str, Any]:
    dynamodb = client("dynamodb", base)
    for start in range(0, QUERY_ITEMS, 25):
        requests = [
            {"PutRequest": {"Item": {"pk": {"S": "big"}, "sk": {"N": str(n)}}}}
            for n in range(start, start + 25)
        ]
        dynamodb.batch_write_item(RequestItems={"bench": requests})
    timings = []
    for _ in range(5):
        params: dict[str, Any] = {
            "TableName": "bench",
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "big"}},
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
    return {"items": QUERY_ITEMS, "median_ms": round(statistics.median(timings), 1)}


def get_under_query_load(base: str, ops: int) -> dict[str, Any]:
    """GetItem latency while another client reads the 10,000-item partition page after
    page (1 MB each): how long a big read holds up a small one."""
    stop = threading.Event()
    pages = [0]

    def read_pages() -> None:
        dynamodb = client("dynamodb", base)
        params: dict[str, Any] = {
            "TableName": "bench",
            "KeyConditionExpression": "pk = :p",
            "ExpressionAttributeValues": {":p": {"S": "big"}},
        }
        while not stop.is_set():
            page = dynamodb.query(**params)
            pages[0] += 1
            params.pop("ExclusiveStartKey", None)
            if "LastEvaluatedKey" in page:
                params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    reader = threading.Thread(target=read_pages)
    reader.start()
    dynamodb = client("dynamodb", base)
    key = {"pk": {"S": "outside"}, "sk": {"N": "1"}}
    gets = []
    try:
        for _ in range(ops):
            started = time.perf_counter()
            dynamodb.get_item(TableName="bench", Key=key)
            gets.append((time.perf_counter() - started) * 1000)
    finally:
        stop.set()
        reader.join()
    return {"GetItem_ms": summary(gets), "ops": ops, "query_pages_read": pages[0]}


# -- 16 light clients ------------------------------------------------------------------


def _signed_put(host: str, body: bytes, key: bytes, scope: str, stamp: str) -> bytes:
    """An HTTP/1.1 PutItem request signed with SigV4 (content-type, host, x-amz-date,
    x-amz-target signed). https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html"""
    target = "DynamoDB_20120810.PutItem"
    ctype = "application/x-amz-json-1.0"
    names = "content-type;host;x-amz-date;x-amz-target"
    canonical = (
        f"POST\n/\n\ncontent-type:{ctype}\nhost:{host}\nx-amz-date:{stamp}\n"
        f"x-amz-target:{target}\n\n{names}\n{hashlib.sha256(body).hexdigest()}"
    )
    to_sign = (
        f"AWS4-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    )
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    head = (
        f"POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: {ctype}\r\nX-Amz-Date: {stamp}\r\n"
        f"X-Amz-Target: {target}\r\nContent-Length: {len(body)}\r\n"
        f"Authorization: AWS4-HMAC-SHA256 Credential={KEY}/{scope}, SignedHeaders={names}, "
        f"Signature={signature}\r\n\r\n"
    )
    return head.encode() + body


def _signing_key(date: str) -> bytes:
    key = ("AWS4" + SECRET).encode()
    for part in (date, REGION, "dynamodb", "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return key


async def _light_client(port: int, worker: int, end: float, counts: list[int]) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    host = f"127.0.0.1:{port}"
    now = datetime.now(UTC)
    stamp, date = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    key, scope = _signing_key(date), f"{date}/{REGION}/dynamodb/aws4_request"
    n = 0
    while time.monotonic() < end:
        item = {"pk": {"S": f"light-{worker}"}, "sk": {"N": str(n)}, "v": {"S": "x" * 100}}
        body = json.dumps({"TableName": "bench", "Item": item}).encode()
        writer.write(_signed_put(host, body, key, scope, stamp))
        head = await reader.readuntil(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        answer = await reader.readexactly(length)
        if not head.startswith(b"HTTP/1.1 200"):
            raise RuntimeError(f"PutItem failed: {head!r} {answer!r}")
        n += 1
    counts[worker] = n
    writer.close()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process `pid` (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def light_writes(port: int, seconds: float, pid: int) -> dict[str, Any]:
    """Writes/s, and the server's CPU time per write: on a shared machine the wall-clock
    rate follows the other load, the CPU per write much less (its inverse is what one
    core would sustain)."""
    counts = [0] * CLIENTS

    async def run() -> None:
        end = time.monotonic() + seconds
        await asyncio.gather(*(_light_client(port, w, end, counts) for w in range(CLIENTS)))

    cpu_before = cpu_seconds(pid)
    asyncio.run(run())
    per_write_us = (cpu_seconds(pid) - cpu_before) / max(1, sum(counts)) * 1e6
    return {
        "clients": CLIENTS,
        "seconds": seconds,
        "writes_per_s": round(sum(counts) / seconds),
        "server_cpu_us_per_write": round(per_write_us, 1),
        "one_core_writes_per_s": round(1e6 / per_write_us) if per_write_us else None,
    }


# -- 16 boto3 clients ------------------------------------------------------------------


def _boto3_writer(base: str, seconds: float, worker: int, counts: Any) -> None:
    dynamodb = client("dynamodb", base)
    done = [0] * (CLIENTS // PROCESSES)
    end = time.monotonic() + seconds

    def run(thread: int) -> None:
        n = 0
        while time.monotonic() < end:
            item = {"pk": {"S": f"boto3-{worker}-{thread}"}, "sk": {"N": str(n)}}
            dynamodb.put_item(TableName="bench", Item=item)
            n += 1
        done[thread] = n

    threads = [threading.Thread(target=run, args=(t,)) for t in range(len(done))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts[worker] = sum(done)


def boto3_writes(base: str, seconds: float) -> dict[str, Any]:
    counts = multiprocessing.Array("l", PROCESSES)
    workers = [
        multiprocessing.Process(target=_boto3_writer, args=(base, seconds, w, counts))
        for w in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return {"clients": CLIENTS, "seconds": seconds, "writes_per_s": round(sum(counts) / seconds)}


def measure(backend: str, ops: int, seconds: float, postgres: str) -> dict[str, Any]:
    from tests.conftest import LaminaProcess

    schema = f"lamina_bench_{uuid.uuid4().hex[:8]}"
    separator = "&" if "?" in postgres else "?"
    extra = () if backend == "sqlite" else ("--dynamodb", f"{postgres}{separator}schema={schema}")
    lamina = LaminaProcess(APP, *extra)
    try:
        return {
            "outside_boto3": outside_latency(lamina.base, ops),
            "inside_function_boto3": inside_latency(lamina.base, min(ops, 1000)),
            "query_one_partition": query_partition(lamina.base),
            "get_while_querying": get_under_query_load(lamina.base, min(ops, 300)),
            "writes_16_light_clients": light_writes(lamina.port, seconds, lamina.process.pid),
            "writes_16_boto3_clients": boto3_writes(lamina.base, seconds),
        }
    finally:
        lamina.stop()
        if backend != "sqlite":
            from lamina.services.dynamodb.postgres import drop_schema

            drop_schema(POSTGRES, schema)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--ops", type=int, default=2000, help="sequential PutItem/GetItem pairs")
    parser.add_argument("--seconds", type=float, default=10.0, help="sustained write run")
    parser.add_argument(
        "--postgres-url",
        default=POSTGRES,
        help="libpq URL; e.g. add ?options=-c%%20synchronous_commit%%3Doff to compare",
    )
    parser.add_argument(
        "--sqlite-thread",
        choices=["on", "off"],
        default=os.environ.get("LAMINA_DYNAMODB_THREAD", "off"),
        help="run SQLite operations on a thread of their own (LAMINA_DYNAMODB_THREAD)",
    )
    parser.add_argument("--out", default=str(ROOT / "bench" / "results" / "dynamodb.json"))
    args = parser.parse_args()
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    os.environ["LAMINA_DYNAMODB_THREAD"] = args.sqlite_thread  # inherited by lamina up
    results: dict[str, Any] = {
        "when": f"{datetime.now(UTC):%Y-%m-%d %H:%M:%S} UTC",
        "load_average_at_start": Path("/proc/loadavg").read_text().split()[:3],
        "cores": multiprocessing.cpu_count(),
        "sqlite_thread": args.sqlite_thread,
        "targets": {"GetItem_p50_ms_outside": 2.0, "writes_per_s_16_clients_sqlite": 3000},
    }
    for backend in backends:
        results[backend] = measure(backend, args.ops, args.seconds, args.postgres_url)
        print(backend, json.dumps(results[backend], indent=1), flush=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    main()
