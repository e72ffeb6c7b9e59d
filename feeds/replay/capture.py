"""Raw JT/T 808 captures: location frames back to back, as they came off the wire.

A capture holds 0x0200 (one fix) and 0x0704 (a batch of fixes) frames; other
messages (heartbeats, registration) may sit between them and are skipped. The
frames name the terminal by its phone number; the operator's binding table
turns that into a vehicle id, and a terminal it does not know keeps its phone
number as vehicle id. The capture holds no receive time, so ``received_at`` is
the fix time.

Writing a capture from reports (``write_jt808_capture``) lets tests and
benchmarks replay a simulated day through the real decoder. The wire keeps
1e-6 degree, 0.1 km/h, whole degrees of heading and whole seconds, so the
reports read back are the written ones to that precision.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from feeds.jt808.bindings import Bindings, normalise_phone
from feeds.jt808.codec import encode
from feeds.jt808.framing import FrameError, FrameSplitter
from feeds.jt808.codec import decode_frame
from feeds.jt808.messages import BatchKind, BatchLocation, Location
from feeds.jt808.reports import list_locations, to_location, to_vehicle_report
from feeds.replay.readers import BadRow, ReadResult
from transit.records import VehicleReport

# A blind-zone backlog upload holds at most this many fixes per 0x0704 frame:
# a frame body has at most 1023 bytes and one plain fix takes 30 of them.
BACKLOG_FIXES_PER_FRAME = 30
_CHUNK = 1 << 20
MAX_EXAMPLES = 10


def write_jt808_capture(
    reports: Iterable[VehicleReport], bindings: Bindings, path: Path | str
) -> Path:
    """Write ``reports`` as a capture: one 0x0200 frame per report, in the given
    order, from the terminal bound to its vehicle (a vehicle with no terminal in
    ``bindings`` must have a numeric id, used as the phone number).

    A report received more than a minute after its fix was held back by the
    terminal (no network): consecutive such reports of one vehicle go out
    together as a 0x0704 backlog batch, as terminals upload them.
    """
    phones = _phones_by_vehicle(bindings.by_phone)
    flows: dict[str, int] = {}
    backlog: dict[str, list[Location]] = {}
    path = Path(path)
    with path.open("wb") as out:
        for report in reports:
            phone = phones.get(report.vehicle_id, report.vehicle_id)
            location = to_location(report)
            if report.received_at - report.timestamp > 60.0:
                held = backlog.setdefault(phone, [])
                held.append(location)
                if len(held) == BACKLOG_FIXES_PER_FRAME:
                    out.write(_batch(phone, held, flows))
                continue
            if backlog.get(phone):
                out.write(_batch(phone, backlog[phone], flows))
            out.write(encode(location, phone=phone, flow=_next_flow(flows, phone)))
        for phone, held in backlog.items():
            if held:
                out.write(_batch(phone, held, flows))
    return path


def read_jt808_capture(path: Path | str, bindings: Bindings = Bindings()) -> ReadResult[VehicleReport]:
    """The fixes of a capture, in the order the frames hold them. ``rows`` counts
    location frames; a frame that does not decode, or a fix with no valid time,
    is counted bad (``line`` is the frame's 1-based number)."""
    path = Path(path)
    splitter = FrameSplitter()
    items: list[VehicleReport] = []
    examples: list[BadRow] = []
    rows = bad = frames = 0

    def skip(frame_number: int, reason: str) -> None:
        nonlocal bad
        bad += 1
        if len(examples) < MAX_EXAMPLES:
            examples.append(BadRow(str(path), frame_number, reason))

    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            for frame in splitter.feed(chunk):
                frames += 1
                try:
                    message = decode_frame(frame)
                except FrameError as exc:
                    rows += 1
                    skip(frames, f"frame {frames}: {exc}")
                    continue
                body = message.body
                if not isinstance(body, (Location, BatchLocation)):
                    continue  # heartbeats, registration: not fixes
                rows += 1
                phone = message.header.phone
                vehicle_id = bindings.find_vehicle(phone) or phone
                for location in list_locations(body):
                    fix_time = location.fix_time
                    report = None if fix_time is None else to_vehicle_report(location, vehicle_id, fix_time)
                    if report is None:
                        skip(frames, f"frame {frames}: fix time {location.time_bcd!r} is no instant")
                        continue
                    items.append(report)
    if splitter.buffered or splitter.overflows:
        # Trailing bytes without a closing flag: a capture cut mid-frame.
        skip(frames + 1, f"{splitter.buffered} bytes after the last frame, "
                         f"{splitter.overflows} over-long runs")
    return ReadResult(items, rows, bad, tuple(examples))


def _phones_by_vehicle(by_phone: Mapping[str, str]) -> dict[str, str]:
    phones: dict[str, str] = {}
    for phone, vehicle in sorted(by_phone.items()):
        phones.setdefault(vehicle, normalise_phone(phone))
    return phones


def _next_flow(flows: dict[str, int], phone: str) -> int:
    flow = flows.get(phone, 0)
    flows[phone] = (flow + 1) & 0xFFFF
    return flow


def _batch(phone: str, held: list[Location], flows: dict[str, int]) -> bytes:
    frame = encode(BatchLocation(BatchKind.BACKLOG, tuple(held)), phone=phone,
                   flow=_next_flow(flows, phone))
    held.clear()
    return frame
