"""Fuzzing the JT/T 808 server over real sockets.

One server runs for the module, on an event loop in a thread of its own, so that
hypothesis drives plain synchronous tests. Each example sends random byte streams
(garbage, valid frames, whole logged-in sessions, frames cut or altered, all mixed)
on a few connections at once, then checks that every byte the server sent back is
a well-formed reply, that no connection ended on an error of the server's own, and
that an honest terminal can still register, authenticate and get a fix acknowledged.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import threading
from collections.abc import Coroutine, Iterator, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds.jt808.bindings import Bindings, issue_auth_code
from feeds.jt808.codec import EncodeError, decode_frame, encode, encode_body, encode_header
from feeds.jt808.framing import FrameSplitter, wrap
from feeds.jt808.messages import (
    Authentication, BatchLocation, Body, Edition, GeneralResult, Header, Heartbeat, Location, Logout,
    MsgId, PlatformGeneralResponse, Registration, RegistrationResponse, RegistrationResult,
    TerminalGeneralResponse,
)
from feeds.jt808.server import Jt808Server, ServerConfig, serve
from feeds.jt808.terminal import TerminalClient, log_in
from transit.records import VehicleReport
from transit.validation import Refusal

HOST = "127.0.0.1"
KEY = b"fuzz-key"
# The server's clock stands still: fix times drawn around it give the same frames
# on every run (hypothesis replays examples and must draw the same data).
NOW = 1_714_537_815.0  # 2024-05-01 12:30:15 Beijing
# Honest terminals are bound phones; each example logs in a fresh one, so that no
# example depends on how fast the server noticed the previous one leave.
HONEST = {f"1390000{n:04d}": f"HONEST{n:04d}" for n in range(10_000)}
QUIET_S = 0.05  # a connection silent this long has said all it will say
# A campaign runs many more: FUZZ_SERVER_EXAMPLES=5000 pytest tests/fuzz/test_jt808_server.py
EXAMPLES = int(os.environ.get("FUZZ_SERVER_EXAMPLES", "40"))
# The only ways a connection may end besides the terminal leaving: the network.
NETWORK_ERRORS = ("ConnectionResetError", "BrokenPipeError", "ConnectionAbortedError")


class MemorySink:
    """Stores every report; refuses none (the sink's answer: {index: Refusal})."""

    def __init__(self) -> None:
        self.reports: list[VehicleReport] = []

    async def __call__(self, reports: Sequence[VehicleReport]) -> dict[int, Refusal]:
        self.reports.extend(reports)
        return {}


class Recorder(logging.Handler):
    """The server's events, for the connections that ended on an error."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def internal_errors(self, since: int = 0) -> list[str]:
        """Errors that ended a connection, other than the network's, from record ``since``."""
        errors = [str(getattr(r, "error", "")) for r in self.records[since:]
                  if getattr(r, "event", None) == "jt808_connection_lost"]
        return [e for e in errors if not e.startswith(NETWORK_ERRORS)]


@dataclass
class Running:
    loop: asyncio.AbstractEventLoop
    server: Jt808Server
    sink: MemorySink
    recorder: Recorder
    loop_errors: list[dict[str, Any]] = field(default_factory=list)
    honest: Iterator[int] = field(default_factory=itertools.count)

    def run(self, coroutine: Coroutine[Any, Any, Any], timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)


@pytest.fixture(scope="module")
def running() -> Iterator[Running]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="jt808-fuzz-server", daemon=True)
    thread.start()
    logger = logging.getLogger("feeds.jt808.server")
    level = logger.level
    recorder = Recorder()
    logger.addHandler(recorder)
    logger.setLevel(logging.INFO)
    sink = MemorySink()
    bindings = Bindings(by_phone=HONEST, open_registration=True)
    config = ServerConfig(auth_key=KEY)
    server = asyncio.run_coroutine_threadsafe(
        serve(HOST, 0, sink, bindings, lambda: NOW, config), loop).result(10)
    state = Running(loop, server, sink, recorder)
    loop.set_exception_handler(lambda _loop, context: state.loop_errors.append(context))
    try:
        yield state
    finally:
        state.run(server.close())
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
        logger.removeHandler(recorder)
        logger.setLevel(level)


