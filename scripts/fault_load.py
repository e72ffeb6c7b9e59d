"""JT/T 808 terminals for the fault tests: every report named, every ack counted.

As in scripts/jt808_load.py, each terminal registers with a plate (open
registration) and authenticates, then sends 0x0200 location reports (every
``batch_every``-th message a 0x0704 of ``batch_size``) and matches each 0x8001
to its message by flow number. Here the ledger keeps *which* reports were sent,
acknowledged or refused, so a scenario can compare them with what is stored: a
report is named by (vehicle id, fix time in whole seconds), and a terminal's
fixes are one second apart, so the name is unique.
"""

from __future__ import annotations

import asyncio
import random
import socket
import struct
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from feeds.jt808.codec import encode
from feeds.jt808.messages import (
    BatchKind,
    BatchLocation,
    Edition,
    Location,
    PlatformGeneralResponse,
)
from feeds.jt808.terminal import TerminalClient, log_in

HOST = "127.0.0.1"  # loopback only: this tool must never load someone else's server
# Fixes start this far back, so that a whole run stays in the past (fixes are
# one second apart, sent faster than real time; the service refuses the future).
HISTORY_S = 6 * 3600
# Near Tongchuan's centre; each terminal a little apart from the others.
BASE_LAT, BASE_LON = 35.07, 109.07

Key = tuple[str, int]  # vehicle id, fix time (Unix seconds)


@dataclass
class Ledger:
    """What the terminals sent and what the platform answered."""

    sent: set[Key] = field(default_factory=set)
    acked: set[Key] = field(default_factory=set)
    refused: set[Key] = field(default_factory=set)  # answered, but not with "OK"
    acks: list[tuple[float, int]] = field(default_factory=list)  # (wall time, reports) per ack
    errors: list[str] = field(default_factory=list)  # a terminal's connection ending early

    def merge(self, other: Ledger) -> None:
        """Add ``other``'s reports, answers and errors to this ledger's."""
        self.sent |= other.sent
        self.acked |= other.acked
        self.refused |= other.refused
        self.acks += other.acks
        self.errors += other.errors

    def acked_between(self, start: float, end: float) -> int:
        """Reports acknowledged in [start, end) (wall-clock seconds)."""
        return sum(count for at, count in self.acks if start <= at < end)

    def last_ack_before(self, instant: float) -> float | None:
        return max((at for at, _ in self.acks if at < instant), default=None)

    def first_ack_after(self, instant: float) -> float | None:
        return min((at for at, _ in self.acks if at >= instant), default=None)


@dataclass
class Terminal:
    """A simulated terminal; its fix clock carries on across connections."""

    plate: str
    phone: str
    edition: Edition
    lat: float
    lon: float
    next_fix: int

    def take_fix(self) -> tuple[Key, Location]:
        at = self.next_fix
        self.next_fix += 1
        self.lat += 0.00002  # about 2 m a second, northwards
        return (self.plate, at), Location.at(self.lat, self.lon, at, speed_mps=2.0, direction=0)


