"""ListObjectsV2 through boto3: prefixes, delimiters, pages, StartAfter.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html
"""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

KEYS = [
    "a.txt",
    "photos/2024/jan/1.jpg",
    "photos/2024/jan/2.jpg",
    "photos/2024/feb/1.jpg",
    "photos/2025/mar/1.jpg",
    "photos/index.html",
    "videos/clip.mp4",
    "z.txt",
]


@pytest.fixture
def filled(s3: Any, bucket: str) -> str:
    for key in KEYS:
        s3.put_object(Bucket=bucket, Key=key, Body=key.encode())
    return bucket


def test_lists_every_key_in_order_with_sizes(s3: Any, filled: str) -> None:
    listed = s3.list_objects_v2(Bucket=filled)
    assert [o["Key"] for o in listed["Contents"]] == sorted(KEYS)
    assert listed["KeyCount"] == len(KEYS)
    assert listed["IsTruncated"] is False
    first = listed["Contents"][0]
    assert first["Size"] == len(b"a.txt")
    assert first["StorageClass"] == "STANDARD"
    assert first["ETag"].startswith('"')
    assert "Owner" not in first
    assert "Owner" in s3.list_objects_v2(Bucket=filled, FetchOwner=True)["Contents"][0]


def test_prefix_and_delimiter_roll_up_common_prefixes(s3: Any, filled: str) -> None:
    top = s3.list_objects_v2(Bucket=filled, Delimiter="/")
    assert [o["Key"] for o in top["Contents"]] == ["a.txt", "z.txt"]
    assert [p["Prefix"] for p in top["CommonPrefixes"]] == ["photos/", "videos/"]
    assert top["KeyCount"] == 4
    photos = s3.list_objects_v2(Bucket=filled, Prefix="photos/", Delimiter="/")
    assert [o["Key"] for o in photos["Contents"]] == ["photos/index.html"]
    assert [p["Prefix"] for p in photos["CommonPrefixes"]] == ["photos/2024/", "photos/2025/"]
    assert photos["Prefix"] == "photos/"
    year = s3.list_objects_v2(Bucket=filled, Prefix="photos/2024/", Delimiter="/")
    assert "Contents" not in year
    assert [p["Prefix"] for p in year["CommonPrefixes"]] == ["photos/2024/feb/", "photos/2024/jan/"]


def test_pages_with_max_keys_and_continuation_tokens(s3: Any, filled: str) -> None:
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        options: dict[str, Any] = {"Bucket": filled, "MaxKeys": 3}
        if token:
            options["ContinuationToken"] = token
        page = s3.list_objects_v2(**options)
        pages += 1
        assert page["KeyCount"] == len(page.get("Contents", []))
        seen.extend(o["Key"] for o in page.get("Contents", []))
        if not page["IsTruncated"]:
            assert "NextContinuationToken" not in page
            break
        assert page["KeyCount"] == 3
        token = page["NextContinuationToken"]
    assert seen == sorted(KEYS)
    assert pages == 3


def test_pages_over_common_prefixes_do_not_repeat_them(s3: Any, filled: str) -> None:
    paginator = s3.get_paginator("list_objects_v2")
    entries: list[str] = []
    for page in paginator.paginate(Bucket=filled, Delimiter="/", PaginationConfig={"PageSize": 1}):
        entries.extend(o["Key"] for o in page.get("Contents", []))
        entries.extend(p["Prefix"] for p in page.get("CommonPrefixes", []))
    assert entries == ["a.txt", "photos/", "videos/", "z.txt"]


def test_start_after(s3: Any, filled: str) -> None:
    listed = s3.list_objects_v2(Bucket=filled, StartAfter="photos/index.html")
    assert [o["Key"] for o in listed["Contents"]] == ["videos/clip.mp4", "z.txt"]
    assert listed["StartAfter"] == "photos/index.html"


def test_max_keys_zero_and_bad_token(s3: Any, filled: str) -> None:
    empty = s3.list_objects_v2(Bucket=filled, MaxKeys=0)
    assert empty["KeyCount"] == 0 and "Contents" not in empty
    with pytest.raises(ClientError) as error:
        s3.list_objects_v2(Bucket=filled, ContinuationToken="!!not-a-token!!")
    assert error.value.response["Error"]["Code"] == "InvalidArgument"


def test_url_encoding_type_round_trips_odd_keys(s3: Any, bucket: str) -> None:
    keys = ["with space/a+b", "tab\there", "percent%2F"]
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")
    # botocore asks for encoding-type=url and decodes the answer.
    listed = s3.list_objects_v2(Bucket=bucket)
    assert [o["Key"] for o in listed["Contents"]] == sorted(keys)
    grouped = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    assert [p["Prefix"] for p in grouped["CommonPrefixes"]] == ["with space/"]


def test_list_objects_v1_pages_with_markers(s3: Any, filled: str) -> None:
    paginator = s3.get_paginator("list_objects")
    keys: list[str] = []
    for page in paginator.paginate(Bucket=filled, PaginationConfig={"PageSize": 3}):
        keys.extend(o["Key"] for o in page.get("Contents", []))
        assert all("Owner" in o for o in page.get("Contents", []))
    assert keys == sorted(KEYS)
    first = s3.list_objects(Bucket=filled, MaxKeys=2, Delimiter="/")
    assert first["IsTruncated"] is True
    assert [o["Key"] for o in first["Contents"]] == ["a.txt"]
    assert [p["Prefix"] for p in first["CommonPrefixes"]] == ["photos/"]
    assert first["NextMarker"] == "photos/"
    rest = s3.list_objects(Bucket=filled, Delimiter="/", Marker=first["NextMarker"])
    assert [p["Prefix"] for p in rest["CommonPrefixes"]] == ["videos/"]
    assert [o["Key"] for o in rest["Contents"]] == ["z.txt"]
    assert rest["IsTruncated"] is False and "NextMarker" not in rest
