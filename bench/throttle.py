"""Throttling precision and the cost of the API key + usage plan check.

    .venv/bin/python bench/throttle.py [--seconds 10] [--connections 64] [--calls 2000]

1. Flood: a REST API whose stage throttles every method at 100 requests/s with a burst of
   50 (MethodSettings `/*` `*`), flooded by wrk with many connections for 10 s. A token
   bucket admits its burst plus rate x seconds: 50 + 100 * 10 = 1,050, and we require the
   200s counted to be within 2 % of it. Run with the in-process limiter and with Redis
   (`--limits redis://...`) when Redis answers.
   "admitted" is the gateway's count (each invocation prints a line); wrk's 200s are
   also reported (they miss responses still in flight when wrk stops).
2. The EnforceThrottle and MeterUsage stages alone, in process: ns per request (both
   stages) for a template without limits, a method without a key in a template with a
   usage plan, and a method with a key.
3. Overhead: p50 of a sequential client, 2,000 requests each, alternating between a plain
   route and one that requires an API key in a usage plan (with a throttle and a quota),
   on the same function: what the key check, the client bucket and the quota count add.

Writes bench/results/throttle.json and prints the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from load import require_wrk
from server import HOST, Server, free_port

from lamina.gateway.context import RequestContext
from lamina.gateway.deployment import Deployment
from lamina.gateway.limits.limiter import InProcessLimiter
from lamina.gateway.limits.model import (
    AccessLimits,
    ApiKey,
    PlanStage,
    Quota,
    Throttle,
    UsagePlan,
)
from lamina.gateway.model import Method, Resource, RestApi, Stage
from lamina.gateway.request import GatewayRequest
from lamina.gateway.stages.meter import EnforceThrottle, MeterUsage
from lamina.gateway.stages.route import RouteRequest

BENCH = Path(__file__).resolve().parent
RESULTS = BENCH / "results"
RATE, BURST = 100, 50
TOLERANCE = 0.02
REDIS_URL = "redis://127.0.0.1:6379/0"
API_KEY = "bench-api-key-0123456789abcdef"

# Each invocation prints one line: the gateway's own count of admitted requests, read from
# lamina's console output (wrk misses the responses still in flight when it stops).
HANDLER = """def handler(event, context):
    print("ADMITTED", event["requestContext"]["requestTimeEpoch"])
    return {"statusCode": 200, "body": "ok"}
"""

FLOOD_TEMPLATE = f"""Transform: AWS::Serverless-2016-10-31
Resources:
  Flooded:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
      MethodSettings:
        - HttpMethod: "*"
          ResourcePath: "/*"
          ThrottlingRateLimit: {RATE}
          ThrottlingBurstLimit: {BURST}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: src/
      Handler: app.handler
      Events:
        Get: {{Type: Api, Properties: {{RestApiId: !Ref Flooded, Path: /flood, Method: get}}}}
