"""A small simulated day on disk in every input format replay reads, with the
GTFS zip the CLI needs: the simulator's two-line network written out as GTFS."""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from pathlib import Path

from google.transit import gtfs_realtime_pb2

from feeds.jt808.bindings import Bindings
from feeds.replay.capture import write_jt808_capture
from feeds.simulator import SimulatedDay, SimulationParams, simulate_day
from feeds.simulator.files import write_day
from tests.gtfs.tinyfeed import zip_feed
from tests.simulator.helpers import WEEKDAY, make_network
from transit.gtfs.feed import load_feed
from transit.model.network import Network
from transit.model.service_days import format_gtfs_time
from transit.records import VehicleReport

# Reports received as soon as taken: a JT/T 808 capture and GTFS-RT files hold
# no receive time (replay takes the fix time), so only then can every format
# give the same events.
ON_TIME = SimulationParams(backlogs_per_hour=0.0, network_delay_s=(0.0, 0.0))


def network_zip(network: Network) -> bytes:
    """``network`` as a GTFS zip (stops, routes, trips, stop times, shapes, calendar)."""
    rows: dict[str, list[str]] = {
        "agency": ["agency_id,agency_name,agency_url,agency_timezone",
                   f"A,{network.agency_name},https://example.org,{network.timezone}"],
        "stops": ["stop_id,stop_name,stop_lat,stop_lon"] + [
            f"{s.stop_id},{s.name},{s.lat!r},{s.lon!r}" for s in network.stops.values()],
        "routes": ["route_id,agency_id,route_short_name,route_long_name,route_type"] + [
            f"{r.route_id},A,{r.short_name},{r.long_name},{r.route_type}"
            for r in network.routes.values()],
        "trips": ["route_id,service_id,trip_id,direction_id,shape_id,block_id"],
        "stop_times": ["trip_id,arrival_time,departure_time,stop_id,stop_sequence,shape_dist_traveled"],
        "shapes": ["shape_id,shape_pt_lat,shape_pt_lon,shape_pt_sequence,shape_dist_traveled"],
        "calendar": ["service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,"
                     "start_date,end_date"],
    }
    for trip in network.trips.values():
        pattern = network.patterns[trip.pattern_id]
        rows["trips"].append(f"{trip.route_id},{trip.service_id},{trip.trip_id},"
                             f"{trip.direction_id},{pattern.shape_id},{trip.block_id}")
        for i, stop_id in enumerate(pattern.stop_ids):
            rows["stop_times"].append(
                f"{trip.trip_id},{format_gtfs_time(trip.arrivals[i])},"
                f"{format_gtfs_time(trip.departures[i])},{stop_id},{pattern.sequence_at(i)},"
                f"{pattern.stop_dists[i]!r}")
    for shape in network.shapes.values():
        for i, (lat, lon, dist) in enumerate(zip(shape.lats, shape.lons, shape.dists)):
            rows["shapes"].append(f"{shape.shape_id},{lat!r},{lon!r},{i + 1},{dist!r}")
    for cal in network.calendars.values():
        days = ",".join(str(int(d)) for d in cal.weekdays)
        rows["calendar"].append(f"{cal.service_id},{days},{cal.start:%Y%m%d},{cal.end:%Y%m%d}")
    return zip_feed({stem: "\n".join(lines) + "\n" for stem, lines in rows.items()})


@dataclass(frozen=True)
class SmallDay:
    gtfs: Path
    network: Network
    day: SimulatedDay
    folder: Path  # write_day output: reports.csv, truth_passages.csv, assignments.csv
    bindings: Path  # phone,vehicle_id
    capture: Path  # the day as a JT/T 808 capture
    gtfsrt_csv: Path  # the day as flattened GTFS-RT rows (with true trip ids)
    pb_folder: Path  # the day as GTFS-RT .pb polls (a slice of it: one file per minute)


@functools.cache
def _network_and_zip() -> tuple[Network, bytes]:
    data = network_zip(make_network())
    return load_feed(data, "small.zip").network, data


@functools.cache
def _day() -> SimulatedDay:
    network, _ = _network_and_zip()
    return simulate_day(network, WEEKDAY, seed=5, params=ON_TIME)


