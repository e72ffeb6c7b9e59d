"""The tiny network and predictions for sign tests."""

from __future__ import annotations

from datetime import date

from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
from transit.flow.crowding import Crowding, CrowdingParams
from transit.gtfs.feed import load_feed
from transit.live.tracking import LiveSnapshot
from transit.model.service_days import to_unix
from transit.prediction.publish import EMPTY_BOARD, update_board
from transit.prediction.types import StopPrediction, TripPrediction
from transit.tracking.state import TripRef

NETWORK = load_feed(zip_feed(TINY_FEED), "tiny.zip").network
DAY = date(2026, 3, 2)  # a Monday: service WK runs


def at(hours: float) -> float:
    return to_unix(DAY, round(hours * 3600), "Asia/Shanghai")


def snapshot_with_t2(now: float, s2_arrival: float, load: float | None = None) -> LiveSnapshot:
    """A live snapshot where bus TC0001 runs T2 and reaches S2 at ``s2_arrival``,
    with ``load`` riders of 80 on board if given (else no estimate)."""
    ref = TripRef("T2", "R1", 0, DAY, 8 * 3600, "B1")
    stops = (StopPrediction(2, "S2", s2_arrival, s2_arrival + 20, 30.0),
             StopPrediction(3, "S3", s2_arrival + 300, None, 40.0))
    prediction = TripPrediction(ref, "TC0001", now - 5, 60.0, stops)
    crowding = {}
    if load is not None:
        params = CrowdingParams()
        crowding["TC0001"] = Crowding("TC0001", "T2", DAY, load, round(100 * load / params.capacity),
                                      params.status(load), True, int(load), now - 30)
    return LiveSnapshot(at=now, predictions=update_board(EMPTY_BOARD, "TC0001", [prediction], now),
                        crowding=crowding)
