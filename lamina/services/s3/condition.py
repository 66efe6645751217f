"""Conditional requests and byte ranges, as S3 evaluates them.

https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html (If-Match ...: "If both
of the If-Match and If-Unmodified-Since headers are present ... If-Match condition evaluates
to true, and; If-Unmodified-Since condition evaluates to false; then, S3 returns 200 OK";
"If-None-Match ... false, and; If-Modified-Since ... true; then, S3 returns 304")
https://www.rfc-editor.org/rfc/rfc9110#section-13.2.2 (evaluation order)
https://www.rfc-editor.org/rfc/rfc9110#section-14.1.2 (byte ranges)
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from lamina.services.s3 import error
from lamina.services.s3.store import StoredObject

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def check_preconditions(stored: StoredObject, params: dict[str, Any], prefix: str = "") -> None:
    """Raise PreconditionFailed (412) or NotModified (304). `prefix`: "CopySource" reads the
    x-amz-copy-source-if-* members of CopyObject, which fail with 412 only."""
    if_match = params.get(f"{prefix}IfMatch")
    unmodified = params.get(f"{prefix}IfUnmodifiedSince")
    none_match = params.get(f"{prefix}IfNoneMatch")
    modified = params.get(f"{prefix}IfModifiedSince")
    if if_match is not None:
        if not _etag_matches(if_match, stored.etag):
            raise error.precondition_failed("If-Match")
    elif unmodified is not None and _seconds(stored.modified) > _timestamp(unmodified):
        raise error.precondition_failed("If-Unmodified-Since")
    if none_match is not None:
        if _etag_matches(none_match, stored.etag):
            if prefix:
                raise error.precondition_failed("x-amz-copy-source-If-None-Match")
            raise error.not_modified()
    elif modified is not None and _seconds(stored.modified) <= _timestamp(modified):
        if prefix:
            raise error.precondition_failed("x-amz-copy-source-If-Modified-Since")
        raise error.not_modified()


def _etag_matches(header: str, etag: str) -> bool:
    wanted = [item.strip() for item in header.split(",")]
    bare = etag.strip('"')
    return any(item == "*" or item.strip('"') == bare for item in wanted)


def _seconds(moment: float) -> int:
    # HTTP dates have whole seconds: compare at that precision.
    return int(moment)


def _timestamp(value: datetime | Any) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


class ByteRange:
    __slots__ = ("end", "start")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end
        """Inclusive, as Content-Range writes it."""

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


def parse_range(header: str | None, size: int) -> ByteRange | None:
    """The one byte range a Range header asks for; None for no (or an ignored) header.
    Raises InvalidRange (416) when it lies wholly beyond the object."""
    if header is None:
        return None
    found = _RANGE.match(header.strip())
    if found is None or found.group(1) == found.group(2) == "":
        return None  # a malformed or multi-range header is ignored: the whole object
    first, last = found.group(1), found.group(2)
    if first == "":
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise error.invalid_range(header, size)
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(first)
    end = size - 1 if last == "" else min(int(last), size - 1)
    if last != "" and int(last) < start:
        return None  # last < first: not a valid range, ignored (RFC 9110)
    if start >= size:
        raise error.invalid_range(header, size)
    return ByteRange(start, end)