# ------------------------------------------------ what the attackers send

phones = st.integers(0, 9_999).map(lambda n: f"1370000{n:04d}")
plates = st.text("陕B·D0123456789ABC |", min_size=0, max_size=12)
u8, u16 = st.integers(0, 0xFF), st.integers(0, 0xFFFF)


@st.composite
def fixes(draw: st.DrawFn) -> Location:
    at = NOW + draw(st.sampled_from([0.0, -30.0, -90_000.0, -40 * 86_400.0, 3_600.0]))
    return Location.at(draw(st.floats(-90, 90)), draw(st.floats(-180, 180)), at,
                       speed_mps=draw(st.floats(0, 120)), direction=draw(st.integers(0, 359)))


bodies = st.one_of(
    st.builds(Registration, u16, u16, st.just("M"), st.just("X"), st.just("T"), u8, plates),
    st.builds(Authentication, st.text(max_size=30)),
    fixes(),
    st.builds(BatchLocation, st.integers(0, 1), st.lists(fixes(), max_size=4).map(tuple)),
    st.just(Heartbeat()),
    st.just(Logout()),
    st.builds(TerminalGeneralResponse, u16, u16, u8),
    st.builds(PlatformGeneralResponse, u16, u16, u8),
    st.builds(RegistrationResponse, u16, u8, st.just("x|0")),
)


@st.composite
def frames(draw: st.DrawFn) -> bytes:
    edition = draw(st.sampled_from(Edition))
    try:
        return encode(draw(bodies), phone=draw(phones), flow=draw(u16), edition=edition)
    except EncodeError:
        return encode(Heartbeat(), phone="1", flow=0)


