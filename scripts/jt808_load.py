"""Load generator for the JT/T 808 server: N simulated terminals over loopback.

Each terminal registers, authenticates, then sends location reports (every
``--batch-every``-th message a 0x0704 batch) at its share of ``--rate`` for
``--duration`` seconds, and times each message until its 0x8001 ack.

Without ``--port`` it starts the server in-process twice and prints both runs:
  baseline      an in-memory sink that returns at once (the protocol path alone)
  group-commit  the service's BatchWriter with a simulated commit of --commit-ms
With ``--port`` it targets a server already listening on 127.0.0.1 (terminals
register with a plate, so the server needs no binding table).

    .venv/bin/python scripts/jt808_load.py --terminals 500 --rate 5000 --duration 20
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import random
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from feeds.jt808.bindings import OPEN_REGISTRATION
from feeds.jt808.messages import (
    BatchKind, BatchLocation, Edition, Location, PlatformGeneralResponse,
)
from feeds.jt808.server import Jt808Server, ServerConfig
from feeds.jt808.terminal import TerminalClient, log_in
from transit.records import VehicleReport
from transit.store.batching import BatchWriter

HOST = "127.0.0.1"  # loopback only: this tool must never load someone else's server
MAX_DURATION = 120.0


@dataclass
class Tally:
    sent_reports: int = 0
    acked_reports: int = 0
    refused: int = 0
    latencies: list[float] = field(default_factory=list)


async def run_terminal(
    n: int, port: int, per_terminal_rate: float, duration: float, batch_every: int,
    batch_size: int, tally: Tally, rng: random.Random,
) -> None:
    edition = Edition.V2019 if n % 2 else Edition.V2013
    client = await TerminalClient.connect(HOST, port, f"139{n:08d}", edition)
    try:
        await log_in(client, f"LOAD{n:05d}", f"T{n:05d}", "LOAD")

        pending: dict[int, tuple[float, int]] = {}  # flow -> (sent at, reports)
        done_sending = asyncio.Event()

        async def read_acks() -> None:
            while pending or not done_sending.is_set():
                reply = (await client.receive()).body
                if isinstance(reply, PlatformGeneralResponse) and reply.reply_flow in pending:
                    sent_at, count = pending.pop(reply.reply_flow)
                    if reply.result == 0:
                        tally.acked_reports += count
                        tally.latencies.append(time.perf_counter() - sent_at)
                    else:
                        tally.refused += count

        reading = asyncio.create_task(read_acks())
        loop = asyncio.get_running_loop()
        interval = 1.0 / per_terminal_rate
        start = loop.time()
        next_at = start + rng.uniform(0, interval)
        message = 0
        lat, lon = 34.9 + rng.uniform(-0.05, 0.05), 108.95 + rng.uniform(-0.05, 0.05)
        while next_at < start + duration:
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            message += 1
            now = time.time()
            if batch_every and message % batch_every == 0:
                items = tuple(
                    Location.at(lat, lon, now - 10 * (batch_size - i), speed_mps=8.0)
                    for i in range(batch_size)
                )
                body: Location | BatchLocation = BatchLocation(BatchKind.BACKLOG, items)
                count = batch_size
            else:
                body, count = Location.at(lat, lon, now, speed_mps=8.0, direction=90), 1
            flow = client.next_flow()
            pending[flow] = (time.perf_counter(), count)
            tally.sent_reports += count
            await client.send(body, flow=flow)
            next_at += interval * count
        done_sending.set()
        try:
            await asyncio.wait_for(reading, timeout=10.0)
        except TimeoutError:
            pass
    finally:
        await client.close()


async def load(args: argparse.Namespace, port: int) -> tuple[Tally, float]:
    tally = Tally()
    rng = random.Random(808)
    per_terminal = args.rate / args.terminals
    started = time.perf_counter()
    results = await asyncio.gather(*(
        run_terminal(n, port, per_terminal, args.duration, args.batch_every, args.batch_size,
                     tally, rng)
        for n in range(args.terminals)
    ), return_exceptions=True)
    elapsed = time.perf_counter() - started
    failures = [r for r in results if isinstance(r, BaseException)]
    if failures:
        print(f"  {len(failures)} terminals failed, first: {failures[0]!r}")
    return tally, elapsed


def report(name: str, tally: Tally, elapsed: float) -> None:
    """``elapsed``: connect to last ack, so a server that falls behind shows it."""
    lat = sorted(tally.latencies)
    p50 = statistics.quantiles(lat, n=100)[49] * 1000 if len(lat) > 1 else float("nan")
    p99 = statistics.quantiles(lat, n=100)[98] * 1000 if len(lat) > 1 else float("nan")
    print(
        f"{name:13s} sent {tally.sent_reports} reports, acked {tally.acked_reports}, "
        f"refused {tally.refused}: {tally.acked_reports / elapsed:.0f} reports/s over {elapsed:.1f} s, "
        f"ack latency p50 {p50:.2f} ms p99 {p99:.2f} ms"
    )


async def in_process(args: argparse.Namespace, name: str, sink_kind: str) -> None:
    stored: list[VehicleReport] = []

    async def memory_sink(reports: Sequence[VehicleReport]) -> dict[int, object]:
        stored.extend(reports)
        return {}  # nothing refused

    async def simulated_commit(batch: Sequence[VehicleReport]) -> None:
        await asyncio.sleep(args.commit_ms / 1000)
        stored.extend(batch)

    config = ServerConfig(auth_key=b"load-test", max_in_flight=args.max_in_flight)
    if sink_kind == "memory":
        async with Jt808Server(memory_sink, OPEN_REGISTRATION, time.time, config) as server:
            await server.start(HOST, 0)
            tally, elapsed = await load(args, server.port)
    else:
        async with BatchWriter(simulated_commit, max_delay=0.02, name="load") as writer:
            async def through_writer(reports: Sequence[VehicleReport]) -> dict[int, object]:
                await writer.write(reports)
                return {}

            async with Jt808Server(through_writer, OPEN_REGISTRATION, time.time, config) as server:
                await server.start(HOST, 0)
                tally, elapsed = await load(args, server.port)
    report(name, tally, elapsed)


async def main_async(args: argparse.Namespace) -> None:
    print(f"{args.terminals} terminals, {args.rate:.0f} reports/s offered for {args.duration:.0f} s, "
          f"every {args.batch_every}th message a 0x0704 of {args.batch_size}")
    if args.port is not None:
        tally, elapsed = await load(args, args.port)
        report(f"port {args.port}", tally, elapsed)
        return
    await in_process(args, "baseline", "memory")
    await in_process(args, "group-commit", "batch")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--terminals", type=int, default=500)
    parser.add_argument("--rate", type=float, default=5000.0, help="total reports per second")
    parser.add_argument("--duration", type=float, default=20.0, help=f"seconds, at most {MAX_DURATION:.0f}")
    parser.add_argument("--batch-every", type=int, default=10, help="every Nth message is a 0x0704 (0: never)")
    parser.add_argument("--batch-size", type=int, default=5)
    parser.add_argument("--max-in-flight", type=int, default=64)
    parser.add_argument("--commit-ms", type=float, default=5.0, help="simulated commit time, group-commit run")
    parser.add_argument("--port", type=int, help="target a server already on 127.0.0.1:PORT")
    args = parser.parse_args()
    if not 0 < args.duration <= MAX_DURATION:
        parser.error(f"--duration must be in (0, {MAX_DURATION:.0f}]")
    if args.terminals < 1 or args.rate <= 0:
        parser.error("--terminals and --rate must be positive")
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
