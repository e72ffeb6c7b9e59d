"""Drafts stored on a real database, for the store, API, CLI and browser tests: the
small city's, and the demo city's with some lines rebuilt."""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import time

import asyncpg

from feeds.drafts.make import BaseSchedule, DraftRequest, NewDraft, make_draft
from feeds.drafts.saving import load_base, save_draft
from feeds.schedules.days import DayType, typical_day
from tests.drafts.helpers import rebuild_evenly
from tests.schedules.smallcity import small_city_zip
from transit.gtfs.feed import load_feed
from transit.store import schedules


def small_city_draft(version_id: int) -> NewDraft:
    data = small_city_zip()
    base = BaseSchedule(version_id, "smallcity.zip", data, load_feed(data, "smallcity.zip").network)
    even = rebuild_evenly(base.network, frozenset({"WK"}), "R1", 0, 600)
    # R1 outbound ran once, at 08:00: the draft runs it at 08:00 and 08:15.
    rebuilt = dataclasses.replace(even, timetable=dataclasses.replace(even.timetable, departures_s=(28_800, 29_700)))
    request = DraftRequest(frozenset({"WK"}), (rebuilt,),
                           scenario="morning peak", params={"method": "even_headway", "fleet": 2},
                           created_by="planner-li")
    return make_draft(base, base, request, time.monotonic)


async def store_small_city_draft(pool: asyncpg.Pool) -> tuple[int, NewDraft]:
    """The small city as the live version and a draft of it; the draft's id."""
    data = small_city_zip()
    version_id = await schedules.insert_version(
        pool, source="smallcity.zip", sha256=hashlib.sha256(data).hexdigest(), feed_zip=data,
        summary={"trips": 4}, start=None, end=None, make_live=True)
    draft = small_city_draft(version_id)
    return await save_draft(pool, draft), draft


async def store_demo_draft(pool: asyncpg.Pool, version_id: int, lines: tuple[str, ...], headway_s: int,
                           created_by: str = "planner-li") -> int:
    """A weekday draft of the stored (demo city) version with ``lines``
    rebuilt, both directions, every ``headway_s``; blocks by FIFO chaining."""
    base = await load_base(pool, version_id)
    services = typical_day(base.network, DayType.WEEKDAY).service_ids
    rebuilt = tuple(rebuild_evenly(base.network, services, line, direction, headway_s)
                    for line in lines for direction in (0, 1))
    request = DraftRequest(services, rebuilt, scenario="weekday", params={"method": "even_headway"},
                           created_by=created_by)
    draft = await asyncio.to_thread(make_draft, base, base, request, time.monotonic)
    return await save_draft(pool, draft)
