-- wrk counts any response as a completed request, 404s and 502s included, so a
-- throughput figure means nothing until we know every response was a 200.
-- This script counts the others and prints one machine-readable summary line,
-- which bench/load.py parses (latencies in microseconds).

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non_200 = 0
  throttled = 0
end

function response(status, headers, body)
  if status ~= 200 then
    non_200 = non_200 + 1
  end
  if status == 429 then
    throttled = throttled + 1
  end
end

function done(summary, latency, requests)
  local non_200_total = 0
  local throttled_total = 0
  for _, thread in ipairs(threads) do
    non_200_total = non_200_total + thread:get("non_200")
    throttled_total = throttled_total + thread:get("throttled")
  end
  local errors = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d non_200=%d p50_us=%d p99_us=%d max_us=%d"
      .. " connect_errors=%d read_errors=%d write_errors=%d timeouts=%d throttled=%d\n",
    summary.requests, summary.duration, non_200_total,
    math.floor(latency:percentile(50)), math.floor(latency:percentile(99)),
    math.floor(latency.max),
    errors.connect, errors.read, errors.write, errors.timeout, throttled_total))
end