def phone_bindings(reports: list[VehicleReport] | tuple[VehicleReport, ...]) -> Bindings:
    vehicles = sorted({r.vehicle_id for r in reports})
    return Bindings({f"1390000{n:04d}": v for n, v in enumerate(vehicles, 1)})


def small_day(root: Path) -> SmallDay:
    """The small day written under ``root`` in every format."""
    network, data = _network_and_zip()
    day = _day()
    gtfs = root / "small.zip"
    gtfs.write_bytes(data)
    folder = write_day(day, root / "day")
    bindings = phone_bindings(day.reports)
    bindings_csv = root / "bindings.csv"
    bindings_csv.write_text("phone,vehicle_id\n" + "".join(
        f"{p},{v}\n" for p, v in bindings.by_phone.items()), encoding="utf-8")
    capture = write_jt808_capture(day.reports, bindings, root / "day.808")
    trips = true_trips(day)
    gtfsrt_csv = root / "vp.csv"
    with gtfsrt_csv.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["id", "vehicle.vehicle.id", "vehicle.timestamp", "vehicle.position.latitude",
                         "vehicle.position.longitude", "vehicle.position.speed",
                         "vehicle.position.bearing", "vehicle.trip.trip_id"])
        for r in day.reports:
            writer.writerow([r.vehicle_id, r.vehicle_id, int(r.timestamp), repr(r.lat), repr(r.lon),
                             repr(r.speed_mps), repr(r.bearing), trips.get((r.vehicle_id, r.timestamp), "")])
    return SmallDay(gtfs, network, day, folder, bindings_csv, capture, gtfsrt_csv,
                    write_pb_polls(day.reports, root / "pb", trips))


def true_trips(day: SimulatedDay) -> dict[tuple[str, float], str]:
    """(vehicle, fix time) -> the trip it was really running, from the truth:
    between a trip's first departure and last arrival."""
    spans: dict[str, list[tuple[float, float, str]]] = {}
    by_trip: dict[tuple[str, str], list[float]] = {}
    for p in day.passages:
        by_trip.setdefault((p.vehicle_id, p.trip_id), []).extend((p.arrival, p.departure))
    for (vehicle, trip), times in by_trip.items():
        spans.setdefault(vehicle, []).append((min(times), max(times), trip))
    found: dict[tuple[str, float], str] = {}
    for r in day.reports:
        for start, end, trip in spans.get(r.vehicle_id, ()):
            if start <= r.timestamp <= end:
                found[(r.vehicle_id, r.timestamp)] = trip
    return found


def write_pb_polls(reports: tuple[VehicleReport, ...], folder: Path,
                   trips: dict[tuple[str, float], str], every_s: int = 60,
                   until: float | None = None) -> Path:
    """One FULL_DATASET VehiclePositions file per ``every_s``: each vehicle's
    reports of that span, in one entity each (a feed polled once a minute holds
    every fix of the minute only in this test's fake, to keep them all)."""
    folder.mkdir(parents=True, exist_ok=True)
    polls: dict[int, list[VehicleReport]] = {}
    for r in reports:
        if until is not None and r.timestamp > until:
            break
        polls.setdefault(int(r.timestamp // every_s + 1) * every_s, []).append(r)
    for at, items in polls.items():
        message = gtfs_realtime_pb2.FeedMessage()
        message.header.gtfs_realtime_version = "2.0"
        message.header.timestamp = at
        for n, r in enumerate(items):
            entity = message.entity.add()
            entity.id = f"{r.vehicle_id}-{n}"
            vehicle = entity.vehicle
            vehicle.vehicle.id = r.vehicle_id
            vehicle.timestamp = int(r.timestamp)
            vehicle.position.latitude = r.lat
            vehicle.position.longitude = r.lon
            if r.speed_mps is not None:
                vehicle.position.speed = r.speed_mps
            if r.bearing is not None:
                vehicle.position.bearing = r.bearing
            trip = trips.get((r.vehicle_id, r.timestamp))
            if trip:
                vehicle.trip.trip_id = trip
        (folder / f"vp-{at}.pb").write_bytes(message.SerializeToString())
    return folder
