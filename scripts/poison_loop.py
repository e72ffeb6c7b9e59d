"""Poison loop (issue 8): bad reports beside honest terminals must stop nothing.

Runs the service (`transit demo` with the simulated fleet off, a fresh data
folder, the embedded PostgreSQL) and, for ``--duration`` seconds, at once:

- ``--terminals`` honest JT/T 808 terminals at ``--per-terminal`` reports/s;
- ``--poison-rate`` HTTP pushes/s, each one report the database would refuse
  (NUL or control characters in the vehicle id, a lone surrogate, an
  over-long id) sent with a valid key: each must get 400;
- one anonymous push and one push with a wrong key per second: 401 each;
- one JT/T 808 terminal per second registering with the plate "P\\x00OISON":
  "message error" each; and, with ``--bindings``, one per second claiming a
  bound vehicle from an unbound phone: refused each.

Then it checks: the service is still up; every honest report acknowledged;
acknowledged minus stored (counted in PostgreSQL) is zero; no vehicle id with a
control character in /api/vehicles. Exit status 1 if any check fails.

    .venv/bin/python scripts/poison_loop.py [--terminals 100] [--per-terminal 5] \\
        [--poison-rate 50] [--duration 60] [--bindings]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg

from bench_ingest import ROOT, TRANSIT, free_port, get_json, stop, wait_until_up
from feeds.jt808.messages import (
    GeneralResult, Location, PlatformGeneralResponse, Registration, RegistrationResponse,
    RegistrationResult,
)
from feeds.jt808.terminal import TerminalClient, log_in

HOST = "127.0.0.1"  # loopback only
MAX_DURATION = 600.0
POISON_IDS = ["x\u0000y", "P\u0000OISON", "TC\u001b[2J", "a\ud800b", "T" * 65, "TC\n0006"]
PUSH_KEY = "soak-push-key"


@dataclass
class Tally:
    honest_sent: int = 0
    honest_acked: int = 0
    honest_refused: int = 0
    honest_failed_terminals: int = 0
    poison_pushes: int = 0
    poison_400: int = 0
    anonymous: int = 0
    anonymous_401: int = 0
    poison_registrations: int = 0
    poison_registrations_refused: int = 0
    claims: int = 0
    claims_refused: int = 0


def phone(n: int) -> str:
    return f"139{n:08d}"


async def honest_terminal(n: int, port: int, rate: float, duration: float, tally: Tally) -> None:
    rng = random.Random(n)
    client = await TerminalClient.connect(HOST, port, phone(n))
    try:
        await log_in(client, f"HONEST{n:04d}", f"T{n:05d}", "TC")
        pending: dict[int, int] = {}
        done = asyncio.Event()

        async def read_acks() -> None:
            while pending or not done.is_set():
                reply = (await client.receive()).body
                if isinstance(reply, PlatformGeneralResponse) and reply.reply_flow in pending:
                    del pending[reply.reply_flow]
                    if reply.result == GeneralResult.OK:
                        tally.honest_acked += 1
                    else:
                        tally.honest_refused += 1

        reader = asyncio.create_task(read_acks())
        loop = asyncio.get_running_loop()
        start = loop.time()
        next_at = start + rng.uniform(0, 1 / rate)
        lat, lon = 35.07 + rng.uniform(-0.03, 0.03), 109.07 + rng.uniform(-0.03, 0.03)
        while next_at < start + duration:
            await asyncio.sleep(max(0.0, next_at - loop.time()))
            flow = client.next_flow()
            pending[flow] = 1
            tally.honest_sent += 1
            await client.send(Location.at(lat, lon, time.time(), speed_mps=6.0, direction=90),
                              flow=flow)
            next_at += 1 / rate
        done.set()
        await asyncio.wait_for(reader, 15.0)
    finally:
        await client.close()


async def poison_pushes(base: str, rate: float, duration: float, tally: Tally) -> None:
    async with aiohttp.ClientSession(base) as http:
        loop = asyncio.get_running_loop()
        start = loop.time()
        n = 0
        while start + n / rate < start + duration:
            await asyncio.sleep(max(0.0, start + n / rate - loop.time()))  # paced, not slowed
            vehicle = POISON_IDS[n % len(POISON_IDS)]
            # The lone surrogate cannot be encoded by json=: write the JSON escape by hand.
            body = ('[{"vehicle_id": "%s", "timestamp": %f, "lat": 35.07, "lon": 109.07}]'
                    % (vehicle.encode("unicode_escape").decode().replace("\\x", "\\u00"),
                       time.time()))
            tally.poison_pushes += 1
            async with http.post("/api/push/reports", data=body.encode(),
                                 headers={"X-Push-Key": PUSH_KEY,
                                          "Content-Type": "application/json"}) as response:
                tally.poison_400 += response.status == 400
            if n % max(1, int(rate)) == 0:  # once a second: no key, then a wrong key
                for headers in ({}, {"X-Push-Key": "guessed"}):
                    tally.anonymous += 1
                    async with http.post("/api/push/reports", headers=headers, json=[{
                        "vehicle_id": "HONEST0006", "timestamp": time.time(),
                        "lat": 35.0, "lon": 109.0}]) as response:
                        tally.anonymous_401 += response.status == 401
            n += 1


async def poison_terminals(port: int, duration: float, bindings: bool, tally: Tally) -> None:
    loop = asyncio.get_running_loop()
    end = loop.time() + duration
    n = 0
    while loop.time() < end:
        n += 1
        client = await TerminalClient.connect(HOST, port, f"1370000{n:04d}")
        try:
            tally.poison_registrations += 1
            await client.send(Registration(61, 200, "EVIL", "M", "T", 1, "P\x00OISON"))
            reply = (await asyncio.wait_for(client.receive(), 5)).body
            tally.poison_registrations_refused += (
                isinstance(reply, PlatformGeneralResponse)
                and reply.result == GeneralResult.MESSAGE_ERROR)
            if bindings:
                tally.claims += 1
                await client.send(Registration(61, 200, "EVIL", "M", "T", 1, "HONEST0005"))
                reply = (await asyncio.wait_for(client.receive(), 5)).body
                tally.claims_refused += (isinstance(reply, RegistrationResponse)
                                         and reply.result != RegistrationResult.OK)
        finally:
            await client.close()
        await asyncio.sleep(1.0)


async def count_stored(data_dir: Path, since: float) -> int:
    conn = await asyncpg.connect(host=str(data_dir / "postgres"), user="postgres",
                                 database="postgres")
    try:
        return int(await conn.fetchval(
            "SELECT count(*) FROM vehicle_reports WHERE vehicle_id LIKE 'HONEST%' "
            "AND received_at >= to_timestamp($1)", since))
    finally:
        await conn.close()


async def attack(args: argparse.Namespace, base: str, jt808_port: int, data_dir: Path) -> Tally:
    tally = Tally()
    started = time.time()
    results = await asyncio.gather(
        *(honest_terminal(n, jt808_port, args.per_terminal, args.duration, tally)
          for n in range(args.terminals)),
        poison_pushes(base, args.poison_rate, args.duration, tally),
        poison_terminals(jt808_port, args.duration, args.bindings, tally),
        return_exceptions=True,
    )
    failures = [r for r in results if isinstance(r, BaseException)]
    tally.honest_failed_terminals = len(failures)
    if failures:
        print(f"{len(failures)} tasks failed, first: {failures[0]!r}")
    stored = await count_stored(data_dir, started - 1)
    async with aiohttp.ClientSession(base) as http:
        async with http.get("/api/vehicles") as response:
            vehicles = [v["vehicle_id"] for v in (await response.json())["vehicles"]]
    phantoms = [v for v in vehicles if not v.isprintable() or len(v) > 64]
    print(f"honest  sent {tally.honest_sent:,}  acked {tally.honest_acked:,}  refused "
          f"{tally.honest_refused}  stored {stored:,}  acked-stored {tally.honest_acked - stored}")
    print(f"poison  pushes {tally.poison_pushes:,} (400: {tally.poison_400:,})  anonymous/wrong key "
          f"{tally.anonymous} (401: {tally.anonymous_401})  P\\x00OISON registrations "
          f"{tally.poison_registrations} (message error: {tally.poison_registrations_refused})  "
          f"claims on a bound vehicle {tally.claims} (refused: {tally.claims_refused})")
    print(f"vehicles live {len(vehicles)}, phantoms {phantoms}")
    tally.honest_failed_terminals += len(phantoms) + abs(tally.honest_acked - stored)
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--terminals", type=int, default=100)
    parser.add_argument("--per-terminal", type=float, default=5.0, help="reports/s per terminal")
    parser.add_argument("--poison-rate", type=float, default=50.0, help="poison pushes/s")
    parser.add_argument("--duration", type=float, default=60.0)
    parser.add_argument("--bindings", action="store_true",
                        help="configure a bindings table for the honest terminals")
    args = parser.parse_args()
    args.duration = min(args.duration, MAX_DURATION)
    with tempfile.TemporaryDirectory(prefix="poison-") as tmp:
        data_dir = Path(tmp)
        http_port, jt808_port = free_port(), free_port()
        env = {**os.environ, "TRANSIT_DATA_DIR": str(data_dir), "TRANSIT_HTTP_HOST": HOST,
               "TRANSIT_HTTP_PORT": str(http_port), "TRANSIT_JT808_HOST": HOST,
               "TRANSIT_JT808_PORT": str(jt808_port), "TRANSIT_SIMULATE": "false",
               "TRANSIT_LOG_LEVEL": "WARNING",
               "TRANSIT_PUSH_KEYS": f"poison-test:{PUSH_KEY}:1000:1000"}
        env.pop("DATABASE_URL", None)
        if args.bindings:
            table = data_dir / "bindings.csv"
            table.write_text("phone,vehicle_id\n" + "".join(
                f"{phone(n)},HONEST{n:04d}\n" for n in range(args.terminals)), encoding="utf-8")
            env["TRANSIT_JT808_BINDINGS"] = str(table)
        log = (data_dir / "service.log").open("wb")
        service = subprocess.Popen([*TRANSIT, "demo"], env=env, cwd=ROOT,
                                                 stdout=log, stderr=log)
        try:
            base = f"http://{HOST}:{http_port}"
            wait_until_up(service, f"{base}/health", 300.0)
            print(f"{args.terminals} honest terminals x {args.per_terminal:g} reports/s, "
                  f"{args.poison_rate:g} poison pushes/s, for {args.duration:.0f} s"
                  f"{' with bindings' if args.bindings else ''}")
            tally = asyncio.run(attack(args, base, jt808_port, data_dir))
            up = service.poll() is None and get_json(f"{base}/health") is not None
            metrics = get_json(f"{base}/metrics")
        finally:
            stop(service)
            log.close()
        errors = [line for line in (data_dir / "service.log").read_text(errors="replace").splitlines()
                  if " ERROR " in line or "Traceback" in line]
    print(f"service up: {up}; refused by reason: {metrics['ingest']['refused']} "
          f"push {metrics['push']['refused']}; jt808 registrations_refused "
          f"{metrics['jt808']['registrations_refused']}, security_refusals "
          f"{metrics['jt808']['security_refusals']}, sink_failures {metrics['jt808']['sink_failures']}")
    print(f"ERROR lines in the service log: {len(errors)}" + (f", first: {errors[0]}" if errors else ""))
    ok = (up and not errors and tally.honest_failed_terminals == 0
          and tally.honest_acked == tally.honest_sent
          and tally.poison_400 == tally.poison_pushes and tally.anonymous_401 == tally.anonymous
          and tally.poison_registrations_refused == tally.poison_registrations
          and tally.claims_refused == tally.claims)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
