"""LogsProvider: the botocore "logs" service (JSON 1.1, Logs_20140328): a LogService with
the API's operations bound to it, and the ingest thread functions' logs go through.

API reference: https://docs.aws.amazon.com/AmazonCloudWatchLogs/latest/APIReference/Welcome.html
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from lamina.aws.service import Handler, ServiceError, bind_operations
from lamina.functions.logfile import InvocationLog
from lamina.services.logs.ingest import LogIngest
from lamina.services.logs.live_tail import LiveTail
from lamina.services.logs.operations import OPERATIONS
from lamina.services.logs.service import LogService


class LogsProvider(LogService):
    # CloudWatch Logs errors carry a bare __type ("ResourceNotFoundException").
    error_namespace = None

    def __init__(
        self,
        *,
        state_dir: Path,
        region: str,
        account_id: str,
        clock: Callable[[], float] = time.time,
        sweep_s: float = 60.0,
    ) -> None:
        super().__init__(state_dir=state_dir, region=region, account_id=account_id, clock=clock)
        self.ingest = LogIngest(self.store, clock=clock, sweep_s=sweep_s)
        self.live_tail = LiveTail(self)
        self._handlers = {
            **bind_operations(self, OPERATIONS),
            "StartLiveTail": self.live_tail.start,
        }

    @property
    def service_name(self) -> str:
        return "logs"

    def handlers(self) -> Mapping[str, Handler]:
        return self._handlers

    def record(self, record: InvocationLog) -> None:
        """FunctionService's `log_records` sink."""
        self.ingest.record(record)

    def access_lines(self, lines: list[tuple[str, int, str]]) -> None:
        """The gateway AccessLogWriter's sink: access log lines to their log groups."""
        self.ingest.access_lines(lines)

    def close(self) -> None:
        """Write the queued function logs, then close the store."""
        self.ingest.close()
        self.store.close()

    def resource_arns(self, operation: str, params: Mapping[str, Any]) -> list[str] | None:
        """The log group a call acts on, for IAM."""
        name = params.get("logGroupName")
        if isinstance(name, str):
            return [f"{self.group_arn(name)}:*"]
        arn = params.get("resourceArn") or params.get("logGroupIdentifier")
        if isinstance(arn, str):
            try:
                return [f"{self.group_arn(self.group({'logGroupIdentifier': arn}).name)}:*"]
            except ServiceError:
                return None
        return None
