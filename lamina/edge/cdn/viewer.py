"""What the viewer receives from a cached or fetched answer: 304 for a conditional request
the copy satisfies, 206 for a byte range, gzip or Brotli when the behavior compresses, and
CloudFront's own headers (X-Cache, Via, X-Amz-Cf-Pop, X-Amz-Cf-Id, Age on hits).

https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RangeGETs.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/RequestAndResponseBehaviorS3Origin.html
"""

from __future__ import annotations

import base64
import functools
import gzip
import re
import secrets
from collections.abc import Callable
from email.utils import parsedate_to_datetime

import brotli  # type: ignore[import-untyped]

from lamina.http.message import HttpRequest, HttpResponse, last_header
from lamina.services.cloudfront.cache import Entry
from lamina.services.cloudfront.model import Behavior

Headers = list[tuple[bytes, bytes]]
HIT = "Hit from cloudfront"
MISS = "Miss from cloudfront"
REFRESH_HIT = "RefreshHit from cloudfront"
ERROR = "Error from cloudfront"
REDIRECT = "Redirect from cloudfront"
FUNCTION_RESPONSE = "FunctionGeneratedResponse from cloudfront"
FUNCTION_ERROR = "FunctionExecutionError from cloudfront"
POP = b"LCL50-C1"
"""The edge location: three letters, a number, `-C` and a number, as CloudFront's are."""
MIN_COMPRESSIBLE = 1_000
MAX_COMPRESSIBLE = 10_000_000
# The content types CloudFront compresses (the file-type list of ServingCompressedFiles).
COMPRESSIBLE_TYPES = frozenset(
    {
        "application/dash+xml", "application/eot", "application/font", "application/font-sfnt",
        "application/javascript", "application/json", "application/opentype", "application/otf",
        "application/pdf", "application/pkcs7-mime", "application/protobuf", "application/rss+xml",
        "application/truetype", "application/ttf", "application/vnd.apple.mpegurl",
        "application/vnd.mapbox-vector-tile", "application/vnd.ms-fontobject", "application/wasm",
        "application/xhtml+xml", "application/xml", "application/x-font-opentype",
        "application/x-font-truetype", "application/x-font-ttf", "application/x-httpd-cgi",
        "application/x-javascript", "application/x-mpegurl", "application/x-opentype",
        "application/x-otf", "application/x-perl", "application/x-ttf", "font/eot",
        "font/opentype", "font/otf", "font/ttf", "image/svg+xml", "text/css", "text/csv",
        "text/html", "text/javascript", "text/js", "text/plain", "text/richtext",
        "text/tab-separated-values", "text/xml", "text/x-script", "text/x-component",
        "text/x-java-source",
    }
)  # fmt: skip
# CloudFront compresses answers with these statuses only.
_COMPRESSED_STATUSES = frozenset({200, 403, 404})
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
# Headers a 304 repeats from the 200 it stands for (RFC 9110, 15.4.5).
_NOT_MODIFIED_KEEPS = frozenset(
    {b"cache-control", b"content-location", b"date", b"etag", b"expires", b"vary",
     b"last-modified", b"server"}
)  # fmt: skip


EDGE_SERVER = secrets.token_hex(16)
"""This process's name as a CloudFront edge server: the Via header of its answers and of
the requests it sends origins."""
_VIA = f"1.1 {EDGE_SERVER}.cloudfront.net (CloudFront)".encode()


def request_id() -> str:
    """An X-Amz-Cf-Id: 56 URL-safe base64 characters."""
    return base64.urlsafe_b64encode(secrets.token_bytes(42)).decode()


def cloudfront_headers(cache_status: str, cf_id: str, age: int | None = None) -> Headers:
    added = [
        (b"X-Cache", cache_status.encode()),
        (b"Via", _VIA),
        (b"X-Amz-Cf-Pop", POP),
        (b"X-Amz-Cf-Id", cf_id.encode()),
    ]
    if age is not None:
        added.append((b"Age", str(age).encode()))
    return added


def not_modified(entry: Entry, request_headers: list[tuple[str, str]]) -> bool:
    """If-None-Match (any of its ETags, weak or strong) wins over If-Modified-Since."""
    if entry.status != 200:
        return False
    etag = (entry.header(b"etag") or b"").decode("latin-1")
    wanted = last_header(request_headers, "If-None-Match")
    if wanted is not None:
        if not etag:
            return False
        tags = {tag.strip().removeprefix("W/") for tag in wanted.split(",")}
        return "*" in tags or etag.removeprefix("W/") in tags
    since = last_header(request_headers, "If-Modified-Since")
    modified = entry.header(b"last-modified")
    if since is None or modified is None:
        return False
    try:
        return parsedate_to_datetime(modified.decode()) <= parsedate_to_datetime(since)
    except (TypeError, ValueError):
        return False


def not_modified_answer(entry: Entry, etag: bytes | None) -> tuple[int, Headers, bytes]:
    kept = [(k, v) for k, v in entry.headers if k.lower() in _NOT_MODIFIED_KEEPS]
    if etag is not None:
        kept = [(k, etag if k.lower() == b"etag" else v) for k, v in kept]
    return 304, kept, b""


def byte_range(value: str | None, size: int) -> tuple[int, int] | bool | None:
    """(first, last) of a single `bytes=` range; None when there is none (or several,
    answered whole); False when it cannot be satisfied."""
    if value is None:
        return None
    match = _RANGE.match(value.strip())
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        return None
    if not first:  # the last N bytes
        count = int(last)
        if count == 0:
            return False
        return max(0, size - count), size - 1
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    if start >= size or (last and int(last) < start):
        return False
    return start, end


