"""Knobs of the flow inference, with the reasons for their defaults.

Units: seconds and metres.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FlowParams:
    # --- boarding stop ---------------------------------------------------------
    # Riders board at a trip's first stop while the bus waits there: its window
    # opens this long before departure (no earlier than the bus's previous stop).
    first_stop_boarding_s: float = 600.0
    # A tap further than this from every dwell of its vehicle is outside any trip
    # (a staff test, a reader on a bus running out of service): never placed.
    max_gap_s: float = 300.0
    # Confidence of a tap outside every window falls by e for each this many
    # seconds from the nearest one.
    confidence_scale_s: float = 60.0
    # Confidence of a tap at a stop the tracker missed, whose time is interpolated.
    interpolated_confidence: float = 0.6
    # --- reader clocks ---------------------------------------------------------
    clock_max_offset_s: float = 3 * 3600.0  # readers are searched up to this far off
    # Dwell windows are widened by this for the search: the tracker's arrival and
    # departure times are a few seconds off themselves.
    clock_slack_s: float = 3.0
    clock_min_taps: int = 20  # fewer taps than this cannot tell an offset from chance
    # An offset is only taken if it puts more taps inside dwells than the reader's
    # own clock does, by more than this share of its taps (else: the clock is right).
    clock_tolerance_share: float = 0.02
    # --- alighting stop (trip chaining) ---------------------------------------
    # Furthest a rider walks from the alighting stop to the next boarding. The
    # literature uses 400 m to 1-2 km (Trepanier et al. 2007; Barry et al. 2002);
    # 1 km is Munizaga & Palma's (2012), validated against a survey. On the
    # benchmark's day (sweep in docs/flow.md) the share chained is 65.0%, 77.2%,
    # 77.5%, 78.1%, 79.0% at 400, 600, 800, 1,000, 2,000 m and within one stop
    # falls from 98.6% to 95.9% (93.4% at 1 km with its harder riders); only
    # about 3 in 10 of the chains added past 800 m are within one stop (the
    # simulated riders walk 500 m at most), so going further than the
    # literature's 1 km buys share with wrong stops.
    walk_m: float = 1000.0
    # Generalised cost of an alighting stop: walk metres plus this many per metre
    # ridden (a rider would rather get off early than ride on to save a short
    # walk; Munizaga & Palma weigh time so). 0: the stop
    # closest to the next boarding, which measured best on the simulated day
    # (its riders have no such preference; docs/flow.md); a knob for real data.
    ride_penalty: float = 0.0
    # The bus may reach the alighting stop this much after the next boarding's
    # tap and still be taken (clock and tracking errors), never more.
    alight_before_next_s: float = 120.0
    # --- transfers -------------------------------------------------------------
    # A card's next boarding on another line at most this long after it got off
    # is a transfer (the usual window of transfer fares); longer is an activity.
    transfer_window_s: float = 1800.0
    # --- expansion and loads ---------------------------------------------------
    bin_s: float = 3600.0  # time bins of boardings, alightings and alighting patterns
    # A group of chained journeys smaller than this does not speak for its
    # boardings: the next coarser group's alighting pattern is used instead.
    min_chained: int = 5

    def __post_init__(self) -> None:
        if not self.walk_m > 0:
            raise ValueError(f"walk_m must be above 0 m, not {self.walk_m}")
        if not self.ride_penalty >= 0:
            raise ValueError(f"ride_penalty must be 0 or more, not {self.ride_penalty}")
