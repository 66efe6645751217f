"""CloudWatch Logs-compatible service: log groups, streams, events, filter patterns, retention."""
