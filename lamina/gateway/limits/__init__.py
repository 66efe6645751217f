"""Access limits of the data plane: API keys, usage plans, quotas and throttling.

model.py holds what a template declares (frozen); policy.py compiles it per deployment
into lookups the EnforceThrottle and MeterUsage stages read; bucket.py and period.py hold
the token-bucket and quota-period arithmetic; limiter.py declares the `RateLimiter` seam
with its in-process implementation (counters_file.py keeps its quota counters across
restarts), redis_limiter.py the Redis one that several edge processes share; usage.py
renders recorded usage in GetUsage's shape.

May import lamina.core and the rest of lamina.gateway's model; nothing above it.
"""
