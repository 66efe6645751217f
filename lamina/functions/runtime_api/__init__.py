"""The Lambda Runtime API, served to one execution environment at a time.

Runtimes that are not Python's fork-from-a-zygote fast path (Node.js, custom ``provided``
runtimes, AWS's own runtime interface clients) are processes that poll this HTTP API for
invocations and post their answers to it. Each such process gets its own loopback listener,
so one process is one execution environment, one invocation at a time, as on Lambda.
https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html

Imports lamina.http and lamina.functions' own modules; used by lamina.functions.pool.
"""
