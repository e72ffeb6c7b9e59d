"""Bands calibrated on what the published predictions recently missed by.

Split-conformal style, online: per route, direction and horizon bucket (the
keys the self-checking predictor judges on), a ring of the latest signed
errors of the published times (actual - predicted, judged when the bus reaches
the stop). Once a ring holds ``min_errors``, the band a passenger is shown is
its empirical quantiles for ``coverage`` of them: on skewed real errors (a few
buses far later than told) the late side grows and the early side stays
tight, where a symmetric band around a standard deviation is wrong on both.
Before that, the model's own band. Memory: at most ``window`` floats a key.
Pure: errors come with the stop events.
"""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass
from statistics import NormalDist

from transit.prediction.types import StopPrediction

_BandKey = tuple[str, int, int]  # route, direction, horizon bucket


@dataclass(frozen=True, slots=True)
class CalibrationParams:
    coverage: float = 0.9  # share of recent errors a band holds
    min_errors: int = 30  # errors of a key before its band replaces the model's
    window: int = 200  # the latest errors a key keeps (a ring)


def sigma_band(uncertainty_s: float, coverage: float) -> tuple[float, float]:
    """The band a symmetric standard deviation stands for: a normal's central
    ``coverage``."""
    half = NormalDist().inv_cdf(0.5 + coverage / 2.0) * uncertainty_s
    return -half, half


def band_sigma(early_s: float, late_s: float, coverage: float) -> float:
    """The standard deviation whose normal band (``sigma_band``) holds the
    wider side of (``early_s``, ``late_s``): what the feeds' single
    ``uncertainty`` (GTFS-RT, the app, the signs) can say of a skewed band
    without promising more than it holds."""
    return max(-early_s, late_s) / NormalDist().inv_cdf(0.5 + coverage / 2.0)


def band_of(stop: StopPrediction, coverage: float) -> tuple[float, float]:
    """(early, late) offsets from the predicted time of the band published for ``stop``."""
    if stop.early_s is not None and stop.late_s is not None:
        return stop.early_s, stop.late_s
    return sigma_band(stop.uncertainty_s, coverage)


class BandCalibrator:
    def __init__(self, params: CalibrationParams = CalibrationParams()) -> None:
        if not 0.0 < params.coverage < 1.0:
            raise ValueError(f"coverage must be between 0 and 1, not {params.coverage}")
        if not 0 < params.min_errors <= params.window:
            raise ValueError(f"need 0 < min_errors <= window, not {params.min_errors}, {params.window}")
        self.params = params
        # Per key: the ring of errors, and where the next one is written once full.
        self._rings: dict[_BandKey, array[float]] = {}
        self._next: dict[_BandKey, int] = {}

    def add(self, route_id: str, direction_id: int, bucket: int, error_s: float) -> None:
        key = (route_id, direction_id, bucket)
        ring = self._rings.get(key)
        if ring is None:
            ring = self._rings[key] = array("d")
        if len(ring) < self.params.window:
            ring.append(error_s)
            return
        at = self._next.get(key, 0)
        ring[at] = error_s
        self._next[key] = (at + 1) % self.params.window

    def band(self, route_id: str, direction_id: int, bucket: int) -> tuple[float, float] | None:
        """(early, late) offsets holding ``coverage`` of the key's recent errors,
        or None until it has ``min_errors``."""
        ring = self._rings.get((route_id, direction_id, bucket))
        if ring is None or len(ring) < self.params.min_errors:
            return None
        errors = sorted(ring)
        n = len(errors)
        tail = (1.0 - self.params.coverage) / 2.0
        # Split-conformal ranks: with n errors, the k-th smallest bounds a new
        # error with probability k / (n + 1), so each side rounds outward.
        low = max(math.floor(tail * (n + 1)), 1)
        high = min(math.ceil((1.0 - tail) * (n + 1)), n)
        return errors[low - 1], errors[high - 1]

    def errors_kept(self) -> int:
        """Errors held across every key (memory; tests, metrics)."""
        return sum(len(ring) for ring in self._rings.values())