def make_terminals(prefix: str, count: int, first_phone: int) -> list[Terminal]:
    """``count`` terminals with plates ``{prefix}0001``...; phones from ``first_phone``."""
    first_fix = int(time.time()) - HISTORY_S
    return [Terminal(f"{prefix}{n + 1:04d}", f"{first_phone + n:011d}",
                     Edition.V2019 if n % 2 else Edition.V2013,
                     BASE_LAT + 0.001 * (n % 50), BASE_LON + 0.001 * (n // 50), first_fix)
            for n in range(count)]


async def connect(terminal: Terminal, port: int) -> TerminalClient:
    client = await TerminalClient.connect(HOST, port, terminal.phone, terminal.edition)
    try:
        await log_in(client, terminal.plate, f"T{terminal.phone[-5:]}", "FAULT")
    except BaseException:
        await client.close()
        raise
    return client


async def drive(terminal: Terminal, port: int, until: float, interval: float, ledger: Ledger,
                *, batch_every: int = 10, batch_size: int = 5, drain_s: float = 10.0,
                stop: asyncio.Event | None = None) -> None:
    """Send a message every ``interval`` s until wall time ``until`` (or ``stop``
    is set), then wait up to ``drain_s`` for the acks still due. A connection that
    fails ends the drive (its error goes to the ledger): what was not
    acknowledged by then never is."""
    stop = stop or asyncio.Event()
    try:
        client = await connect(terminal, port)
    except (OSError, EOFError, asyncio.IncompleteReadError) as exc:
        ledger.errors.append(f"{terminal.plate} login: {exc!r}")
        return
    pending: dict[int, list[Key]] = {}  # flow -> the reports of that message
    done_sending = asyncio.Event()

    async def read_acks() -> None:
        while pending or not done_sending.is_set():
            reply = (await client.receive()).body
            if isinstance(reply, PlatformGeneralResponse) and reply.reply_flow in pending:
                keys = pending.pop(reply.reply_flow)
                if reply.result == 0:
                    ledger.acked.update(keys)
                    ledger.acks.append((time.time(), len(keys)))
                else:
                    ledger.refused.update(keys)

    reading = asyncio.create_task(read_acks())
    try:
        message = 0
        next_at = time.time() + random.uniform(0, interval)
        while next_at < until and not reading.done() and not stop.is_set():
            await asyncio.sleep(max(0.0, next_at - time.time()))
            message += 1
            fixes = [terminal.take_fix() for _ in range(
                batch_size if batch_every and message % batch_every == 0 else 1)]
            body: Location | BatchLocation = (
                fixes[0][1] if len(fixes) == 1
                else BatchLocation(BatchKind.NORMAL, tuple(loc for _, loc in fixes)))
            flow = client.next_flow()
            pending[flow] = [key for key, _ in fixes]
            ledger.sent.update(pending[flow])
            await client.send(body, flow=flow)
            next_at += interval * len(fixes)
        done_sending.set()
        await asyncio.wait_for(asyncio.shield(reading), timeout=drain_s)
    except (OSError, EOFError, asyncio.IncompleteReadError) as exc:
        ledger.errors.append(f"{terminal.plate}: {exc!r}")
    except TimeoutError:
        pass  # acks still due: the platform could not make those reports durable
    finally:
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)
        await client.close()


async def drive_fleet(terminals: Sequence[Terminal], port: int, seconds: float, rate: float,
                      ledger: Ledger, *, drain_s: float = 10.0,
                      stop: asyncio.Event | None = None) -> None:
    """Every terminal drives for ``seconds`` (or until ``stop`` is set) at its
    share of ``rate`` reports/s."""
    until = time.time() + seconds
    interval = len(terminals) / rate
    await asyncio.gather(*(drive(t, port, until, interval, ledger, drain_s=drain_s, stop=stop)
                           for t in terminals))


@dataclass(frozen=True)
class Cut:
    """A connection cut in the middle of a frame: the report whose frame was cut."""

    key: Key
    sent_bytes: int
    frame_bytes: int
    reset: bool  # TCP RST (SO_LINGER 0) rather than an orderly close (FIN)


async def cut_mid_frame(terminal: Terminal, port: int, ledger: Ledger, *, reset: bool,
                        rng: random.Random, complete_first: int = 2) -> Cut:
    """Log in, send ``complete_first`` reports and wait for their acks, then send
    part of one more report's frame (cut at a random byte) and drop the connection."""
    client = await connect(terminal, port)
    try:
        for _ in range(complete_first):
            key, location = terminal.take_fix()
            ledger.sent.add(key)
            flow = await client.send(location)
            reply = (await client.receive()).body
            if isinstance(reply, PlatformGeneralResponse) and reply.reply_flow == flow:
                if reply.result == 0:
                    ledger.acked.add(key)
                    ledger.acks.append((time.time(), 1))
                else:
                    ledger.refused.add(key)
        key, location = terminal.take_fix()
        ledger.sent.add(key)  # in part
        frame = encode(location, phone=terminal.phone, flow=client.next_flow(),
                       edition=terminal.edition)
        cut_at = rng.randrange(1, len(frame))
        await client.send_raw(frame[:cut_at])
        await asyncio.sleep(0.05)  # let the half frame arrive on its own
        if reset:
            sock = client.writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.writer.transport.abort()
        else:
            await client.close()
    except BaseException:
        client.writer.transport.abort()
        raise
    return Cut(key, cut_at, len(frame), reset)
