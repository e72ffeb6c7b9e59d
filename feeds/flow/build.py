"""``transit flow build --day D``: the day's taps and stop events from the
database, the flow inferred (``transit.flow.day.infer_flow``) with its OD
matrix and transfers, the result stored in place of any earlier build of that day."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from transit.flow.day import DayFlow, infer_flow
from transit.flow.od import OdFlow, stop_od
from transit.flow.transfers import Transfers, infer_transfers
from transit.model.network import Network
from transit.model.service_days import SERVICE_DAY_TURNS_AT, service_day_origin
from transit.records import StopEvent, Tap
from transit.store import Pool
from transit.store.flow import replace_flow_day
from transit.store.stop_events import list_stop_events
from transit.store.taps import list_taps
from transit.versions import load_live_schedule

Note = Callable[[str], None]


class NothingToBuild(LookupError):
    """The day has no stop events or no taps: there is no flow to infer."""


@dataclass(frozen=True, slots=True)
class BuiltDay:
    service_date: date
    version_id: int
    network: Network
    flow: DayFlow
    od: tuple[OdFlow, ...]
    transfers: Transfers
    seconds: float


def service_day_span(day: date, timezone: str) -> tuple[float, float]:
    """Unix [start, end) of a passenger's service day: 03:00 to 03:00 local."""
    start = service_day_origin(day, timezone) + SERVICE_DAY_TURNS_AT
    return start.timestamp(), (start + timedelta(days=1)).timestamp()


async def build_flow_day(pool: Pool, day: date, note: Note) -> BuiltDay:
    """Infer and store ``day``'s flow on the live schedule version."""
    started = time.perf_counter()
    live = await load_live_schedule(pool)
    events = await list_stop_events(pool, day)
    taps = await list_taps(pool, *service_day_span(day, live.network.timezone))
    note(f"{day}: {len(taps):,} taps, {len(events):,} stop events (schedule version {live.version_id})")
    if not events or not taps:
        missing = "stop events" if not events else "taps"
        raise NothingToBuild(f"{day}: no {missing} stored for that service day, nothing to infer")
    flow, od, transfers = await asyncio.to_thread(infer_day, live.network, events, taps)
    await replace_flow_day(pool, flow, day, live.version_id, time.time(), od=od, transfers=transfers)
    return BuiltDay(day, live.version_id, live.network, flow, od, transfers,
                    time.perf_counter() - started)


def infer_day(network: Network, events: Sequence[StopEvent],
              taps: Sequence[Tap]) -> tuple[DayFlow, tuple[OdFlow, ...], Transfers]:
    """The day's flow and the products derived from it, as stored."""
    flow = infer_flow(network, events, taps)
    return (flow, tuple(stop_od(network, flow.boardings, flow.chains.alightings)),
            infer_transfers(network, flow.boardings, flow.chains.alightings))
