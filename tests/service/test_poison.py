"""Issue 8's attack, short form, on the whole service: poison beside honest terminals.

Bad reports (NUL and control characters, a lone surrogate, an over-long id)
pushed with a valid key, anonymous pushes, a terminal registering as
"P\\x00OISON" and, with bindings, a stranger claiming a bound bus, all while
honest terminals report: every honest report is acknowledged and stored,
every bad one refused in its protocol, no phantom vehicle, nothing crashes.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import aiohttp
import asyncpg

from feeds.jt808.messages import (
    GeneralResult, Location, PlatformGeneralResponse, Registration, RegistrationResponse,
    RegistrationResult,
)
from feeds.jt808.terminal import LoginRefused, TerminalClient, log_in
from tests.service.conftest import NEAR_S2, run_service
from transit.bootstrap import Service
from transit.config import Config

POISON = ["x\\u0000y", "P\\u0000OISON", "TC\\u001b[2J", "a\\ud800b", "T" * 65]
KEY = {"X-Push-Key": "demo-push-key", "Content-Type": "application/json"}


async def honest(service: Service, n: int, reports: int) -> int:
    """Log in as bus HONEST<n>, send ``reports`` fixes; the number acknowledged OK."""
    assert service.jt808 is not None
    client = await TerminalClient.connect("127.0.0.1", service.jt808.port, f"1390000{n:04d}")
    try:
        await log_in(client, f"HONEST{n}", f"T{n}", "TC")
        acked = 0
        for k in range(reports):
            flow = await client.send(Location.at(*NEAR_S2, time.time() - reports + k, speed_mps=5.0))
            reply = (await asyncio.wait_for(client.receive(), 10)).body
            assert isinstance(reply, PlatformGeneralResponse) and reply.reply_flow == flow
            acked += reply.result == GeneralResult.OK
        return acked
    finally:
        await client.close()


async def poison_pushes(http: aiohttp.ClientSession, count: int) -> list[int]:
    statuses = []
    for n in range(count):
        vehicle = POISON[n % len(POISON)]
        body = f'[{{"vehicle_id": "{vehicle}", "timestamp": {time.time()}, "lat": 35.07, "lon": 109.07}}]'
        async with http.post("/api/push/reports", data=body.encode(), headers=KEY) as response:
            statuses.append(response.status)
    return statuses


async def poison_registration(service: Service, n: int) -> GeneralResult | None:
    assert service.jt808 is not None
    client = await TerminalClient.connect("127.0.0.1", service.jt808.port, f"1370000{n:04d}")
    try:
        await client.send(Registration(61, 200, "EVIL", "M", "T", 1, "P\x00OISON"))
        reply = (await asyncio.wait_for(client.receive(), 10)).body
        return reply.result if isinstance(reply, PlatformGeneralResponse) else None
    finally:
        await client.close()


async def test_poison_beside_honest_terminals_stops_nothing(
    service: Service, tiny_store: asyncpg.Pool
) -> None:
    async with aiohttp.ClientSession(service.http_url) as http:
        results = await asyncio.gather(
            *(honest(service, n, 20) for n in range(5)),
            poison_pushes(http, 50),
            *(poison_registration(service, n) for n in range(3)),
        )
        async with http.post("/api/push/reports", json=[{"vehicle_id": "HONEST1", "lat": 0,
                                                         "lon": 0, "timestamp": time.time()}]) as anonymous:
            assert anonymous.status == 401
        await service.context.live.settle()
        async with http.get("/api/vehicles") as response:
            vehicles = {v["vehicle_id"] for v in (await response.json())["vehicles"]}
        async with http.get("/metrics") as response:
            metrics = await response.json()
    service.check()  # nothing crashed
    assert results[:5] == [20] * 5
    assert results[5] == [400] * 50
    assert results[6:] == [GeneralResult.MESSAGE_ERROR] * 3
    assert vehicles == {f"HONEST{n}" for n in range(5)}  # no phantom
    stored = await tiny_store.fetchval("SELECT count(*) FROM vehicle_reports")
    assert stored == 100 == metrics["ingest"]["reports_stored"]
    assert metrics["push"]["refused"] == {"control_character": 30, "too_long": 10}
    assert metrics["jt808"]["registrations_refused"] == 3
    assert metrics["jt808"]["sink_failures"] == 0


async def test_with_bindings_a_stranger_cannot_move_a_bound_bus(
    tiny_store: asyncpg.Pool, empty_database_url: str, tmp_path: Path
) -> None:
    table = tmp_path / "bindings.csv"
    table.write_text("phone,vehicle_id,plate\n13900000001,HONEST1,陕B·00001\n", encoding="utf-8")
    config = Config(database_url=empty_database_url, data_dir=tmp_path, jt808_bindings=table)
    async with run_service(config) as service:
        assert await honest(service, 1, 3) == 3  # bound phone, its own plate
        assert service.jt808 is not None
        stranger = await TerminalClient.connect("127.0.0.1", service.jt808.port, "13912345678")
        try:
            await stranger.send(Registration(61, 200, "EVIL", "M", "T", 1, "HONEST1"))
            reply = (await asyncio.wait_for(stranger.receive(), 10)).body
        finally:
            await stranger.close()
        assert isinstance(reply, RegistrationResponse)
        assert reply.result == RegistrationResult.VEHICLE_TAKEN and reply.auth_code == ""
        unbound = await TerminalClient.connect("127.0.0.1", service.jt808.port, "13955555555")
        try:
            try:
                await log_in(unbound, "NEWBUS", "T9", "TC")
                refused = False
            except LoginRefused:
                refused = True
        finally:
            await unbound.close()
        assert refused
        assert service.jt808.counters().security_refusals == 2
