"""The AWS CLI (`aws s3 cp/ls/sync/rm`) against Lamina's S3: a second SDK's view of the
wire (its own botocore, multipart transfers, listing with delimiters).

The CLI pins its own botocore, so it lives in its own environment: the test uses `aws` from
LAMINA_AWS_CLI, the PATH, or .venv/bin, and is skipped when none is installed
(`python -m venv /tmp/awscli && /tmp/awscli/bin/pip install awscli`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import S3Server

MIB = 1024 * 1024


def _cli() -> str | None:
    configured = os.environ.get("LAMINA_AWS_CLI")
    if configured:
        return configured
    beside = Path(sys.executable).parent / "aws"
    return shutil.which("aws") or (str(beside) if beside.exists() else None)


CLI = _cli()
pytestmark = pytest.mark.skipif(CLI is None, reason="the AWS CLI is not installed")


def _aws(server: S3Server, *args: str) -> str:
    assert CLI is not None
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    done = subprocess.run(
        [CLI, "--endpoint-url", server.url, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_cp_ls_sync_and_rm(server: S3Server, tmp_path: Path) -> None:
    _aws(server, "s3", "mb", "s3://cli-bucket")
    small = tmp_path / "hello.txt"
    small.write_text("hello from the CLI\n")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(9 * MIB))  # over the CLI's 8 MiB multipart threshold
    _aws(server, "s3", "cp", str(small), "s3://cli-bucket/docs/hello.txt")
    _aws(server, "s3", "cp", str(big), "s3://cli-bucket/data/big.bin")
    top = _aws(server, "s3", "ls", "s3://cli-bucket/")
    assert "PRE docs/" in top and "PRE data/" in top
    listed = _aws(server, "s3", "ls", "--recursive", "s3://cli-bucket/")
    assert "docs/hello.txt" in listed and str(9 * MIB) in listed
    assert _aws(server, "s3", "cp", "s3://cli-bucket/docs/hello.txt", "-") == "hello from the CLI\n"
    copy = tmp_path / "copy.bin"
    _aws(server, "s3", "cp", "s3://cli-bucket/data/big.bin", str(copy))
    assert copy.read_bytes() == big.read_bytes()
    head = server.client().head_object(Bucket="cli-bucket", Key="data/big.bin")
    assert head["ETag"].endswith('-2"')  # the CLI uploaded it in two parts

    mirror = tmp_path / "mirror"
    _aws(server, "s3", "sync", "s3://cli-bucket/", str(mirror))
    assert (mirror / "docs" / "hello.txt").read_text() == "hello from the CLI\n"
    _aws(server, "s3", "rm", "--recursive", "s3://cli-bucket/")
    assert _aws(server, "s3", "ls", "--recursive", "s3://cli-bucket/") == ""
    _aws(server, "s3", "rb", "s3://cli-bucket")
    assert "cli-bucket" not in _aws(server, "s3", "ls")
