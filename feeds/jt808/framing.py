"""JT/T 808 framing: flags, escaping, check code, and splitting a TCP stream.

A frame on the wire is ``0x7e <escaped header+body+check code> 0x7e``. Inside, 0x7e
is sent as 0x7d 0x02 and 0x7d as 0x7d 0x01; the check code is the XOR of every
unescaped header and body byte. Pure: no I/O.
"""

from __future__ import annotations

import enum

FLAG = 0x7E
ESCAPE = 0x7D

# Largest unescaped frame: a 2019 header with subpackage fields (21 bytes), the
# largest body the 10-bit length field allows (1023) and the check code.
MAX_UNESCAPED_FRAME = 21 + 1023 + 1
# Escaping at most doubles it; a longer run without a flag cannot be a frame.
MAX_ESCAPED_FRAME = 2 * MAX_UNESCAPED_FRAME


class FrameErrorReason(enum.StrEnum):
    """Why a frame was refused; each reason is counted separately."""

    BAD_ESCAPE = "bad_escape"  # 0x7d not followed by 0x01/0x02, or a bare 0x7e inside
    BAD_CHECK_CODE = "bad_check_code"
    TRUNCATED = "truncated"  # shorter than a header, or a body shorter than its fields
    LENGTH_MISMATCH = "length_mismatch"  # the body length field disagrees with the frame
    BAD_FIELD = "bad_field"  # a field that cannot hold the value it holds (e.g. BCD)
    TOO_LONG = "too_long"  # no flag within MAX_ESCAPED_FRAME bytes


class FrameError(ValueError):
    """A frame that cannot be decoded: the reason, where, and for which message."""

    def __init__(
        self,
        reason: FrameErrorReason,
        detail: str,
        *,
        offset: int | None = None,
        msg_id: int | None = None,
    ) -> None:
        where = f" at byte {offset}" if offset is not None else ""
        which = f" (msg 0x{msg_id:04x})" if msg_id is not None else ""
        super().__init__(f"{reason}: {detail}{where}{which}")
        self.reason = reason
        self.detail = detail
        self.offset = offset  # in the unescaped frame, except for BAD_ESCAPE
        self.msg_id = msg_id


def escape(data: bytes) -> bytes:
    """``data`` with 0x7d and 0x7e replaced by their two-byte escapes."""
    # 0x7d first: escaping 0x7e produces 0x7d bytes that must stay as they are.
    return data.replace(b"\x7d", b"\x7d\x01").replace(b"\x7e", b"\x7d\x02")


def unescape(data: bytes) -> bytes:
    """Inverse of ``escape``; raises ``FrameError(BAD_ESCAPE)`` on a bad sequence."""
    if FLAG in data:
        raise FrameError(FrameErrorReason.BAD_ESCAPE, "unescaped 0x7e", offset=data.index(FLAG))
    if ESCAPE not in data:
        return data
    out = bytearray()
    i = 0
    n = len(data)
    while i < n:
        j = data.find(ESCAPE, i)
        if j < 0:
            out += data[i:]
            break
        out += data[i:j]
        if j + 1 >= n:
            raise FrameError(FrameErrorReason.BAD_ESCAPE, "0x7d at end of frame", offset=j)
        follower = data[j + 1]
        if follower == 0x01:
            out.append(ESCAPE)
        elif follower == 0x02:
            out.append(FLAG)
        else:
            raise FrameError(
                FrameErrorReason.BAD_ESCAPE, f"0x7d followed by 0x{follower:02x}", offset=j
            )
        i = j + 2
    return bytes(out)


def check_code(data: bytes) -> int:
    """XOR of every byte of ``data`` (the unescaped header and body)."""
    code = 0
    for byte in data:
        code ^= byte
    return code


def wrap(content: bytes) -> bytes:
    """Header+body -> a wire frame: check code appended, escaped, flags around."""
    return b"\x7e" + escape(content + bytes((check_code(content),))) + b"\x7e"


class FrameSplitter:
    """Cuts a TCP byte stream into frames: the non-empty byte runs between two flags.

    Bytes before the first flag are not a frame (the stream may start mid-frame).
    Two flags in a row (one frame's end flag and the next one's start) yield nothing.
    A run longer than ``MAX_ESCAPED_FRAME`` is dropped and counted in ``overflows``,
    so garbage without flags cannot grow the buffer. The frames produced do not
    depend on how the stream was chunked.
    """

    def __init__(self, max_frame: int = MAX_ESCAPED_FRAME) -> None:
        self._max = max_frame
        self._buffer = bytearray()
        self._seen_flag = False
        self._skipping = False  # inside a run already known to be too long
        self.overflows = 0

    def feed(self, chunk: bytes) -> list[bytes]:
        """Frames completed by ``chunk`` (without flags), oldest first."""
        frames: list[bytes] = []
        start = 0
        n = len(chunk)
        while start < n:
            flag_at = chunk.find(FLAG, start)
            end = n if flag_at < 0 else flag_at
            if self._seen_flag and not self._skipping:
                self._buffer += chunk[start:end]
                if len(self._buffer) > self._max:
                    self._buffer.clear()
                    self._skipping = True
            if flag_at < 0:
                break
            if self._skipping:
                self.overflows += 1
                self._skipping = False
            elif self._buffer:
                frames.append(bytes(self._buffer))
                self._buffer.clear()
            self._seen_flag = True
            start = flag_at + 1
        return frames

    @property
    def buffered(self) -> int:
        """Bytes held for a frame not yet closed by a flag."""
        return len(self._buffer)
