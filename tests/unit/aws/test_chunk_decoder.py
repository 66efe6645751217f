"""The incremental aws-chunked decoder: AWS's documented example (tests of unchunk pin its
signatures) decodes the same however the connection splits the body."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lamina.aws.chunked import chunk_decoder
from lamina.aws.service import ServiceError

from .test_rest_xml_chunked import SECRET, _body, _claim, _request

BODY = _body()


def _decode(cuts: list[int], body: bytes = BODY) -> bytes:
    request = _request(body)
    decoder = chunk_decoder(request, _claim(request), SECRET)
    edges = [0, *sorted(set(cuts)), len(body)]
    decoded = b"".join(decoder.feed(body[a:b]) for a, b in itertools.pairwise(edges))
    assert decoder.finish() == []
    return decoded


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=len(BODY) - 1), max_size=12))
def test_any_split_decodes_the_documented_example(cuts: list[int]) -> None:
    assert _decode(cuts) == b"a" * 66560


def test_byte_at_a_time_across_the_chunk_headers() -> None:
    # The first chunk's header, its CRLF and the final chunk line fed one byte at a time.
    cuts = [*range(1, 90), *range(65620, 65720), *range(len(BODY) - 100, len(BODY))]
    assert _decode(cuts) == b"a" * 66560


def test_a_body_cut_short_is_incomplete_at_finish() -> None:
    request = _request(BODY)
    decoder = chunk_decoder(request, _claim(request), SECRET)
    decoder.feed(BODY[:60000])
    with pytest.raises(ServiceError) as error:
        decoder.finish()
    assert (error.value.code, error.value.status) == ("IncompleteBody", 400)


def test_a_non_ascii_chunk_signature_is_a_mismatch() -> None:
    start = BODY.index(b"chunk-signature=") + len(b"chunk-signature=")
    forged = BODY[:start] + "é".encode("latin-1") * 64 + BODY[start + 64 :]
    request = _request(forged)
    decoder = chunk_decoder(request, _claim(request), SECRET)
    with pytest.raises(ServiceError) as error:
        decoder.feed(forged)
        decoder.finish()
    assert (error.value.code, error.value.status) == ("SignatureDoesNotMatch", 403)