@st.composite
def sessions(draw: st.DrawFn) -> bytes:
    """A whole login, with the code the server would give, then some fixes."""
    phone, plate, edition = draw(phones), draw(plates.filter(str.strip)), draw(st.sampled_from(Edition))
    code = issue_auth_code(KEY, phone, plate.strip())
    messages: list[Body] = [Registration(61, 200, "M", "X", "T", 1, plate),
                            Authentication(code, "860000000000001", "V1"),
                            *draw(st.lists(fixes(), max_size=3))]
    return b"".join(encode(m, phone=phone, flow=n, edition=edition) for n, m in enumerate(messages))


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A valid frame cut short, with a byte changed, or with a bad escape."""
    frame = bytearray(draw(frames()))
    at = draw(st.integers(1, len(frame) - 1))
    match draw(st.sampled_from(("cut", "flip", "escape", "no_flags"))):
        case "cut":
            return bytes(frame[:at])
        case "flip":
            frame[at] ^= draw(st.integers(1, 0xFF))
        case "escape":
            frame[at:at] = b"\x7d\x03"
        case "no_flags":
            return bytes(frame[1:-1])
    return bytes(frame)


pieces = st.one_of(
    frames(), sessions(), damaged(), st.binary(max_size=300),
    st.sampled_from([b"\x7e", b"\x7d", b"\x7e\x7e", b"\x7d\x03"]),
    st.integers(2_000, 2_200).map(lambda n: b"\x7e" + bytes(n)),  # a run too long for a frame
)
streams = st.lists(pieces, max_size=12).map(b"".join)


@dataclass(frozen=True)
class Attack:
    stream: bytes
    chunk: int  # bytes per write
    half_close: bool  # write_eof after the stream, or just stop talking


attacks = st.builds(Attack, streams, st.sampled_from([1, 7, 64, 1 << 20]), st.booleans())


async def _attack(port: int, attack: Attack) -> bytes:
    """Sends ``attack``; returns what the server answered before it went quiet or closed."""
    replies = bytearray()
    reader, writer = await asyncio.open_connection(HOST, port)
    try:
        for at in range(0, len(attack.stream), attack.chunk):
            writer.write(attack.stream[at:at + attack.chunk])
            await writer.drain()
        if attack.half_close:
            writer.write_eof()
        while True:
            try:
                data = await asyncio.wait_for(reader.read(65_536), QUIET_S)
            except TimeoutError:
                break
            if not data:
                break
            replies += data
    except ConnectionError:
        pass  # the server may close a connection that sends garbage
    finally:
        writer.close()
        with suppress(ConnectionError):
            await writer.wait_closed()
    return bytes(replies)


async def _honest_terminal(port: int, n: int, sink: MemorySink) -> None:
    phone, vehicle = f"1390000{n % 10_000:04d}", f"HONEST{n % 10_000:04d}"
    client = await TerminalClient.connect(HOST, port, phone)
    try:
        await asyncio.wait_for(log_in(client, vehicle, "T1", "TCBUS"), 5)
        flow = await client.send(Location.at(34.9, 108.9, NOW, speed_mps=8.0))
        ack = (await asyncio.wait_for(client.receive(), 5)).body
        assert isinstance(ack, PlatformGeneralResponse)
        assert (ack.reply_flow, ack.reply_id, ack.result) == (flow, MsgId.LOCATION_REPORT,
                                                              GeneralResult.OK)
        assert any(r.vehicle_id == vehicle and r.timestamp == NOW for r in sink.reports)
    finally:
        await client.close()


def _check_replies(replies: bytes) -> None:
    """Everything the server sends is a whole, decodable reply (a cut last frame aside)."""
    for frame in FrameSplitter().feed(replies):
        message = decode_frame(frame)
        assert isinstance(message.body, (PlatformGeneralResponse, RegistrationResponse)), message


def _check_survived(running: Running, since: int) -> None:
    assert running.recorder.internal_errors(since) == []
    assert running.loop_errors == []
    running.run(_honest_terminal(running.server.port, next(running.honest), running.sink))


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.large_base_example])
@given(st.lists(attacks, min_size=1, max_size=3))
def test_the_server_survives_any_streams_and_still_serves_an_honest_terminal(
    running: Running, attacks: list[Attack]
) -> None:
    async def all_at_once() -> list[bytes]:
        return await asyncio.gather(*(_attack(running.server.port, a) for a in attacks))

    since = len(running.recorder.records)
    for replies in running.run(all_at_once()):
        _check_replies(replies)
    _check_survived(running, since)


# ------------------------------------------------ crashes found by fuzzing


def _registration_with_raw_plate(phone: str, plate: bytes) -> bytes:
    """A 2013 0x0100 frame whose plate bytes are sent as they are (not valid GBK)."""
    body = encode_body(Registration(61, 200, "M", "X", "T", 1, ""), Edition.V2013) + plate
    return wrap(encode_header(Header(MsgId.REGISTRATION, phone, 1), len(body)) + body)


def test_a_plate_that_is_not_gbk_gets_an_answer_not_a_dropped_connection(running: Running) -> None:
    """Found by the jt808 round trip (crash-auth-code-not-gbk): the same text in a
    plate reaches the server's registration answer."""
    async def register() -> bytes:
        reader, writer = await asyncio.open_connection(HOST, running.server.port)
        writer.write(_registration_with_raw_plate("13700009999", b"P\x80X"))
        await writer.drain()
        try:
            return await asyncio.wait_for(reader.read(65_536), 2)
        finally:
            writer.close()

    since = len(running.recorder.records)
    answer = running.run(register())
    assert running.recorder.internal_errors(since) == []
    (frame,) = FrameSplitter().feed(answer)
    body = decode_frame(frame).body
    assert isinstance(body, (RegistrationResponse, PlatformGeneralResponse))
    if isinstance(body, RegistrationResponse):
        assert body.result != RegistrationResult.OK
