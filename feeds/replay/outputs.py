"""What a replay writes: its stop events as CSV, and GTFS-RT VehiclePositions
snapshots as the live feed would have served them."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from feeds.gtfsrt.vehicle_positions import build_vehicle_positions
from transit.freshness import LIVE_MAX_AGE_S
from transit.live.tracking import LiveSnapshot
from transit.model.network import Network
from transit.records import StopEvent

STOP_EVENT_COLUMNS = ("vehicle_id", "service_date", "trip_id", "stop_sequence", "stop_id",
                      "arrival", "departure")


def write_stop_events_csv(events: Iterable[StopEvent], path: Path | str) -> int:
    """Write one row per event (times in Unix seconds, empty when unknown);
    returns the number of rows."""
    count = 0
    with Path(path).open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(STOP_EVENT_COLUMNS)
        for e in events:
            writer.writerow((e.vehicle_id, e.service_date.isoformat(), e.trip_id, e.stop_sequence,
                             e.stop_id, _time(e.arrival), _time(e.departure)))
            count += 1
    return count


def _time(value: float | None) -> str:
    return "" if value is None else repr(value)


class VehiclePositionsWriter:
    """A snapshot sink writing each snapshot's live vehicles as a full-dataset
    VehiclePositions message to ``folder/vp-<unix>.pb``."""

    def __init__(self, network: Network, folder: Path | str) -> None:
        self._network = network
        self._folder = Path(folder)
        self._folder.mkdir(parents=True, exist_ok=True)
        self.written: list[Path] = []

    def __call__(self, snapshot: LiveSnapshot) -> None:
        # Silent vehicles are left out, as the live GTFS-RT endpoint leaves them out.
        live = snapshot.list_live(snapshot.at, LIVE_MAX_AGE_S)
        message = build_vehicle_positions(live, self._network, snapshot.at)
        path = self._folder / f"vp-{int(snapshot.at)}.pb"
        path.write_bytes(message.SerializeToString())
        self.written.append(path)