"""

OVERHEAD_TEMPLATE = f"""Transform: AWS::Serverless-2016-10-31
Resources:
  Api:
    Type: AWS::Serverless::Api
    Properties:
      StageName: prod
  Key:
    Type: AWS::ApiGateway::ApiKey
    Properties: {{Enabled: true, Value: {API_KEY}}}
  Plan:
    Type: AWS::ApiGateway::UsagePlan
    Properties:
      ApiStages: [{{ApiId: !Ref Api, Stage: !Ref Api.Stage}}]
      Throttle: {{RateLimit: 10000, BurstLimit: 5000}}
      Quota: {{Limit: 1000000000, Period: DAY}}
  PlanKey:
    Type: AWS::ApiGateway::UsagePlanKey
    Properties: {{KeyId: !Ref Key, KeyType: API_KEY, UsagePlanId: !Ref Plan}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Runtime: python3.12
      CodeUri: src/
      Handler: app.handler
      Events:
        Plain: {{Type: Api, Properties: {{RestApiId: !Ref Api, Path: /plain, Method: get}}}}
        Keyed:
          Type: Api
          Properties:
            RestApiId: !Ref Api
            Path: /keyed
            Method: get
            Auth: {{ApiKeyRequired: true}}
"""

# Counts 200s, 429s and anything else per thread; one summary line at the end.
COUNT_SCRIPT = """
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; throttled = 0; other = 0 end
function response(status, headers, body)
  if status == 200 then ok = ok + 1
  elseif status == 429 then throttled = throttled + 1
  else other = other + 1 end
end
function done(summary, latency, requests)
  local t = {ok = 0, throttled = 0, other = 0}
  for _, thread in ipairs(threads) do
    for name, _ in pairs(t) do t[name] = t[name] + thread:get(name) end
  end
  local e = summary.errors
  io.write(string.format("THROTTLE ok=%d throttled=%d other=%d requests=%d duration_us=%d"
    .. " socket_errors=%d\\n", t.ok, t.throttled, t.other, summary.requests, summary.duration,
    e.connect + e.read + e.write + e.timeout))
end
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    require_wrk()
    figures: dict[str, Any] = {"rate_limit": RATE, "burst_limit": BURST}
    figures["meter_stage_in_process"] = _stage_cost()
    with tempfile.TemporaryDirectory(prefix="lamina-throttle-") as folder:
        work = Path(folder)
        flood_app = _app(work / "flood", FLOOD_TEMPLATE)
        figures["flood_in_process"] = _flood(flood_app, [], args.seconds, args.connections)
        if _redis_answers():
            url = f"{REDIS_URL}?key_prefix=lamina-bench:{uuid.uuid4().hex}:"
            limits = ["--limits", url]
            figures["flood_redis"] = _flood(flood_app, limits, args.seconds, args.connections)
        overhead_app = _app(work / "overhead", OVERHEAD_TEMPLATE)
        figures["overhead_in_process"] = _overhead(overhead_app, [], args.calls)
        if _redis_answers():
            url = f"{REDIS_URL}?key_prefix=lamina-bench:{uuid.uuid4().hex}:"
            figures["overhead_redis"] = _overhead(overhead_app, ["--limits", url], args.calls)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "throttle.json").write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
    floods = [value for key, value in figures.items() if key.startswith("flood_")]
    return 0 if all(flood["within_tolerance"] for flood in floods) else 1


def _app(folder: Path, template: str) -> Path:
    (folder / "src").mkdir(parents=True)
    (folder / "src" / "app.py").write_text(HANDLER)
    (folder / "template.yaml").write_text(template)
    return folder


def _lamina(app: Path, extra: list[str], port: int) -> Server:
    command = [str(Path(sys.executable).parent / "lamina"), "up", str(app), "--port", str(port)]
    return Server(command + extra, port, RESULTS / "throttle.log.tmp")


def _flood(app: Path, extra: list[str], seconds: int, connections: int) -> dict[str, Any]:
    port = free_port()
    log = RESULTS / "throttle.log.tmp"
    with _lamina(app, extra, port) as server:
        server.wait_listening(30)
        url = f"http://{HOST}:{port}/prod/flood"
        # Warm the function once: its first call (a fork) is not what we measure. The
        # token it takes comes back long before the flood starts.
        assert httpx.get(url, timeout=30).status_code == 200
        time.sleep(BURST / RATE + 0.5)
        before = _admitted(log)
        counts = _wrk(url, seconds, connections)
        time.sleep(1.0)  # the last responses and the console's buffered lines
    stamps = _admitted(log)[len(before) :]
    expected = BURST + RATE * seconds
    span_s = (stamps[-1] - stamps[0]) / 1000 if stamps else 0.0
    return {
        "admitted": len(stamps),
        "wrk_200": counts["ok"],
        "wrk_429": counts["throttled"],
        "wrk_other": counts["other"],
        "wrk_requests": counts["requests"],
        "wrk_socket_errors": counts["socket_errors"],
        "wrk_window_s": round(counts["duration_us"] / 1e6, 3),
        "admission_span_s": round(span_s, 3),
        "expected": expected,
        "expected_for_span": round(BURST + RATE * span_s, 1),
        "error_pct": round((len(stamps) - expected) / expected * 100, 2),
        "within_tolerance": abs(len(stamps) - expected) <= expected * TOLERANCE
        and counts["other"] == 0,
    }


def _admitted(log: Path) -> list[int]:
    """requestTimeEpoch of each invocation the function printed, in order."""
    text = log.read_text(errors="replace") if log.exists() else ""
    return [int(found) for found in re.findall(r"ADMITTED (\d+)", text)]


