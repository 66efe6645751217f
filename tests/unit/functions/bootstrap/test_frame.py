"""The binary frame codec shared by supervisor, zygote and workers."""

import pytest

from lamina.functions.bootstrap import frame


def collect() -> tuple[list[tuple[int, bytes, bytes, bytes]], frame.FrameReader]:
    frames: list[tuple[int, bytes, bytes, bytes]] = []
    return frames, frame.FrameReader(lambda *parts: frames.append(parts))


def test_encode_decode_round_trip_keeps_sections() -> None:
    data = frame.encode(frame.RESULT, b'{"a":1}', b"payload", b"log")
    assert len(data) == frame.HEADER_SIZE + 7 + 7 + 3
    assert frame.decode(data) == (frame.RESULT, b'{"a":1}', b"payload", b"log")


def test_decode_length_mismatch_raises() -> None:
    data = frame.encode(frame.INVOKE, b"{}", b"x")
    with pytest.raises(ValueError):
        frame.decode(data + b"extra")


def test_frame_reader_whole_frame_in_one_chunk() -> None:
    frames, reader = collect()
    reader.feed(frame.encode(frame.READY, b"{}", b"", b"hi"))
    assert frames == [(frame.READY, b"{}", b"", b"hi")]
    assert reader.pending == 0


def test_frame_reader_byte_by_byte_reassembles() -> None:
    frames, reader = collect()
    data = frame.encode(frame.RESULT, b"{}", b"p" * 100, b"")
    for i in range(len(data)):
        reader.feed(data[i : i + 1])
    assert frames == [(frame.RESULT, b"{}", b"p" * 100, b"")]


def test_frame_reader_two_frames_in_one_chunk_both_delivered() -> None:
    frames, reader = collect()
    reader.feed(frame.encode(1, b"a", b"b", b"c") + frame.encode(2, b"d", b"", b""))
    assert frames == [(1, b"a", b"b", b"c"), (2, b"d", b"", b"")]


def test_frame_reader_split_across_chunks_keeps_remainder() -> None:
    frames, reader = collect()
    data = frame.encode(1, b"meta", b"payload", b"log") * 2
    reader.feed(data[:30])
    reader.feed(data[30:])
    assert len(frames) == 2
    assert reader.pending == 0
