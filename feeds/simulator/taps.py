"""Passengers and their taps: one tap per boarding, at the bus, during its dwell.

Riders come from a seeded pool of accounts, each paying with one medium (card,
WeChat or Alipay, per the mix), so the same card taps on several trips a day.
Account ids are in clear: the simulator plays the POS device; pseudonymisation
happens at ingest. A rider may be drawn for two overlapping trips: the pool is a
source of realistic repeat ids, not a model of individual travel.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np

from feeds.simulator.gps import ShapeArrays
from feeds.simulator.params import SimulationParams
from feeds.simulator.running import VehicleDay
from transit.model.network import Network
from transit.records import PaymentMedium

MEDIA = (PaymentMedium.CARD, PaymentMedium.WECHAT, PaymentMedium.ALIPAY)


@dataclass(frozen=True, slots=True)
class RawTap:
    """A tap as the POS reader sends it: the account id is in clear."""

    tap_id: str
    vehicle_id: str
    timestamp: float
    medium: PaymentMedium
    account: str
    lat: float
    lon: float
    received_at: float
    # The simulated readers send no line, fare or transfer flag (flat fare).
    line_id: str | None = None
    amount_fen: int | None = None
    transfer: bool | None = None
    reader_id: str | None = None  # offered in-process, not pushed by a registered reader


@dataclass(frozen=True, slots=True)
class Journey:
    """Ground truth of one passenger trip; sequences are 1-based pattern indices."""

    tap_id: str
    account: str
    medium: PaymentMedium
    vehicle_id: str
    trip_id: str
    board_stop_id: str
    board_sequence: int
    boarded_at: float
    alight_stop_id: str
    alight_sequence: int
    alighted_at: float


def rider_pool(
    size: int, mix: tuple[float, float, float], rng: np.random.Generator
) -> tuple[list[str], list[PaymentMedium]]:
    """``size`` riders: city card numbers "3100" + 12 digits, opaque WeChat ids,
    Alipay user ids "2088" + 12 digits."""
    media = rng.choice(3, size=size, p=np.asarray(mix) / sum(mix))
    numbers = rng.integers(0, 10**12, size=size)
    opaque = rng.integers(0, 2**63, size=size)
    accounts = []
    for kind, number, token in zip(media.tolist(), numbers.tolist(), opaque.tolist()):
        if kind == 0:
            accounts.append(f"3100{number:012d}")
        elif kind == 1:
            accounts.append(f"wx{token:016x}")
        else:
            accounts.append(f"2088{number:012d}")
    return accounts, [MEDIA[k] for k in media.tolist()]


def make_taps(
    network: Network,
    service_date: date,
    vehicles: Sequence[VehicleDay],
    shapes: ShapeArrays,
    params: SimulationParams,
    rng: np.random.Generator,
) -> tuple[list[RawTap], list[Journey]]:
    """A tap and a journey per rider of every trip run, in generation order."""
    accounts, media = rider_pool(params.rider_pool, params.payment_mix, rng)
    prefix = service_date.strftime("%Y%m%d")
    taps: list[RawTap] = []
    journeys: list[Journey] = []
    for vehicle in vehicles:
        for run in vehicle.runs:
            riders = len(run.rider_from)
            if not riders:
                continue
            pattern = network.patterns[run.trip.pattern_id]
            board, alight = run.rider_from, run.rider_to
            # Boarders of a stop tap one after the other through its dwell.
            rank = np.arange(riders) - np.searchsorted(board, board, side="left")
            arrive, depart = run.arrivals[board], run.departures[board]
            share = (rank + rng.uniform(0.1, 0.9, riders)) / run.boardings[board]
            at = arrive + (depart - arrive) * share
            received = at + rng.uniform(*params.tap_upload_delay_s, size=riders)
            lat, lon = shapes.position(
                pattern.shape_id, np.asarray(pattern.stop_dists, float)[board]
            )
            who = rng.integers(0, len(accounts), size=riders)
            rows = zip(board.tolist(), alight.tolist(), at.tolist(), received.tolist(),
                       np.round(lat, 6).tolist(), np.round(lon, 6).tolist(), who.tolist())
            for b, a, t, rec, la, lo, w in rows:
                tap_id = f"{prefix}-{len(taps) + 1:07d}"
                t = round(t, 3)
                taps.append(RawTap(tap_id, run.vehicle_id, t, media[w], accounts[w],
                                   la, lo, round(rec, 3)))
                journeys.append(Journey(
                    tap_id=tap_id,
                    account=accounts[w],
                    medium=media[w],
                    vehicle_id=run.vehicle_id,
                    trip_id=run.trip.trip_id,
                    board_stop_id=pattern.stop_ids[b],
                    board_sequence=b + 1,
                    boarded_at=t,
                    alight_stop_id=pattern.stop_ids[a],
                    alight_sequence=a + 1,
                    alighted_at=float(run.arrivals[a]),
                ))
    return taps, journeys
