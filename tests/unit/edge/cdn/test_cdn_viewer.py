"""Delivery rules: TTLs from Cache-Control / Expires within a policy, byte ranges,
when CloudFront compresses.
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/Expiration.html
https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/ServingCompressedFiles.html
"""

from __future__ import annotations

from email.utils import formatdate

from lamina.edge.cdn.viewer import byte_range, encoding_for, weak
from lamina.services.cloudfront.cache import Entry, ttl_of
from lamina.services.cloudfront.model import CachePolicy

POLICY = CachePolicy(min_ttl=10, default_ttl=100, max_ttl=1000)


def test_ttl_is_max_age_within_min_and_max() -> None:
    assert ttl_of([(b"Cache-Control", b"max-age=50")], POLICY, 0) == 50
    assert ttl_of([(b"Cache-Control", b"max-age=1")], POLICY, 0) == 10
    assert ttl_of([(b"Cache-Control", b"public, max-age=99999")], POLICY, 0) == 1000
    assert ttl_of([(b"Cache-Control", b"max-age=50, s-maxage=70")], POLICY, 0) == 70


def test_ttl_without_cache_control_is_the_default() -> None:
    assert ttl_of([], POLICY, 0) == 100


def test_no_cache_keeps_only_a_minimum_ttl() -> None:
    assert ttl_of([(b"Cache-Control", b"no-cache")], POLICY, 0) == 10
    zero_min = CachePolicy(min_ttl=0, default_ttl=100, max_ttl=1000)
    assert ttl_of([(b"Cache-Control", b"no-store")], zero_min, 0) == 0


def test_expires_sets_the_ttl_when_no_max_age() -> None:
    expires = formatdate(1000 + 300, usegmt=True).encode()
    assert ttl_of([(b"Expires", expires)], POLICY, 1000) == 300


def test_byte_ranges() -> None:
    assert byte_range("bytes=0-9", 100) == (0, 9)
    assert byte_range("bytes=90-", 100) == (90, 99)
    assert byte_range("bytes=-10", 100) == (90, 99)
    assert byte_range("bytes=50-500", 100) == (50, 99)
    assert byte_range("bytes=100-", 100) is False
    assert byte_range("bytes=0-1,5-6", 100) is None  # several ranges: answered whole
    assert byte_range(None, 100) is None


def _entry(body: bytes, content_type: bytes = b"text/html", *extra: tuple[bytes, bytes]) -> Entry:
    return Entry(200, [(b"Content-Type", content_type), *extra], body, 0.0, 60)


def test_compression_conditions() -> None:
    body = b"x" * 1000
    assert encoding_for(_entry(body), "gzip, br", gzip_ok=True, brotli_ok=True) == "br"
    assert encoding_for(_entry(body), "gzip, br", gzip_ok=True, brotli_ok=False) == "gzip"
    assert encoding_for(_entry(body), "br;q=0, gzip", gzip_ok=True, brotli_ok=True) == "gzip"
    assert encoding_for(_entry(b"x" * 999), "gzip", gzip_ok=True, brotli_ok=True) is None
    assert encoding_for(_entry(body, b"image/png"), "gzip", gzip_ok=True, brotli_ok=True) is None
    assert (
        encoding_for(
            _entry(body, b"text/html; charset=utf-8"), "gzip", gzip_ok=True, brotli_ok=True
        )
        == "gzip"
    )
    origin_gzipped = _entry(body, b"text/html", (b"Content-Encoding", b"gzip"))
    assert encoding_for(origin_gzipped, "br", gzip_ok=True, brotli_ok=True) is None
    no_transform = _entry(body, b"text/html", (b"Cache-Control", b"no-transform"))
    assert encoding_for(no_transform, "br", gzip_ok=True, brotli_ok=True) is None
    assert encoding_for(_entry(body), None, gzip_ok=True, brotli_ok=True) is None


def test_compressed_copies_have_weak_etags() -> None:
    assert weak(b'"abc"') == b'W/"abc"'
    assert weak(b'W/"abc"') == b'W/"abc"'


def test_entry_headers_are_read_by_any_case_first_value_first() -> None:
    entry = _entry(b"x" * 1000, b"text/html", (b"ETag", b'"one"'), (b"etag", b'"two"'))
    assert entry.header(b"etag") == b'"one"'
    assert entry.header(b"ETAG") == b'"one"'
    assert entry.header(b"x-missing") is None


def test_an_entrys_compressibility_holds_for_every_viewer() -> None:
    entry = _entry(b"x" * 1000, b"image/png")
    assert encoding_for(entry, "gzip", gzip_ok=True, brotli_ok=True) is None
    assert encoding_for(entry, "br", gzip_ok=True, brotli_ok=True) is None
    text = _entry(b"x" * 1000)
    assert encoding_for(text, "identity", gzip_ok=True, brotli_ok=True) is None
    assert encoding_for(text, "gzip", gzip_ok=True, brotli_ok=True) == "gzip"
