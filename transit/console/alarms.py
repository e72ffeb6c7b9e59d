"""What dispatchers are alarmed about, found in one instant's live state.

``detect`` looks at the live vehicles, their measured headways, the recent
departures from terminals and the signs that stopped polling, and returns
every condition that holds at ``now``, each under a key that stays the same
while it lasts (one alarm per key: ``transit.console.alarm_life`` turns
conditions into triggered and resolved alarms):

- bunching / gapping: a bus's actual headway at most / at least its line's
  threshold times the scheduled one (defaults 75% and 125%);
- off route: a live bus the tracker flags as off its trip's shape;
- silent terminal: a bus on a trip that is not over whose terminal has
  gone quiet (no longer fresh by ``transit.freshness``);
- early departure: a trip that left its first stop ``early_s`` or more before
  the timetable, for ``event_hold_s`` after it left;
- sign offline: an electronic sign that stopped polling (``signage.health``).

Pure: data in, conditions out, time as an argument.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType

from transit.console.headways import Headway
from transit.freshness import is_fresh
from transit.model.network import Network
from transit.model.service_days import service_day_origin
from transit.tracking.departures import RecentDepartures
from transit.tracking.state import VehicleState

Detail = str | int | float | None


class AlarmKind(enum.StrEnum):
    BUNCHING = "bunching"
    GAPPING = "gapping"
    OFF_ROUTE = "off_route"
    SILENT_TERMINAL = "silent_terminal"
    EARLY_DEPARTURE = "early_departure"
    SIGN_OFFLINE = "sign_offline"


class ThresholdError(ValueError):
    """Thresholds that cannot be: bunching must lie below 1 and gapping above it."""


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A line's headway alarms, as shares of the scheduled headway."""

    bunching: float = 0.75  # actual at most this share: bunching
    gapping: float = 1.25  # actual at least this share: gapping

    def __post_init__(self) -> None:
        if not 0.0 < self.bunching < 1.0:
            raise ThresholdError(f"bunching threshold {self.bunching:g} must lie between 0 and 1")
        if not 1.0 < self.gapping <= 10.0:
            raise ThresholdError(f"gapping threshold {self.gapping:g} must lie above 1 (at most 10)")


@dataclass(frozen=True, slots=True)
class AlarmRules:
    thresholds: Thresholds = Thresholds()  # of a line without its own
    early_s: float = 60.0  # leaving the first stop this much before the timetable is early
    event_hold_s: float = 1800.0  # an early departure stays an alarm this long after it
    # A silent bus's trip counts as over this long after its scheduled end
    # (plus the delay it last had): after that its silence alarms nobody.
    silent_grace_s: float = 600.0


@dataclass(frozen=True, slots=True)
class OfflineSign:
    sign_id: str
    stop_id: str
    route_ids: frozenset[str]  # the lines at its stop
    last_poll: float | None  # None: not since the service started


@dataclass(frozen=True, slots=True)
class Condition:
    kind: AlarmKind
    key: str  # the same while the condition lasts
    route_ids: frozenset[str]  # the lines it touches (who may acknowledge it)
    subject: str  # the vehicle, trip or sign it is about
    details: Mapping[str, Detail] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class AlarmInputs:
    network: Network
    vehicles: Iterable[VehicleState]  # every vehicle the live state knows, fresh or not
    headways: Sequence[Headway]  # measured at ``now`` (``transit.console.headways``)
    departures: RecentDepartures
    thresholds: Mapping[str, Thresholds]  # by route_id; others take the rules' default
    offline_signs: Sequence[OfflineSign] = ()


def detect(inputs: AlarmInputs, rules: AlarmRules, now: float) -> list[Condition]:
    """Every alarm condition that holds at ``now``, by key."""
    found = _headway_alarms(inputs, rules)
    for vehicle in inputs.vehicles:
        found += _vehicle_alarms(inputs.network, vehicle, rules, now)
    found += _early_departures(inputs, rules, now)
    found += [Condition(AlarmKind.SIGN_OFFLINE, f"sign_offline:{s.sign_id}", s.route_ids, s.sign_id,
                        MappingProxyType({"stop_id": s.stop_id, "last_poll": s.last_poll}))
              for s in inputs.offline_signs]
    return sorted(found, key=lambda c: c.key)


def _headway_alarms(inputs: AlarmInputs, rules: AlarmRules) -> list[Condition]:
    found = []
    for h in inputs.headways:
        limits = inputs.thresholds.get(h.route_id, rules.thresholds)
        kind = AlarmKind.BUNCHING if h.ratio <= limits.bunching else \
            AlarmKind.GAPPING if h.ratio >= limits.gapping else None
        if kind is None:
            continue
        found.append(Condition(kind, f"{kind}:{h.route_id}:{h.direction_id}:{h.vehicle_id}",
                               frozenset({h.route_id}), h.vehicle_id, MappingProxyType({
                                   "direction_id": h.direction_id, "ahead": h.ahead_id, "stop_id": h.stop_id,
                                   "actual_s": round(h.actual_s), "scheduled_s": round(h.scheduled_s),
                                   "threshold": limits.bunching if kind is AlarmKind.BUNCHING else limits.gapping})))
    return found


def _vehicle_alarms(network: Network, vehicle: VehicleState, rules: AlarmRules, now: float) -> list[Condition]:
    ref = vehicle.trip
    if ref is None:
        return []
    routes = frozenset({ref.route_id})
    if is_fresh(vehicle.timestamp, now):
        if not vehicle.off_route:
            return []
        return [Condition(AlarmKind.OFF_ROUTE, f"off_route:{vehicle.vehicle_id}", routes, vehicle.vehicle_id,
                          MappingProxyType({"trip_id": ref.trip_id, "lat": round(vehicle.lat, 6),
                                            "lon": round(vehicle.lon, 6)}))]
    trip = network.trips.get(ref.trip_id)
    if trip is None or vehicle.stop_index is None:
        return []
    at_end = vehicle.stop_index >= len(network.patterns[trip.pattern_id].stop_ids) - 1
    ends = service_day_origin(ref.service_date, network.timezone).timestamp() + trip.end
    if at_end or now > ends + max(0.0, vehicle.delay_s or 0.0) + rules.silent_grace_s:
        return []  # its trip is over: a bus laid up at the end of its day is not silent
    return [Condition(AlarmKind.SILENT_TERMINAL, f"silent_terminal:{vehicle.vehicle_id}", routes,
                      vehicle.vehicle_id, MappingProxyType({"trip_id": ref.trip_id,
                                                           "heard_at": vehicle.timestamp}))]


def _early_departures(inputs: AlarmInputs, rules: AlarmRules, now: float) -> list[Condition]:
    network = inputs.network
    found = []
    for pattern in network.patterns.values():
        first = pattern.stop_ids[0]
        for d in inputs.departures.list_at(pattern.route_id, pattern.direction_id, first):
            if d.stop_index != 0 or network.trips[d.trip_id].pattern_id != pattern.pattern_id:
                continue
            if now - rules.event_hold_s <= d.time <= now and d.scheduled - d.time >= rules.early_s:
                found.append(Condition(
                    AlarmKind.EARLY_DEPARTURE, f"early_departure:{d.service_date}:{d.trip_id}",
                    frozenset({pattern.route_id}), d.trip_id, MappingProxyType({
                        "vehicle_id": d.vehicle_id, "stop_id": first, "departed": d.time,
                        "scheduled": d.scheduled, "early_s": round(d.scheduled - d.time)})))
    return found
