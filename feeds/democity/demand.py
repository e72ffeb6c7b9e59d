"""Trip-generation weights per stop for the passenger simulator's origin-destination model."""

from __future__ import annotations

import math

import pandas as pd

from feeds.democity.feed import TOURIST_ROUTE_DESC
from feeds.democity.geography import DISTRICTS, to_xy
from feeds.democity.names import LANDMARK_KINDS, StopKind

# Everyday weight of a landmark relative to an ordinary street stop.
KIND_WEIGHT = {
    StopKind.CENTRE: 8.0,
    StopKind.STATION: 6.0,
    StopKind.HOSPITAL: 5.0,
    StopKind.SCHOOL: 4.0,
    StopKind.MARKET: 4.0,
    StopKind.PARK: 2.0,
    StopKind.SITE: 0.5,
}
CENTRE_DECAY_M = 1500.0  # street stops thin out in demand over this distance from a district seat
SITE_TOURIST_WEIGHT = 20.0
TERMINAL_TOURIST_WEIGHT = 6.0


def stop_demand(tables: dict[str, pd.DataFrame]) -> dict[str, tuple[float, float]]:
    """stop_id -> (everyday trip-generation weight, extra tourist-season weight).

    Everyday weight: landmark kind (centre, station, hospital, school, ...), nearness to
    a district seat and the number of routes at the stop. Tourist weight: the tourist
    sites and the urban terminals of the tourist lines, zero elsewhere.
    """
    stops, trips, stop_times = tables["stops"], tables["trips"], tables["stop_times"]
    routes_at = stop_times[["trip_id", "stop_id"]].merge(trips[["trip_id", "route_id"]], on="trip_id")
    route_count = routes_at.drop_duplicates(["stop_id", "route_id"]).groupby("stop_id").size()
    tourist_routes = set(tables["routes"].loc[tables["routes"]["route_desc"] == TOURIST_ROUTE_DESC, "route_id"])
    tourist_times = stop_times[stop_times["trip_id"].isin(trips.loc[trips["route_id"].isin(tourist_routes), "trip_id"])]
    seq = tourist_times["stop_sequence"].astype(int)
    first_stops = set(tourist_times.loc[seq == 1, "stop_id"])
    seats = [to_xy(*d.centre) for d in DISTRICTS]
    demand = {}
    for stop_id, name, lat, lon in stops[["stop_id", "stop_name", "stop_lat", "stop_lon"]].itertuples(index=False):
        kind = LANDMARK_KINDS.get(name, StopKind.STREET)
        x, y = to_xy(float(lat), float(lon))
        nearness = math.exp(-min(math.dist((x, y), s) for s in seats) / CENTRE_DECAY_M)
        everyday = KIND_WEIGHT.get(kind, 1.0) * (1.0 + 2.0 * nearness) * (1.0 + 0.1 * (route_count.get(stop_id, 1) - 1))
        if kind is StopKind.SITE:
            tourist = SITE_TOURIST_WEIGHT
        elif stop_id in first_stops:
            tourist = TERMINAL_TOURIST_WEIGHT
        else:
            tourist = 0.0
        demand[stop_id] = (round(float(everyday), 3), tourist)
    return demand
