"""What end-to-end tests share to drive a running `lamina up`: a boto3 client for its AWS
endpoint, the AWS CLI and the `lamina` command line as subprocesses, and a bounded poll."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import httpx
import jwt


def aws_client(base: str, service: str) -> Any:
    """A boto3 client of `service` signed with the account root's `test`/`test` key."""
    return boto3.client(
        service,
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )


def client_from(base: str, source: str = "127.0.0.1") -> httpx.Client:
    """An httpx client of `base` whose connections come from `source` (any 127/8 address is
    local), for rules that look at the caller's address."""
    transport = httpx.HTTPTransport(local_address=source)
    return httpx.Client(base_url=base, timeout=20, transport=transport)


def _aws_cli_path() -> str | None:
    configured = os.environ.get("LAMINA_AWS_CLI")
    if configured:
        return configured
    beside = Path(sys.executable).parent / "aws"
    return shutil.which("aws") or (str(beside) if beside.exists() else None)


AWS_CLI = _aws_cli_path()
"""The `aws` command: LAMINA_AWS_CLI, else the PATH's, else .venv/bin's; None when none is
installed (tests using it skip). The CLI pins its own botocore, so it may live in its own
environment (`python -m venv /tmp/awscli && /tmp/awscli/bin/pip install awscli`)."""


def aws_cli(base: str, *args: str, timeout_s: float = 120) -> str:
    """`aws --endpoint-url BASE ARGS` as the account root (`test`/`test`, us-east-1, no
    config or credentials file of the user's); its stdout, asserting it succeeded."""
    assert AWS_CLI is not None
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    done = subprocess.run(
        [AWS_CLI, "--endpoint-url", base, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


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


def redeem_code(issuer: str, client_id: str, code: str, redirect_uri: str) -> dict[str, Any]:
    """A user pool's authorization code redeemed at `{issuer}/oauth2/token`; the ID token's
    claims, verified against the pool's JWKS (signature, audience, issuer)."""
    redeemed = httpx.post(
        f"{issuer}/oauth2/token",
        data={
            "grant_type": "authorization_code",
            "client_id": client_id,
            "code": code,
            "redirect_uri": redirect_uri,
        },
        timeout=10,
    )
    assert redeemed.status_code == 200, redeemed.text
    jwks = httpx.get(f"{issuer}/.well-known/jwks.json", timeout=10).json()
    token = redeemed.json()["id_token"]
    key = jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]]
    claims: dict[str, Any] = jwt.decode(
        token, key.key, algorithms=["RS256"], audience=client_id, issuer=issuer
    )
    return claims
