"""The tiny network and predictions for sign tests."""

from __future__ import annotations

from datetime import date

from tests.gtfs.tinyfeed import TINY_FEED, zip_feed
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


def snapshot_with_t2(now: float, s2_arrival: float) -> LiveSnapshot:
    """A live snapshot where bus TC0001 runs T2 and reaches S2 at ``s2_arrival``."""
    ref = TripRef("T2", "R1", 0, DAY, 8 * 3600, "B1")
    stops = (StopPrediction(2, "S2", s2_arrival, s2_arrival + 20, 30.0),
             StopPrediction(3, "S3", s2_arrival + 300, None, 40.0))
    prediction = TripPrediction(ref, "TC0001", now - 5, 60.0, stops)
    return LiveSnapshot(at=now, predictions=update_board(EMPTY_BOARD, "TC0001", [prediction], now))