def encoding_for(
    entry: Entry, accept_encoding: str | None, *, gzip_ok: bool, brotli_ok: bool
) -> str | None:
    """`br` or `gzip` when CloudFront would compress this answer for this viewer.
    Conditions: https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html#compressed-content-cloudfront-notes
    """
    if not accept_encoding:
        return None
    if entry.compressible is None:
        entry.compressible = _compressible(entry)
    if not entry.compressible:
        return None
    accepted = _codings(accept_encoding)
    if brotli_ok and "br" in accepted:
        return "br"  # viewers accepting both get Brotli
    if gzip_ok and "gzip" in accepted:
        return "gzip"
    return None


def _compressible(entry: Entry) -> bool:
    if entry.status not in _COMPRESSED_STATUSES:
        return False
    if entry.header(b"content-encoding") is not None:
        return False  # the origin compressed it already
    if b"no-transform" in (entry.header(b"cache-control") or b"").lower():
        return False
    content_type = (entry.header(b"content-type") or b"").decode("latin-1")
    if content_type.partition(";")[0].strip().lower() not in COMPRESSIBLE_TYPES:
        return False
    return MIN_COMPRESSIBLE <= len(entry.body) <= MAX_COMPRESSIBLE


@functools.lru_cache(maxsize=256)
def _codings(accept_encoding: str) -> frozenset[str]:
    """The codings an Accept-Encoding admits (q=0 refuses one); browsers send a handful
    of distinct values, so each is parsed once."""
    found = set()
    for part in accept_encoding.split(","):
        name, _, params = part.strip().partition(";")
        quality = params.strip().removeprefix("q=")
        if params and quality.replace(".", "", 1).isdigit() and float(quality) == 0:
            continue
        found.add(name.strip().lower())
    return frozenset(found)


def compressed(entry: Entry, coding: str) -> bytes:
    found = entry.encoded.get(coding)
    if found is None:
        if coding == "br":
            found = brotli.compress(entry.body)
        else:
            found = gzip.compress(entry.body, compresslevel=6)
        entry.encoded[coding] = found
    return found


def weak(etag: bytes | None) -> bytes | None:
    """A compressed copy's ETag is the origin's made weak (`W/"…"`).
    https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html#compressed-content-cloudfront-etag-header
    """
    if etag is None or etag.startswith(b"W/"):
        return etag
    return b"W/" + etag


def deliver(
    request: HttpRequest,
    behavior: Behavior,
    entry: Entry,
    status: str,
    cf_id: str,
    *,
    now: float,
    grew: Callable[[int], None],
) -> HttpResponse:
    """The viewer's answer from `entry`: 304, 206 / 416, compressed or whole, stamped with
    CloudFront's headers; `grew(bytes)` is told of a compressed copy kept in the entry."""
    age = entry.age(now) if status in (HIT, REFRESH_HIT) else None
    stamp = cloudfront_headers(status, cf_id, age)
    coding = None
    if behavior.compress:
        coding = encoding_for(
            entry,
            request.header("Accept-Encoding"),
            gzip_ok=behavior.cache.gzip,
            brotli_ok=behavior.cache.brotli,
        )
    etag = entry.header(b"etag")
    if coding is not None:
        etag = weak(etag)
    if not entry.error and not_modified(entry, request.headers):
        code, headers, body = not_modified_answer(entry, etag)
        return HttpResponse(code, headers + stamp, body)
    if not entry.error and entry.status == 200:
        wanted = byte_range(request.header("Range"), len(entry.body))
        if wanted is False:
            headers = [(b"Content-Range", f"bytes */{len(entry.body)}".encode())]
            return HttpResponse(416, headers + stamp, b"")
        if isinstance(wanted, tuple):
            first, last = wanted
            content_range = f"bytes {first}-{last}/{len(entry.body)}".encode()
            headers = [*entry.headers, (b"Content-Range", content_range), *stamp]
            return HttpResponse(206, headers, entry.body[first : last + 1])
    body = entry.body
    headers = entry.headers  # copied below, never changed in place (the entry is shared)
    if coding is not None:
        made = coding not in entry.encoded
        body = compressed(entry, coding)
        if made:
            grew(len(body))
        headers = [(k, etag if k.lower() == b"etag" and etag else v) for k, v in headers]
        headers += [(b"Content-Encoding", coding.encode()), (b"Vary", b"Accept-Encoding")]
    return HttpResponse(entry.status, headers + stamp, body)


def error_body(status: int, message: str, cf_id: str) -> bytes:
    """CloudFront's own error page."""
    return (
        '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN" '
        '"http://www.w3.org/TR/html4/loose.dtd">\n'
        '<HTML><HEAD><META HTTP-EQUIV="Content-Type" CONTENT="text/html; charset=iso-8859-1">\n'
        "<TITLE>ERROR: The request could not be satisfied</TITLE>\n</HEAD><BODY>\n"
        f"<H1>{status} ERROR</H1>\n<H2>The request could not be satisfied.</H2>\n"
        f'<HR noshade size="1px">\n{message}\n<BR clear="all">\n<HR noshade size="1px">\n'
        f"<PRE>\nGenerated by cloudfront (CloudFront)\nRequest ID: {cf_id}\n</PRE>\n"
        "<ADDRESS>\n</ADDRESS>\n</BODY></HTML>"
    ).encode()


def error_page(status: int, message: str, cf_id: str) -> HttpResponse:
    headers = [(b"Content-Type", b"text/html"), (b"Server", b"CloudFront")]
    headers += cloudfront_headers(ERROR, cf_id)
    return HttpResponse(status, headers, error_body(status, message, cf_id))
