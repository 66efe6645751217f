"""ListObjectVersions through boto3 (KeyMarker / VersionIdMarker paging, prefix, delimiter,
IsLatest, delete markers), and a store made before versioning opening with its objects as
"null" versions.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectVersions.html
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path
from typing import Any

import msgspec
import pytest
from botocore.exceptions import ClientError

from lamina.services.s3.blob import BlobStore
from tests.functional.services.s3.conftest import S3Server


def _enable(s3: Any, bucket: str) -> None:
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})


def _history(s3: Any, bucket: str) -> dict[str, list[str]]:
    """Three versions of `a`, a marker over `b`, one version of `c`."""
    _enable(s3, bucket)
    ids: dict[str, list[str]] = {"a": [], "b": [], "c": []}
    for body in (b"1", b"2", b"3"):
        ids["a"].insert(0, s3.put_object(Bucket=bucket, Key="a", Body=body)["VersionId"])
    ids["b"].insert(0, s3.put_object(Bucket=bucket, Key="b", Body=b"b")["VersionId"])
    ids["b"].insert(0, s3.delete_object(Bucket=bucket, Key="b")["VersionId"])
    ids["c"].insert(0, s3.put_object(Bucket=bucket, Key="c", Body=b"c")["VersionId"])
    return ids


def test_versions_and_markers_newest_first(s3: Any, bucket: str) -> None:
    ids = _history(s3, bucket)
    answer = s3.list_object_versions(Bucket=bucket)
    versions = [(v["Key"], v["VersionId"], v["IsLatest"]) for v in answer["Versions"]]
    assert versions == [
        ("a", ids["a"][0], True),
        ("a", ids["a"][1], False),
        ("a", ids["a"][2], False),
        ("b", ids["b"][1], False),
        ("c", ids["c"][0], True),
    ]
    markers = answer["DeleteMarkers"]
    assert [(m["Key"], m["VersionId"], m["IsLatest"]) for m in markers] == [
        ("b", ids["b"][0], True)
    ]
    assert answer["Versions"][0]["ETag"] and answer["Versions"][0]["Size"] == 1
    assert answer["IsTruncated"] is False


def test_pages_with_key_and_version_id_markers(s3: Any, bucket: str) -> None:
    ids = _history(s3, bucket)
    seen: list[tuple[str, str]] = []
    options: dict[str, Any] = {}
    for _ in range(10):
        page = s3.list_object_versions(Bucket=bucket, MaxKeys=2, **options)
        entries = page.get("Versions", []) + page.get("DeleteMarkers", [])
        entries.sort(key=lambda e: (e["Key"], -[*ids[e["Key"]]].index(e["VersionId"])))
        seen.extend((e["Key"], e["VersionId"]) for e in entries)
        if not page["IsTruncated"]:
            break
        options = {
            "KeyMarker": page["NextKeyMarker"],
            "VersionIdMarker": page["NextVersionIdMarker"],
        }
    expected = [(key, version) for key in "abc" for version in ids[key]]
    assert sorted(seen) == sorted(expected) and len(seen) == len(expected)
    only_key = s3.list_object_versions(Bucket=bucket, KeyMarker="a")
    assert {v["Key"] for v in only_key["Versions"]} == {"b", "c"}


def test_boto3_paginator_walks_every_version(s3: Any, bucket: str) -> None:
    ids = _history(s3, bucket)
    paginator = s3.get_paginator("list_object_versions")
    found = [
        v["VersionId"]
        for page in paginator.paginate(Bucket=bucket, PaginationConfig={"PageSize": 1})
        for v in page.get("Versions", []) + page.get("DeleteMarkers", [])
    ]
    assert sorted(found) == sorted(v for versions in ids.values() for v in versions)


def test_prefix_and_delimiter(s3: Any, bucket: str) -> None:
    _enable(s3, bucket)
    for key in ("docs/a", "docs/b", "docs/sub/c", "top", "docs/a"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    answer = s3.list_object_versions(Bucket=bucket, Prefix="docs/", Delimiter="/")
    assert [v["Key"] for v in answer["Versions"]] == ["docs/a", "docs/a", "docs/b"]
    assert answer["CommonPrefixes"] == [{"Prefix": "docs/sub/"}]
    rolled = s3.list_object_versions(Bucket=bucket, Delimiter="/")
    assert rolled["CommonPrefixes"] == [{"Prefix": "docs/"}]
    assert [v["Key"] for v in rolled["Versions"]] == ["top"]


def test_version_id_marker_needs_a_key_marker(s3: Any, bucket: str) -> None:
    with pytest.raises(ClientError) as raised:
        s3.list_object_versions(Bucket=bucket, VersionIdMarker="null")
    assert raised.value.response["Error"]["Code"] == "InvalidArgument"


_OLD_SCHEMA = """
CREATE TABLE buckets (name TEXT PRIMARY KEY, record BLOB NOT NULL);
CREATE TABLE objects (
  bucket TEXT NOT NULL, key TEXT NOT NULL, record BLOB NOT NULL, PRIMARY KEY (bucket, key)
);
"""


def test_a_store_from_before_versioning_keeps_its_objects_as_null_versions(
    tmp_path: Path,
) -> None:
    """The schema and records the store wrote before versioning (no seq column, no
    version fields); its blob laid out as blob.py does."""
    state = tmp_path / "state"
    (state / "s3").mkdir(parents=True)
    body = b"from an older lamina"
    db = sqlite3.connect(str(state / "s3" / "s3.sqlite"))
    db.executescript(_OLD_SCHEMA)
    bucket = {"name": "legacy", "created": 1_700_000_000.0, "region": "us-east-1"}
    db.execute("INSERT INTO buckets VALUES (?, ?)", ("legacy", msgspec.msgpack.encode(bucket)))
    blob = BlobStore(state / "s3").write([body])
    record = {
        "key": "old.txt",
        "blob_id": blob.blob_id,
        "size": len(body),
        "etag": f'"{hashlib.md5(body).hexdigest()}"',
        "modified": 1_700_000_000.0,
    }
    db.execute(
        "INSERT INTO objects VALUES (?, ?, ?)",
        ("legacy", "old.txt", msgspec.msgpack.encode(record)),
    )
    db.commit()
    db.close()
    server = S3Server(state)
    try:
        s3 = server.client()
        assert s3.get_object(Bucket="legacy", Key="old.txt")["Body"].read() == body
        _enable(s3, "legacy")
        newer = s3.put_object(Bucket="legacy", Key="old.txt", Body=b"new")["VersionId"]
        versions = s3.list_object_versions(Bucket="legacy")["Versions"]
        assert [(v["VersionId"], v["IsLatest"]) for v in versions] == [
            (newer, True),
            ("null", False),
        ]
        old = s3.get_object(Bucket="legacy", Key="old.txt", VersionId="null")
        assert old["Body"].read() == body
    finally:
        server.close()


def test_pages_past_a_common_prefix(s3: Any, bucket: str) -> None:
    _enable(s3, bucket)
    for key in ("a/1", "a/2", "a/2", "b", "c/1"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    seen: list[str] = []
    options: dict[str, Any] = {}
    for _ in range(10):
        page = s3.list_object_versions(Bucket=bucket, Delimiter="/", MaxKeys=1, **options)
        seen += [p["Prefix"] for p in page.get("CommonPrefixes", [])]
        seen += [v["Key"] for v in page.get("Versions", [])]
        if not page["IsTruncated"]:
            break
        options = {"KeyMarker": page["NextKeyMarker"]}
        if "NextVersionIdMarker" in page:
            options["VersionIdMarker"] = page["NextVersionIdMarker"]
    assert seen == ["a/", "b", "c/"]
