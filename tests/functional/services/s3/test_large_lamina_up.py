"""Large S3 objects through a real `lamina up`: the AWS CLI copies a file past the 10 MB
buffered cap both ways while the same port still answers an API's oversized body with API
Gateway's 413; a server killed (SIGKILL) in the middle of a large upload leaves no object
and its temporary file is swept on the next start."""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from botocore.auth import S3SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from tests.clients import AWS_CLI, aws_cli, aws_client
from tests.conftest import LaminaProcess

APP = Path(__file__).parent / "app"
MIB = 1024 * 1024


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Path]:
    copied = tmp_path / "app"
    shutil.copytree(APP, copied)
    yield copied
    shutil.rmtree(tmp_path, ignore_errors=True)  # big files go at once, not at exit


def _s3(lamina: LaminaProcess) -> Any:
    return aws_client(lamina.base, "s3")


def _md5(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as file:
        while chunk := file.read(MIB):
            digest.update(chunk)
    return digest.hexdigest()


@pytest.mark.skipif(AWS_CLI is None, reason="the AWS CLI is not installed")
def test_cli_copies_past_the_cap_and_the_gateway_keeps_its_413(app: Path) -> None:
    lamina = LaminaProcess(app / "template.yaml")
    try:
        source = app / "big.bin"
        block = os.urandom(MIB)
        with source.open("wb") as file:
            for i in range(24):
                file.write(i.to_bytes(4, "big") + block[4:])
        aws_cli(lamina.base, "s3", "mb", "s3://large-bucket", timeout_s=300)
        aws_cli(lamina.base, "s3", "cp", str(source), "s3://large-bucket/big.bin", timeout_s=300)
        back = app / "back.bin"
        aws_cli(lamina.base, "s3", "cp", "s3://large-bucket/big.bin", str(back), timeout_s=300)
        assert back.stat().st_size == 24 * MIB and _md5(back) == _md5(source)
        # A single PUT as well (below the CLI's multipart threshold, above the cap).
        single = _s3(lamina).put_object(Bucket="large-bucket", Key="one.bin", Body=block * 11)
        assert single["ETag"] == f'"{hashlib.md5(block * 11).hexdigest()}"'

        # The HTTP API on the same port: API Gateway's 10 MB payload limit still holds.
        # https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-quotas.html
        refused = httpx.put(
            f"{lamina.base}/notes/too-big", content=b"n" * (10 * MIB + 1), timeout=60
        )
        assert refused.status_code == 413
        assert refused.json() == {"message": "Request Entity Too Large"}
    finally:
        lamina.stop()


class _Unsigned(S3SigV4Auth):  # type: ignore[misc]
    """botocore's S3 signer for an UNSIGNED-PAYLOAD request (its body is sent by hand)."""

    def payload(self, request: Any) -> str:
        return "UNSIGNED-PAYLOAD"


def test_sigkill_during_a_large_upload_leaves_nothing_visible(app: Path) -> None:
    lamina = LaminaProcess(app / "template.yaml")
    temporary = app / ".lamina" / "s3" / "tmp"
    try:
        s3 = _s3(lamina)
        s3.create_bucket(Bucket="crash-bucket")
        s3.put_object(Bucket="crash-bucket", Key="kept", Body=b"before")
        url = f"{lamina.base}/crash-bucket/half.bin"
        request = AWSRequest(method="PUT", url=url, headers={"Content-Length": str(64 * MIB)})
        _Unsigned(Credentials("test", "test"), "s3", "us-east-1").add_auth(request)
        head = f"PUT /crash-bucket/half.bin HTTP/1.1\r\nHost: 127.0.0.1:{lamina.port}\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in request.headers.items())
        with socket.create_connection(("127.0.0.1", lamina.port), timeout=30) as connection:
            connection.sendall(head.encode() + b"\r\n")
            for _ in range(24):
                connection.sendall(os.urandom(MIB))
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not _half_written(temporary):
                time.sleep(0.05)
            assert _half_written(temporary), "the upload never reached a temporary file"
            lamina.stop(signal.SIGKILL)
        assert _half_written(temporary)  # what the crash left
    finally:
        lamina.stop()

    lamina = LaminaProcess(app / "template.yaml")
    try:
        s3 = _s3(lamina)
        assert not list(temporary.iterdir())  # swept on start
        listed = s3.list_objects_v2(Bucket="crash-bucket")
        assert [item["Key"] for item in listed["Contents"]] == ["kept"]
        with pytest.raises(ClientError) as missing:
            s3.head_object(Bucket="crash-bucket", Key="half.bin")
        assert missing.value.response["Error"]["Code"] == "404"
    finally:
        lamina.stop()


def _half_written(temporary: Path) -> bool:
    """A temporary file holding a good part of the body (but not the whole of it)."""
    found = list(temporary.iterdir()) if temporary.exists() else []
    return any(16 * MIB <= path.stat().st_size < 64 * MIB for path in found)


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.slow
def test_memory_stays_flat_while_128_mib_go_through(app: Path) -> None:
    lamina = LaminaProcess(app / "template.yaml")
    try:
        s3 = _s3(lamina)
        s3.create_bucket(Bucket="flat-bucket")
        s3.put_object(Bucket="flat-bucket", Key="warm", Body=b"w" * (2 * MIB))
        s3.get_object(Bucket="flat-bucket", Key="warm")["Body"].read()
        before = _rss_mib(lamina.process.pid)
        peak = [before]
        done = threading.Event()

        def sample() -> None:
            while not done.is_set():
                peak[0] = max(peak[0], _rss_mib(lamina.process.pid))
                time.sleep(0.01)

        sampler = threading.Thread(target=sample)
        sampler.start()
        try:
            data = os.urandom(MIB) * 128
            put = s3.put_object(Bucket="flat-bucket", Key="big", Body=data)
            assert put["ETag"] == f'"{hashlib.md5(data).hexdigest()}"'
            got = s3.get_object(Bucket="flat-bucket", Key="big")["Body"]
            received = 0
            while piece := got.read(MIB):
                received += len(piece)
            assert received == len(data)
        finally:
            done.set()
            sampler.join()
        # A body held whole would add at least its 128 MiB.
        assert peak[0] - before < 48, (before, peak[0])
    finally:
        lamina.stop()
