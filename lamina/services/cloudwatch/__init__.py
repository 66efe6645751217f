"""A CloudWatch-compatible metrics API (PutMetricData, GetMetricStatistics, GetMetricData,
ListMetrics) over a per-minute store fed by the gateway, the function runtime and the
functions' Embedded Metric Format log lines."""
