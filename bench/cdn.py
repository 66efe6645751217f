"""Per-request cost of the CloudFront-compatible edge on tests/fixtures/apps/site_edge under
one `lamina up`: a cache hit, a hit compressed with Brotli (copy kept), a miss (each request
after an invalidation of its path is read from S3 again), and the same object read through
the S3 API directly, one client, in turn.

    .venv/bin/python bench/cdn.py [--calls N]

Writes bench/results/cdn.json and prints the figures.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
import time
from pathlib import Path

import boto3
import httpx
from server import HOST, Server, free_port

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
RESULTS = BENCH / "results"


def _timed(send: object, calls: int) -> float:
    samples = []
    for _ in range(calls):
        started = time.perf_counter()
        send()  # type: ignore[operator]
        samples.append(time.perf_counter() - started)
    return round(statistics.median(samples) * 1e6, 1)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=1000)
    args = parser.parse_args()
    port = free_port()
    lamina = str(Path(sys.executable).parent / "lamina")
    command = [lamina, "up", "tests/fixtures/apps/site_edge", "--port", str(port), "--no-watch"]
    log = RESULTS / "cdn.log.tmp"
    with Server(command, port, log, cwd=REPO) as server:
        server.wait_listening(20)
        base = f"http://{HOST}:{port}"
        found = re.search(r"http://(d[a-z0-9]{13}\.cloudfront\.localhost):", log.read_text())
        assert found is not None
        host = {"Host": f"{found.group(1)}:{port}"}
        aws = {"endpoint_url": base, "region_name": "us-east-1"}
        keys = {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
        cloudfront = boto3.client("cloudfront", **aws, **keys)
        s3 = boto3.client("s3", **aws, **keys)
        distribution = cloudfront.list_distributions()["DistributionList"]["Items"][0]["Id"]
        bucket = next(b["Name"] for b in s3.list_buckets()["Buckets"] if "sitebucket" in b["Name"])
        with httpx.Client(base_url=base, headers=host) as http:
            http.get("/assets/app.js")

            def hit() -> None:
                assert http.get("/assets/app.js").headers["x-cache"] == "Hit from cloudfront"

            def brotli() -> None:
                http.get("/assets/app.js", headers={"Accept-Encoding": "br"})

            def miss() -> None:
                # The edge cache forgets the path (an invalidation, not timed) first.
                cloudfront.create_invalidation(
                    DistributionId=distribution,
                    InvalidationBatch={
                        "Paths": {"Quantity": 1, "Items": ["/assets/app.js"]},
                        "CallerReference": str(time.perf_counter_ns()),
                    },
                )
                started = time.perf_counter()
                assert http.get("/assets/app.js").headers["x-cache"] == "Miss from cloudfront"
                misses.append(time.perf_counter() - started)

            misses: list[float] = []
            figures = {
                "calls": args.calls,
                "hit_us": _timed(hit, args.calls),
                "hit_brotli_us": _timed(brotli, args.calls),
            }
            for _ in range(args.calls // 5):
                miss()
            figures["miss_from_s3_us"] = round(statistics.median(misses) * 1e6, 1)
            figures["s3_get_object_boto3_us"] = _timed(
                lambda: s3.get_object(Bucket=bucket, Key="assets/app.js")["Body"].read(),
                args.calls // 5,
            )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "cdn.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
