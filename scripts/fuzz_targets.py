"""The fuzz targets: one function per parser of untrusted input, for scripts/fuzz.py.

Each target takes the fuzzer's bytes and returns normally when the parser gave an
allowed outcome: a value, or the parser's own typed error. Any other exception is a
crash, and so is a broken promise (``FuzzFinding``): a decoded JT/T 808 message
that does not survive re-encoding, a pushed report that validation would refuse,
a tap read with a missing field. Pure Python, no atheris: tests/fuzz replays the
committed corpus through the same functions.

Targets: ``jt808`` (framing + codec), ``push`` (HTTP push JSON), ``gtfs`` (the
GTFS importer, with ``mutate_feed`` so that mutations reach the CSV texts inside
the zip) and ``taps_csv`` (the simulator's tap file reader).
"""

from __future__ import annotations

import atexit
import io
import math
import os
import random
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import orjson

from feeds.jt808.codec import EncodeError, decode_frame, encode_message
from feeds.jt808.framing import FrameError, FrameSplitter, wrap
from feeds.jt808.messages import Message
from feeds.simulator.files import TapFileError, read_taps
from transit.api.push import BadBody, parse_body
from transit.gtfs.feed import load_feed
from transit.gtfs.problems import InvalidFeed
from transit.records import PaymentMedium
from transit.validation import check_report

# A fixed receipt instant (2024-05-01 12:30:15 Beijing) keeps every run reproducible.
RECEIVED_AT = 1_714_537_815.0


class FuzzFinding(AssertionError):
    """A parser returned, but broke one of its promises."""


# ---------------------------------------------------------------- jt808


def jt808(data: bytes) -> None:
    """First byte: bit 0 set wraps the rest as one frame's content (a correct check
    code and escaping, so mutations reach the body decoders); clear sends the rest
    as a raw TCP stream. Bits 1-7 choose the chunk size the stream arrives in."""
    if not data:
        return
    mode, rest = data[0], data[1:]
    stream = wrap(rest) if mode & 1 else rest
    chunk = (mode >> 1) + 1
    splitter = FrameSplitter()
    frames: list[bytes] = []
    for at in range(0, len(stream), chunk):
        frames += splitter.feed(stream[at:at + chunk])
    if frames != FrameSplitter().feed(stream):
        raise FuzzFinding("the frames depend on how the stream was chunked")
    for frame in frames:
        try:
            message = decode_frame(frame)
        except FrameError:
            continue
        check_round_trip(message)


def check_round_trip(message: Message) -> None:
    """``message`` encodes (or refuses with ``EncodeError``) and decodes back to itself."""
    try:
        wire = encode_message(message)
    except EncodeError:
        return
    again = decode_frame(wire)
    if again != message:
        raise FuzzFinding(f"round trip changed the message:\n  {message}\n  {again}")


# ---------------------------------------------------------------- push


def push(data: bytes) -> None:
    """Every item of the body is either a report that validation accepts or a
    refusal naming its index, exactly once."""
    try:
        reports, rejected = parse_body(data, RECEIVED_AT)
    except BadBody:
        return
    for report in reports:
        refusal = check_report(report)
        if refusal is not None:
            raise FuzzFinding(f"parse_body returned a report that validation refuses: "
                              f"{report} ({refusal})")
    payload = orjson.loads(data)
    items = payload["reports"] if isinstance(payload, dict) else payload
    indices = [r.index for r in rejected]
    if len(reports) + len(rejected) != len(items) or len(set(indices)) != len(indices):
        raise FuzzFinding(f"{len(items)} items gave {len(reports)} reports and "
                          f"refusals at {indices}")


# ---------------------------------------------------------------- gtfs

GTFS_FILES = ("agency", "stops", "routes", "trips", "stop_times", "calendar",
              "calendar_dates", "shapes")
_ZIP_TIME = (2026, 1, 1, 0, 0, 0)  # fixed, so one set of texts is one input


def gtfs(data: bytes) -> None:
    """``load_feed`` on a zip: a loaded feed or ``InvalidFeed``."""
    try:
        loaded = load_feed(data, "fuzz.zip")
    except InvalidFeed:
        return
    loaded.summary()


def unzip_texts(data: bytes) -> dict[str, bytes] | None:
    """The members of a zip by name, or None when ``data`` is no readable zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return {info.filename: archive.read(info) for info in archive.infolist()}
    except Exception:  # noqa: BLE001 - any unreadable archive is simply "not a zip" here
        return None


def zip_texts(files: dict[str, bytes]) -> bytes:
    """A stored (uncompressed) zip of ``files``: mutations of the texts stay local."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for name, text in files.items():
            archive.writestr(zipfile.ZipInfo(name, _ZIP_TIME), text)
    return buffer.getvalue()


def mutate_feed(
    data: bytes, max_size: int, seed: int, mutate_bytes: Callable[[bytes, int], bytes]
) -> bytes:
    """A custom mutator for ``gtfs``: mostly mutates the CSV text of one member of
    the zip (with libFuzzer's own byte mutator, ``mutate_bytes``), sometimes drops
    or adds a file or moves a line between files, rarely mutates the zip itself."""
    rng = random.Random(seed)
    files = unzip_texts(data)
    if files is None or rng.random() < 0.03:
        return mutate_bytes(data, max_size)
    names = sorted(files)
    choice = rng.random()
    if names and choice < 0.8:
        name = rng.choice(names)
        # The rest of the zip keeps its size; the member may grow into what is left.
        budget = max(0, max_size - (len(data) - len(files[name])))
        files[name] = mutate_bytes(files[name], budget)
    elif names and choice < 0.87:
        del files[rng.choice(names)]
    elif names and choice < 0.95:
        source, target = rng.choice(names), rng.choice(names)
        lines = files[source].split(b"\n")
        files[target] += b"\n" + rng.choice(lines)
    else:
        name = f"{rng.choice(GTFS_FILES)}.txt"
        files[name] = files.get(name, b"") + mutate_bytes(b"", 64)
    out = zip_texts(files)
    return out if len(out) <= max_size else mutate_bytes(data, max_size)


# ---------------------------------------------------------------- taps_csv

# Where taps_csv writes its input (read_taps reads a path); scripts/fuzz.py moves it.
TAPS_PATH = Path(tempfile.gettempdir()) / f"fuzz-taps-{os.getpid()}.csv"
atexit.register(lambda: TAPS_PATH.unlink(missing_ok=True))


def taps_csv(data: bytes) -> None:
    """``read_taps`` on a file of ``data``: whole, finite taps or ``TapFileError``."""
    TAPS_PATH.write_bytes(data)
    try:
        taps = read_taps(TAPS_PATH)
    except TapFileError:
        return
    for tap in taps:
        texts = (tap.tap_id, tap.vehicle_id, tap.account)
        numbers = (tap.timestamp, tap.lat, tap.lon, tap.received_at)
        if (not all(isinstance(t, str) for t in texts)
                or not all(isinstance(n, float) and math.isfinite(n) for n in numbers)
                or not isinstance(tap.medium, PaymentMedium)):
            raise FuzzFinding(f"read_taps returned an incomplete tap: {tap}")


TARGETS: dict[str, Callable[[bytes], None]] = {
    "jt808": jt808,
    "push": push,
    "gtfs": gtfs,
    "taps_csv": taps_csv,
}
