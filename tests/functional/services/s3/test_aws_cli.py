"""The AWS CLI (`aws s3 cp/ls/sync/rm`) against Lamina's S3: a second SDK's view of the
wire (its own botocore, multipart transfers, listing with delimiters).

The test uses tests.clients.AWS_CLI and is skipped when no `aws` is installed.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.clients import AWS_CLI, aws_cli

from .conftest import S3Server

MIB = 1024 * 1024


pytestmark = pytest.mark.skipif(AWS_CLI is None, reason="the AWS CLI is not installed")


def test_cp_ls_sync_and_rm(server: S3Server, tmp_path: Path) -> None:
    aws_cli(server.url, "s3", "mb", "s3://cli-bucket")
    small = tmp_path / "hello.txt"
    small.write_text("hello from the CLI\n")
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(9 * MIB))  # over the CLI's 8 MiB multipart threshold
    aws_cli(server.url, "s3", "cp", str(small), "s3://cli-bucket/docs/hello.txt")
    aws_cli(server.url, "s3", "cp", str(big), "s3://cli-bucket/data/big.bin")
    top = aws_cli(server.url, "s3", "ls", "s3://cli-bucket/")
    assert "PRE docs/" in top and "PRE data/" in top
    listed = aws_cli(server.url, "s3", "ls", "--recursive", "s3://cli-bucket/")
    assert "docs/hello.txt" in listed and str(9 * MIB) in listed
    assert (
        aws_cli(server.url, "s3", "cp", "s3://cli-bucket/docs/hello.txt", "-")
        == "hello from the CLI\n"
    )
    copy = tmp_path / "copy.bin"
    aws_cli(server.url, "s3", "cp", "s3://cli-bucket/data/big.bin", str(copy))
    assert copy.read_bytes() == big.read_bytes()
    head = server.client().head_object(Bucket="cli-bucket", Key="data/big.bin")
    assert head["ETag"].endswith('-2"')  # the CLI uploaded it in two parts

    mirror = tmp_path / "mirror"
    aws_cli(server.url, "s3", "sync", "s3://cli-bucket/", str(mirror))
    assert (mirror / "docs" / "hello.txt").read_text() == "hello from the CLI\n"
    aws_cli(server.url, "s3", "rm", "--recursive", "s3://cli-bucket/")
    assert aws_cli(server.url, "s3", "ls", "--recursive", "s3://cli-bucket/") == ""
    aws_cli(server.url, "s3", "rb", "s3://cli-bucket")
    assert "cli-bucket" not in aws_cli(server.url, "s3", "ls")
