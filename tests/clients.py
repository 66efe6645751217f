"""What end-to-end tests share to drive a running `lamina up`: a boto3 client for its AWS
endpoint, the `lamina` command line as a subprocess, and a bounded poll."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import boto3


def aws_client(base: str, service: str) -> Any:
    """A boto3 client of `service` signed with the account root's `test`/`test` key."""
    return boto3.client(
        service,
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def lamina_cli(*args: str, answer: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m lamina.cli ARGS`, with `answer` on its stdin (a confirmation prompt)."""
    return subprocess.run(
        [sys.executable, "-m", "lamina.cli", *args],
        capture_output=True,
        text=True,
        input=answer,
        timeout=120,
        check=False,
    )


def until(check: Callable[[], bool], timeout_s: float = 15, interval_s: float = 0.1) -> bool:
    """Whether `check` turned true within `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(interval_s)
    return False
