"""An X-Ray-compatible API (botocore `xray`, rest-json) over the traces Lamina keeps
(lamina/core/trace_store.py): PutTraceSegments, GetTraceSummaries, BatchGetTraces,
GetServiceGraph. May import lamina.aws and lamina.core only."""
