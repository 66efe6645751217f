"""A CloudWatch Logs-compatible service: log groups, streams, events, filter patterns,
retention, and the sink functions' logs are written through.

Imports lamina.core, lamina.aws (the provider contract) and lamina.functions.logfile (the
invocation log record); nothing from the gateway or config.
"""
