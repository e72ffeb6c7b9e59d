"""Drafts in and out of the store: a stored version as a draft's base, a new draft kept."""

from __future__ import annotations

import asyncio

from feeds.drafts.make import BaseSchedule, NewDraft
from transit.console.marey_sides import sides_as_mapping
from transit.gtfs.build import build_network
from transit.gtfs.feed import read_raw_tables
from transit.store import Pool, drafts, schedules


async def load_base(pool: Pool, version_id: int) -> BaseSchedule:
    """A stored version built into its network off the event loop (it was checked
    when imported); raises ``VersionNotFound``."""
    version = await schedules.get_version(pool, version_id)
    data = await schedules.get_feed_zip(pool, version_id)
    network = await asyncio.to_thread(lambda: build_network(read_raw_tables(data, version.source)))
    return BaseSchedule(version.id, version.source, data, network)


async def save_draft(pool: Pool, draft: NewDraft) -> int:
    """Store ``draft`` (status ``draft``) and return its id."""
    return await drafts.insert_draft(
        pool, base_version_id=draft.base_version_id, scenario=draft.scenario, params=draft.params,
        feed_zip=draft.feed_zip, kpis=draft.kpis, diff=draft.diff, created_by=draft.created_by,
        notes=draft.notes, charts={key: sides_as_mapping(sides) for key, sides in draft.charts.items()})
