"""Knobs of the fleet and passenger simulator, with documented defaults.

Units: seconds, metres, metres per second, passengers. Hours of the day are
GTFS service-day hours (25.5 is 01:30 the next morning).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Incident:
    """A slowdown on some streets for a while (a crash, road works): running
    times into any of ``stop_ids`` are multiplied by ``factor`` between the
    hours, whatever the line."""

    stop_ids: frozenset[str]
    start_hour: float
    end_hour: float
    factor: float


@dataclass(frozen=True, slots=True)
class SimulationParams:
    # --- running -------------------------------------------------------------
    # Share of a trip's scheduled duration the timetable allows for dwells; the
    # remainder sets the bus's free running speed along the trip.
    schedule_dwell_share: float = 0.25
    # Speed used when a trip's timetable gives no usable duration.
    fallback_speed_mps: float = 6.0
    # (from hour, to hour, running-time factor) relative to the timetable's
    # average conditions: slower in the peaks, faster early and late.
    congestion: tuple[tuple[float, float, float], ...] = (
        (5.0, 6.5, 0.85),
        (7.0, 9.0, 1.20),
        (11.5, 13.5, 1.05),
        (17.0, 19.0, 1.25),
        (21.0, 30.0, 0.85),
    )
    # A late driver hurries: running time shrinks by late / catch_up_scale_s,
    # at most catch_up_max (so delays recover instead of growing all day).
    catch_up_scale_s: float = 600.0
    catch_up_max: float = 0.25
    incidents: tuple[Incident, ...] = ()
    trip_factor_sigma: float = 0.08  # lognormal sigma of a per-trip running factor
    segment_sigma: float = 0.15  # lognormal sigma of per-segment noise
    min_layover_s: float = 180.0  # at the terminal between two trips of a block
    appear_before_s: tuple[float, float] = (180.0, 480.0)  # before the block's first trip
    linger_after_s: float = 120.0  # reporting after the block's last arrival
    deadhead_speed_mps: float = 8.0  # straight line between two trips' terminals
    # --- dwell: 0 when nobody boards or alights, else base + per head --------
    dwell_base_s: tuple[float, float] = (6.0, 8.0)
    dwell_per_boarding_s: float = 2.5
    dwell_per_alighting_s: float = 1.5
    capacity: int = 80  # passengers on board, seated + standing
    # --- demand ----------------------------------------------------------------
    boardings_per_stop_hour: float = 10.0  # at an average stop, off-peak weekday
    mean_ride_m: float = 3000.0  # distance decay of destination choice
    max_wait_s: float = 1800.0  # riders arriving earlier than this gave up
    tourist_season: bool = False
    tourist_surge: float = 3.0  # tourist weight multiplier on weekends / in season
    # --- riders and payments -------------------------------------------------
    rider_pool: int = 20_000  # distinct accounts, so a card taps several times a day
    payment_mix: tuple[float, float, float] = (0.60, 0.25, 0.15)  # card, wechat, alipay
    tap_upload_delay_s: tuple[float, float] = (1.0, 20.0)
    # --- riders' days (off: each tap's account is drawn from the pool at random) ---
    # On, taps are chained into riders' days (``riders``): a rider's next bus trip
    # starts near where the last one ended, and the last trip tends to go home,
    # so trip chaining (issue 11) can be measured. Off keeps seeded days as they were.
    chained_riders: bool = False
    chain_walk_m: float = 500.0  # a rider's next boarding is within this of the last alighting
    # Riders go on from the nearest stop they can (where they got off, first);
    # False: from any stop within ``chain_walk_m`` alike (a harder test of chaining).
    chain_nearest_first: bool = True
    chain_transfer_share: float = 0.2  # riders who ride on within minutes (a transfer)
    chain_transfer_wait_s: tuple[float, float] = (120.0, 900.0)
    chain_activity_s: tuple[float, float] = (1800.0, 36000.0)  # otherwise: work, school, shops
    # Of the riders who could go on from near their last stop, how many do
    # although the trip does not take them home (an errand before going home).
    chain_onward_share: float = 0.2
    # Riders whose next boarding is anywhere (a lift, a bike, a taxi between).
    chain_elsewhere_share: float = 0.06
    # --- POS reader clocks (off: every tap carries the true time) --------------
    reader_clock_sigma_s: float = 0.0  # every reader is off by a normal draw of this sigma
    reader_clock_off_share: float = 0.0  # readers further off: minutes, up to an hour
    reader_clock_off_s: tuple[float, float] = (60.0, 3600.0)  # their offset, log-uniform, either sign
    # --- GPS -----------------------------------------------------------------
    report_interval_s: tuple[int, int] = (10, 30)  # per vehicle, whole seconds
    gps_sigma_m: float = 5.0  # on every fix
    noise_probability: float = 0.02  # a fix degraded by multipath
    noise_sigma_m: float = 25.0
    jump_probability: float = 0.001  # a single fix far away
    jump_distance_m: tuple[float, float] = (300.0, 5000.0)
    dropouts_per_hour: float = 0.3  # per vehicle: gaps with no reports at all
    dropout_length_s: tuple[float, float] = (60.0, 300.0)
    duplicate_probability: float = 0.005  # the same report received twice
    backlogs_per_hour: float = 0.2  # per vehicle: blind zones uploaded later
    backlog_length_s: tuple[float, float] = (60.0, 300.0)
    network_delay_s: tuple[float, float] = (0.2, 2.0)
