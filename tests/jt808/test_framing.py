from hypothesis import given
from hypothesis import strategies as st

from feeds.jt808.framing import (
    MAX_ESCAPED_FRAME, FrameError, FrameErrorReason, FrameSplitter, check_code, escape,
    unescape, wrap,
)
import pytest


def test_escape_examples_from_the_standard() -> None:
    assert escape(b"\x30\x7e\x08\x7d\x55") == b"\x30\x7d\x02\x08\x7d\x01\x55"


@given(st.binary())
def test_unescape_inverts_escape(data: bytes) -> None:
    escaped = escape(data)
    assert 0x7E not in escaped
    assert unescape(escaped) == data


@pytest.mark.parametrize("bad", [b"\x01\x7d", b"\x7d\x03", b"\x7d\x7d\x01", b"ab\x7ecd"])
def test_bad_escape_is_a_frame_error(bad: bytes) -> None:
    with pytest.raises(FrameError) as caught:
        unescape(bad)
    assert caught.value.reason is FrameErrorReason.BAD_ESCAPE


def test_check_code_is_xor() -> None:
    assert check_code(b"\x01\x02\x04") == 0x07
    assert check_code(b"") == 0


def _split_whole(stream: bytes) -> list[bytes]:
    return FrameSplitter().feed(stream)


@given(st.binary(max_size=3000), st.lists(st.integers(min_value=0, max_value=3000), max_size=20))
def test_splitter_frames_do_not_depend_on_chunking(stream: bytes, cuts: list[int]) -> None:
    splitter = FrameSplitter()
    frames: list[bytes] = []
    bounds = sorted({0, len(stream), *(c for c in cuts if c <= len(stream))})
    for start, end in zip(bounds, bounds[1:]):
        frames.extend(splitter.feed(stream[start:end]))
    assert frames == _split_whole(stream)
    assert all(frame and 0x7E not in frame for frame in frames)


@given(
    st.lists(st.binary(min_size=1, max_size=60), max_size=10),
    st.lists(st.integers(min_value=1, max_value=50), min_size=1, max_size=30),
)
def test_splitter_returns_every_wrapped_frame_from_any_chunks(
    contents: list[bytes], sizes: list[int]
) -> None:
    stream = b"".join(wrap(c) for c in contents)
    splitter = FrameSplitter()
    frames: list[bytes] = []
    pos = 0
    i = 0
    while pos < len(stream):
        size = sizes[i % len(sizes)]
        frames.extend(splitter.feed(stream[pos:pos + size]))
        pos += size
        i += 1
    assert [unescape(f)[:-1] for f in frames] == contents


def test_splitter_resynchronises_after_garbage() -> None:
    good = wrap(b"frame-one")
    frames = FrameSplitter().feed(b"tail of something\x01\x02" + good + b"junk" + good)
    # Bytes before the first flag are dropped; "junk" sits between two flags and
    # comes out as a (bad) frame for the decoder to refuse; both good frames survive.
    assert frames == [good[1:-1], b"junk", good[1:-1]]


def test_splitter_drops_a_run_without_flags_and_counts_it() -> None:
    splitter = FrameSplitter()
    assert splitter.feed(b"\x7e" + b"\x00" * (MAX_ESCAPED_FRAME + 5)) == []
    assert splitter.buffered == 0
    assert splitter.feed(b"\x7e" + wrap(b"ok")) == [wrap(b"ok")[1:-1]]
    assert splitter.overflows == 1
