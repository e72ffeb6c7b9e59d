"""Zones for origin-destination matrices: stops grouped into areas.

A planner's zones come as a stop -> zone mapping (``transit flow export
--zones FILE.csv``, read at the edge). Without one, the network is cut into a
grid of square cells (``grid_zones``) on the plane of ``walk.stop_plane``,
counted from the south-west corner of the network's stops: cell ``r2c5`` is the
third row from the south and the sixth column from the west.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np

from transit.flow.od import OdFlow
from transit.flow.walk import stop_plane
from transit.model.network import Network

DEFAULT_CELL_KM = 2.0  # the size of a traffic zone in a city of Tongchuan's size


class UnzonedStops(ValueError):
    """The matrix has stops the zone mapping does not place."""

    def __init__(self, stop_ids: Iterable[str]) -> None:
        missing = sorted(set(stop_ids))
        shown = ", ".join(missing[:10]) + (f" and {len(missing) - 10} more" if len(missing) > 10 else "")
        super().__init__(f"{len(missing)} stops of the matrix have no zone: {shown}")
        self.stop_ids = tuple(missing)


@dataclass(frozen=True, slots=True)
class ZoneOd:
    """Riders from one zone to another, all lines, boarding in one hour."""

    service_date: date
    hour: int  # of the service day, of the boarding
    origin_zone: str
    destination_zone: str
    riders: float
    chained: float


def grid_zones(network: Network, cell_km: float = DEFAULT_CELL_KM) -> dict[str, str]:
    """Every stop of ``network`` -> its cell of a ``cell_km`` grid."""
    if cell_km <= 0:
        raise ValueError(f"zone cells of {cell_km} km: the size must be above 0")
    plane = stop_plane(network)
    if not plane.index:
        return {}
    cell_m = cell_km * 1000.0
    columns = np.floor((plane.x - plane.x.min()) / cell_m).astype(np.int64).tolist()
    rows = np.floor((plane.y - plane.y.min()) / cell_m).astype(np.int64).tolist()
    return {stop_id: f"r{rows[i]}c{columns[i]}" for stop_id, i in plane.index.items()}


def zone_od(od: Iterable[OdFlow], zones: Mapping[str, str]) -> list[ZoneOd]:
    """The stop matrix ``od`` summed per day, hour and zone pair (over lines);
    raises ``UnzonedStops`` naming the stops ``zones`` lacks."""
    totals: dict[tuple[date, int, str, str], list[float]] = {}
    missing: set[str] = set()
    for row in od:
        origin, destination = zones.get(row.origin_stop_id), zones.get(row.destination_stop_id)
        if origin is None or destination is None:
            missing.update(s for s, z in ((row.origin_stop_id, origin),
                                          (row.destination_stop_id, destination)) if z is None)
            continue
        total = totals.setdefault((row.service_date, row.hour, origin, destination), [0.0, 0.0])
        total[0] += row.riders
        total[1] += row.chained
    if missing:
        raise UnzonedStops(missing)
    return [ZoneOd(*key, round(riders, 4), chained)
            for key, (riders, chained) in sorted(totals.items())]
