"""Crash safety: a process killed (SIGKILL) mid-write leaves no partial object visible, and
what it left behind is swept when the store opens again."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from botocore.exceptions import ClientError

from .conftest import S3Server

_WRITER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from lamina.services.s3.blob import BlobStore

    def chunks():
        yield b"x" * 65536
        print("half written", flush=True)
        time.sleep(60)
        yield b"never"

    BlobStore(Path(sys.argv[1]) / "s3").write(chunks())
    """
)


def test_sigkill_mid_write_leaves_no_object_and_is_swept(tmp_path: Path) -> None:
    server = S3Server(tmp_path)
    try:
        s3 = server.client()
        s3.create_bucket(Bucket="crash-bucket")
        s3.put_object(Bucket="crash-bucket", Key="kept", Body=b"before the crash")
    finally:
        server.close()
    writer = subprocess.Popen(
        [sys.executable, "-c", _WRITER, str(tmp_path)],
        stdout=subprocess.PIPE,
        cwd=Path(__file__).resolve().parents[4],
    )
    assert writer.stdout is not None
    assert writer.stdout.readline() == b"half written\n"
    writer.send_signal(signal.SIGKILL)
    writer.wait(10)
    leftovers = list((tmp_path / "s3" / "tmp").iterdir())
    assert len(leftovers) == 1 and leftovers[0].stat().st_size > 0
    # A blob renamed into place whose row never committed (a crash between the two).
    orphan = tmp_path / "s3" / "blobs" / ("0" * 32)
    orphan.write_bytes(b"orphan")

    server = S3Server(tmp_path)
    try:
        s3 = server.client()
        assert not list((tmp_path / "s3" / "tmp").iterdir())
        assert not orphan.exists()
        listed = s3.list_objects_v2(Bucket="crash-bucket")
        assert [o["Key"] for o in listed["Contents"]] == ["kept"]
        assert s3.get_object(Bucket="crash-bucket", Key="kept")["Body"].read() == (
            b"before the crash"
        )
        try:
            s3.head_object(Bucket="crash-bucket", Key="half")
            raise AssertionError("a half-written object is visible")
        except ClientError as error:
            assert error.response["Error"]["Code"] == "404"
    finally:
        server.close()


def test_objects_and_uploads_survive_a_restart(tmp_path: Path) -> None:
    server = S3Server(tmp_path)
    try:
        s3 = server.client()
        s3.create_bucket(Bucket="durable-bucket")
        s3.put_object(Bucket="durable-bucket", Key="a", Body=b"A", Metadata={"x": "1"})
        upload_id = s3.create_multipart_upload(Bucket="durable-bucket", Key="m")["UploadId"]
        etag = s3.upload_part(
            Bucket="durable-bucket", Key="m", UploadId=upload_id, PartNumber=1, Body=b"part"
        )["ETag"]
    finally:
        server.close()
    server = S3Server(tmp_path)
    try:
        s3 = server.client()
        got = s3.get_object(Bucket="durable-bucket", Key="a")
        assert got["Body"].read() == b"A" and got["Metadata"] == {"x": "1"}
        s3.complete_multipart_upload(
            Bucket="durable-bucket",
            Key="m",
            UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
        )
        assert s3.get_object(Bucket="durable-bucket", Key="m")["Body"].read() == b"part"
    finally:
        server.close()


def test_a_lost_blob_is_an_internal_error(tmp_path: Path) -> None:
    server = S3Server(tmp_path)
    try:
        s3 = server.client()
        s3.create_bucket(Bucket="lost-bucket")
        s3.put_object(Bucket="lost-bucket", Key="k", Body=b"x")
        for blob in (tmp_path / "s3" / "blobs").iterdir():
            blob.unlink()
        try:
            s3.get_object(Bucket="lost-bucket", Key="k")
            raise AssertionError("a missing blob was served")
        except ClientError as error:
            assert error.response["Error"]["Code"] == "InternalError"
            assert error.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    finally:
        server.close()