def _wrk(url: str, seconds: int, connections: int) -> dict[str, int]:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(COUNT_SCRIPT)
    command = [
        require_wrk(),
        "-t2",
        f"-c{connections}",
        f"-d{seconds}s",
        "--timeout",
        "5s",
        "-s",
        script.name,
        url,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30)
    finally:
        Path(script.name).unlink()
    found = re.search(r"^THROTTLE (.*)$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or found is None:
        raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
    return {key: int(value) for key, value in re.findall(r"(\w+)=(\d+)", found.group(1))}


def _overhead(app: Path, extra: list[str], calls: int) -> dict[str, Any]:
    port = free_port()
    with _lamina(app, extra, port) as server:
        server.wait_listening(30)
        with httpx.Client(base_url=f"http://{HOST}:{port}") as client:
            plain, keyed = [], []
            headers = {"x-api-key": API_KEY}
            # Both send the key (the plain method ignores it), so the client's work is the same.
            for _ in range(50):  # warm the worker and the connection
                assert client.get("/prod/plain", headers=headers).status_code == 200
                assert client.get("/prod/keyed", headers=headers).status_code == 200
            for _ in range(calls):  # alternate, so drift hits both alike
                plain.append(_time(lambda: client.get("/prod/plain", headers=headers)))
                keyed.append(_time(lambda: client.get("/prod/keyed", headers=headers)))
    plain_p50, keyed_p50 = statistics.median(plain), statistics.median(keyed)
    return {
        "calls_each": calls,
        "plain_p50_us": round(plain_p50, 1),
        "api_key_usage_plan_p50_us": round(keyed_p50, 1),
        "added_p50_us": round(keyed_p50 - plain_p50, 1),
        "added_pct": round((keyed_p50 - plain_p50) / plain_p50 * 100, 2),
    }


def _time(call: Any) -> float:
    start = time.perf_counter()
    response = call()
    elapsed = (time.perf_counter() - start) * 1e6
    assert response.status_code == 200, response.text
    return elapsed


def _stage_cost(calls: int = 200_000) -> dict[str, float]:
    """Nanoseconds per request through EnforceThrottle and MeterUsage in process, no
    server: a method without a key requirement (the hot path, one bucket) and one with a
    key, a plan throttle and a quota. The account bucket is made too large to empty."""
    huge = Throttle(rate=1e12, burst=10**12)
    plan = UsagePlan(
        id="plan01",
        name="p",
        stages=(PlanStage(api_id="api0000001", stage="prod"),),
        throttle=huge,
        quota=Quota(limit=10**12, period="DAY"),
        key_ids=("key0000001",),
    )
    limits = AccessLimits(
        api_keys=(ApiKey(id="key0000001", name="k", value=API_KEY, enabled=True),),
        usage_plans=(plan,),
        account=huge,
    )
    methods = {
        "/plain": Method(http_method="GET"),
        "/keyed": Method(http_method="GET", api_key_required=True),
    }
    api = RestApi(
        id="api0000001",
        logical_id="Api",
        name="Api",
        stages=(Stage(name="prod"),),
        resources=tuple(
            Resource(id=str(n), path=path, methods={"GET": method})
            for n, (path, method) in enumerate(methods.items())
        ),
    )
    with_plans = Deployment((api,), (), account_id="1", region="us-east-1", limits=limits)
    bare = Deployment(
        (api,), (), account_id="1", region="us-east-1", limits=AccessLimits(account=huge)
    )
    limiter = InProcessLimiter()
    throttle, meter = EnforceThrottle(limiter), MeterUsage(limiter)

    async def cost(path: str, deployment: Deployment = with_plans) -> float:
        request = GatewayRequest(
            method="GET",
            path=path,
            query_string="",
            headers=[("host", "127.0.0.1"), ("x-api-key", API_KEY)],
            body=b"",
            source_ip="127.0.0.1",
            protocol="HTTP/1.1",
            domain_name="127.0.0.1",
            request_id="r",
            extended_request_id="e",
            time_epoch_ms=0,
        )
        ctx = RequestContext(request, deployment, "127.0.0.1")
        await RouteRequest()(ctx)
        start = time.perf_counter_ns()
        for _ in range(calls):
            await throttle(ctx)
            await meter(ctx)
        return round((time.perf_counter_ns() - start) / calls, 1)

    async def nothing() -> None:
        return None

    async def reference() -> float:
        """An empty coroutine awaited the same way: the yardstick on a busy machine."""
        start = time.perf_counter_ns()
        for _ in range(calls):
            await nothing()
        return round((time.perf_counter_ns() - start) / calls, 1)

    async def both() -> dict[str, float]:
        return {
            "calls": calls,
            "empty_coroutine_ns": await reference(),
            "no_limits_in_template_ns": await cost("/prod/plain", bare),
            "no_key_one_bucket_ns": await cost("/prod/plain"),
            "api_key_plan_quota_ns": await cost("/prod/keyed"),
        }

    return asyncio.run(both())


def _redis_answers() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_timeout=1).ping())
    except Exception:  # any failure means: no Redis to bench against
        return False


if __name__ == "__main__":
    sys.exit(main())
