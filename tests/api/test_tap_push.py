"""POST /api/push/taps over real HTTP and a real PostgreSQL: readers known by
their own key, taps of their own bus only, idempotent by transaction id,
stored and live after commit, and no clear card number anywhere after."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import partial

import asyncpg
import pytest
import pytest_asyncio
from aiohttp.test_utils import TestClient, TestServer

from tests.clock import Clock
from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from transit.api.app import IngestAccess, ServiceContext, init_app
from transit.api.ratelimit import KeyPolicy
from transit.api.reader_auth import ReaderDirectory
from transit.api.tap_push import MAX_BODY_BYTES, MAX_ITEMS, ReaderPush
from transit.console.audit import Act
from transit.gtfs.feed import load_feed
from transit.ingest import Ingest
from transit.live.tracking import LiveTracking
from transit.model.service_days import to_unix
from transit.privacy import pseudonymise
from transit.readers import new_reader
from transit.records import PaymentMedium, VehicleReport
from transit.store.batching import BatchWriter
from transit.store.readers import add_readers, disable_reader, list_readers
from transit.store.reports import insert_reports
from transit.store.taps import insert_taps, list_taps, store_new_taps
from transit.tracking.tracker import Tracker

# 07:57 on a weekday: TC0001 waits at S1 for trip T2 (08:00).
NOW = to_unix(date(2026, 3, 2), 7 * 3600 + 57 * 60, "Asia/Shanghai")
KEY = b"test-pseudonym-key"
CARD = "3100987654321098"
READER, READER_KEY = "POS-A1", "k" * 43
OTHER, OTHER_KEY = "POS-B2", "o" * 43
URL = "/api/push/taps"


@dataclass
class Pushing:
    client: TestClient
    ingest: Ingest
    live: LiveTracking
    pool: asyncpg.Pool

    async def push(self, body: object = None, reader: str = READER, key: str | None = READER_KEY,
                   **kwargs: object):  # type: ignore[no-untyped-def]
        headers = {"X-Reader-Id": reader} | ({} if key is None else {"X-Reader-Key": key})
        if body is not None:
            kwargs["json"] = body
        return await self.client.post(URL, headers=headers, **kwargs)

    async def metrics(self) -> dict:
        return (await (await self.client.get("/metrics")).json())["tap_push"]


@pytest_asyncio.fixture(loop_scope="session")
async def pushing(clean_pool: asyncpg.Pool) -> AsyncIterator[Pushing]:
    network = load_feed(zip_feed(TINY_FEED), "tiny.zip").network
    clock = Clock(NOW)
    live = LiveTracking(Tracker(network), clock)
    await add_readers(clean_pool, [new_reader(READER, "TC0001", READER_KEY, NOW - 86_400),
                                   new_reader(OTHER, "TC0002", OTHER_KEY, NOW - 86_400)],
                      Act("test", "test", NOW - 86_400))
    async with (
        BatchWriter(partial(insert_reports, clean_pool), name="reports") as reports,
        BatchWriter(partial(insert_taps, clean_pool), name="taps") as taps,
    ):
        ingest = Ingest(reports, taps, live, KEY, partial(store_new_taps, clean_pool))
        # Read at every request: a reader disabled in a test is refused at once.
        directory = ReaderDirectory(partial(list_readers, clean_pool), max_age_s=0.0)
        access = IngestAccess(ingest.submit_reports, {}, ingest=lambda: {},
                              taps=ReaderPush(ingest.submit_taps, directory, KeyPolicy("reader", 1000.0, 1000)))
        context = ServiceContext(network, 1, live, partial(clean_pool.fetchval, "SELECT 1"), clock)
        client = TestClient(TestServer(init_app(context, ingest=access), host="127.0.0.1"))
        await client.start_server()
        writer = asyncio.create_task(live.run())
        try:
            # The bus is tracked on T2, so a tap puts a rider on that trip.
            await ingest.submit_reports([VehicleReport("TC0001", NOW - 5, 35.0690, 109.0720, 0.0, None,
                                                       "test", NOW - 4)])
            await live.settle()
            yield Pushing(client, ingest, live, clean_pool)
        finally:
            await client.close()
            writer.cancel()


def tap(txn: str, at: float = NOW - 10, card: str = CARD, **changes: object) -> dict[str, object]:
    return {"txn_id": txn, "card_id": card, "time": at, "medium": "card", "amount_fen": 200,
            "transfer": False, "lat": 35.0690, "lon": 109.0720, **changes}


async def _dump(pool: asyncpg.Pool) -> list[str]:
    """Every row of every table, as text."""
    tables = await pool.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
    rows: list[str] = []
    for table in tables:
        rows += [r[0] for r in await pool.fetch(f'SELECT t::text FROM "{table["tablename"]}" t ORDER BY 1')]
    return rows


async def _stored(pool: asyncpg.Pool) -> dict[str, object]:
    return {t.tap_id: t for t in await list_taps(pool, NOW - 5 * 86_400, NOW + 5 * 86_400)}


async def test_a_good_push_is_stored_and_reaches_the_live_state(pushing: Pushing) -> None:
    response = await pushing.push([tap("P1"), tap("P2", card="wx-77", medium="wechat", transfer=True,
                                                  vehicle_id="TC0001", line_id="R1")])
    body = await response.json()
    assert response.status == 200
    assert (body["stored"], body["duplicates"], body["refused"]) == (2, 0, 0)
    assert [(r["index"], r["txn_id"], r["status"]) for r in body["results"]] == [
        (0, "P1", "stored"), (1, "P2", "stored")]
    # Read straight away: the answer came after the commit.
    stored = await _stored(pushing.pool)
    p1, p2 = stored["P1"], stored["P2"]
    assert (p1.vehicle_id, p1.reader_id, p1.account_hash) == ("TC0001", READER, pseudonymise(CARD, KEY))
    assert (p1.timestamp, p1.received_at, p1.amount_fen, p1.transfer) == (NOW - 10, NOW, 200, False)
    assert (p2.medium, p2.transfer, p2.line_id) == (PaymentMedium.WECHAT, True, "R1")
    await pushing.live.settle()
    crowding = pushing.live.snapshot.crowding["TC0001"]
    assert (crowding.trip_id, crowding.boardings) == ("T2", 2)
    metrics = await pushing.metrics()
    assert metrics["taps_stored"] == 2
    assert metrics["readers"][READER] == {"vehicle_id": "TC0001", "last_seen": NOW, "taps_stored": 2}


async def test_a_resend_changes_nothing(pushing: Pushing) -> None:
    first = await pushing.push([tap("R1"), tap("R2")])
    assert (await first.json())["stored"] == 2
    await pushing.live.settle()
    rows = await _dump(pushing.pool)
    boardings = pushing.live.snapshot.crowding["TC0001"].boardings

    again = await pushing.push([tap("R1"), tap("R2"), tap("R2")])
    body = await again.json()
    assert again.status == 200
    assert [r["status"] for r in body["results"]] == ["duplicate"] * 3
    await pushing.live.settle()
    assert await _dump(pushing.pool) == rows
    assert pushing.live.snapshot.crowding["TC0001"].boardings == boardings
    # The same transaction id for another card is no duplicate: it is refused, and says why.
    taken = await (await pushing.push([tap("R1", card="3100000000000001")])).json()
    assert taken["results"][0]["reason"] == "txn_id_conflict"
    assert await _dump(pushing.pool) == rows
    assert (await pushing.metrics())["duplicates"] == 3


async def test_an_unknown_or_disabled_reader_or_a_wrong_key_is_a_401(pushing: Pushing) -> None:
    cases = [("POS-NONE", READER_KEY, "unknown_reader"), (READER, OTHER_KEY, "unknown_reader"),
             (READER, None, "missing_credentials")]
    for reader, key, code in cases:
        response = await pushing.push([tap("U1")], reader=reader, key=key)
        assert response.status == 401
        assert (await response.json())["error"]["code"] == code
    await disable_reader(pushing.pool, READER, Act("test", "test", NOW))
    response = await pushing.push([tap("U1")])
    assert response.status == 401 and (await response.json())["error"]["code"] == "reader_disabled"
    assert "U1" not in await _stored(pushing.pool)
    assert (await pushing.metrics())["unauthorised"] == {"unknown_reader": 2, "missing_credentials": 1,
                                                          "reader_disabled": 1}


async def test_a_reader_pushes_for_its_own_bus_only(pushing: Pushing) -> None:
    # POS-B2 is mounted on TC0002: it may not push a tap for TC0001.
    response = await pushing.push([tap("V1", vehicle_id="TC0001"), tap("V2")], reader=OTHER, key=OTHER_KEY)
    body = await response.json()
    assert response.status == 200
    wrong, good = body["results"]
    assert (wrong["status"], wrong["reason"], wrong["field"]) == ("refused", "wrong_vehicle", "vehicle_id")
    assert wrong["txn_id"] == "V1" and "mounted on TC0002" in wrong["message"]
    refused = await (await pushing.push([tap("V3", vehicle_id="TC0002")])).json()
    assert refused["results"][0]["reason"] == "wrong_vehicle"
    stored = await _stored(pushing.pool)
    assert good["status"] == "stored" and stored["V2"].vehicle_id == "TC0002"
    assert {"V1", "V3"}.isdisjoint(stored)


async def test_a_reader_clock_hours_off_is_kept_with_both_times(pushing: Pushing) -> None:
    iso = datetime.fromtimestamp(NOW + 3600, timezone(timedelta(hours=8))).isoformat()
    response = await pushing.push([tap("C1", NOW + 3600), tap("C2", NOW - 3600), tap("C3", iso),
                                   tap("C4", NOW + 2 * 86_400), tap("C5", "2026-03-02 08:57:00")])
    body = await response.json()
    assert [r["status"] for r in body["results"]] == ["stored"] * 3 + ["refused"] * 2
    days_ahead, no_offset = body["results"][3:]
    assert (days_ahead["reason"], days_ahead["field"]) == ("in_future", "time")
    assert "48.0 h ahead" in days_ahead["message"] and "up to 3 h" in days_ahead["message"]
    assert no_offset["reason"] == "not_a_time"
    stored = await _stored(pushing.pool)
    assert [(stored[t].timestamp, stored[t].received_at) for t in ("C1", "C2", "C3")] == [
        (NOW + 3600, NOW), (NOW - 3600, NOW), (NOW + 3600, NOW)]
    # Live crowding counts a tap when it came, whatever the reader's clock said.
    await pushing.live.settle()
    assert pushing.live.snapshot.crowding["TC0001"].boardings == 3


async def test_malformed_items_are_reported_per_item_while_good_ones_land(pushing: Pushing) -> None:
    items = [
        tap("M1"),
        "not an object",
        {k: v for k, v in tap("M3").items() if k != "txn_id"},
        tap("M4", medium="cash"),
        tap("M5", amount_fen=2.5),
        tap("M6", lon=None),
        tap("M7", card=3100987654321098),
        tap("M8", card="31\x0000"),
        tap("M9", transfer="yes"),
        tap("M10", lat=91.0),
        tap("M11"),
    ]
    response = await pushing.push(items)
    body = await response.json()
    assert response.status == 200
    got = [(r["index"], r["status"], r.get("reason"), r.get("field")) for r in body["results"]]
    assert got == [
        (0, "stored", None, None), (1, "refused", "not_an_object", None),
        (2, "refused", "missing_field", "txn_id"), (3, "refused", "unknown_medium", "medium"),
        (4, "refused", "not_an_integer", "amount_fen"), (5, "refused", "half_position", "lon"),
        (6, "refused", "not_a_string", "card_id"), (7, "refused", "control_character", "card_id"),
        (8, "refused", "not_a_boolean", "transfer"), (9, "refused", "out_of_range", "lat"),
        (10, "stored", None, None),
    ]
    assert set(await _stored(pushing.pool)) == {"M1", "M11"}
    assert (await pushing.metrics())["refused"]["not_an_object"] == 1
    # Nothing storable at all: the push as a whole is a 400, still item by item.
    all_bad = await pushing.push([tap("M12", medium="cash")])
    assert all_bad.status == 400 and (await all_bad.json())["results"][0]["reason"] == "unknown_medium"


@pytest.mark.parametrize(("data", "status", "code"), [
    (b"{not json", 400, "invalid_json"),
    (b'{"taps": 3}', 400, "not_a_list"),
    (b"[" + b",".join([b"0"] * (MAX_ITEMS + 1)) + b"]", 413, "too_many_taps"),
    (b"[" + b" " * MAX_BODY_BYTES + b"]", 413, "body_too_large"),
])
async def test_a_body_that_is_no_list_of_taps_is_refused_whole(
        pushing: Pushing, data: bytes, status: int, code: str) -> None:
    response = await pushing.client.post(URL, data=data, headers={
        "X-Reader-Id": READER, "X-Reader-Key": READER_KEY, "Content-Type": "application/json"})
    assert response.status == status
    assert (await response.json())["error"]["code"] == code


async def test_no_clear_card_number_is_kept_logged_or_echoed(
        pushing: Pushing, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    # Stored, then a duplicate and a conflict; refused items of every kind carrying the card.
    items = [tap("N1"), tap("N1", card=CARD + "9"), tap("N2", medium="cash"), tap("N3", vehicle_id="TC0002"),
             tap("N4", NOW + 9 * 86_400), tap("N5", card=CARD + "\x07"), {"card_id": CARD}]
    texts = [await (await pushing.push(items)).text()]
    texts.append(await (await pushing.push(items)).text())
    texts.append(await (await pushing.push(items, key=OTHER_KEY)).text())  # a 401
    rows = await _dump(pushing.pool)
    assert sum(pseudonymise(CARD, KEY) in row for row in rows) == 1
    assert not any(CARD in row for row in rows)
    assert not any(CARD in text for text in texts)
    assert not any(CARD in record.getMessage() for record in caplog.records)
