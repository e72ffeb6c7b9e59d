"""What a stop shows: the one read model behind every channel (signs, stop
pages, the app, live push, posters), which only render it.

A board holds, at one instant, the lines boarding at the stop in natural
order, their next arrivals within the hour (live where a bus is tracked and
its prediction fresh, else the timetable, marked as such), the first and last
bus of the service days running then, and how fresh its live part is; each
predicted arrival's crowding: the bus's load now, on the trip it runs (a
first answer: not yet its expected load when it reaches this stop); and the
sign operators' messages showing there (``transit.boards.messages``).

Pure: the network, the predictions, the crowding and the time come in as arguments.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from transit.arrivals import Arrival, StopTimetable, list_arrivals
from transit.boards.lines import Line, ServiceDay, StopLines
from transit.flow.crowding import NO_CROWDING, Crowding, find_crowding
from transit.model.network import Network
from transit.model.service_days import service_day_of
from transit.prediction.publish import PredictionBoard

HORIZON_S = 3600.0  # how far ahead a board looks


@dataclass(frozen=True, slots=True)
class LineBoard:
    line: Line
    arrivals: tuple[Arrival, ...]  # the line's boarding arrivals within the horizon, soonest first


@dataclass(frozen=True, slots=True)
class StopMessage:
    """A sign operator's message for passengers at the stop (``transit.boards.messages``)."""

    message_id: int
    text: str  # user input: every channel escapes it
    expires_at: float  # Unix seconds, the service clock
    sign_id: str | None = None  # sent to this one sign of the stop; None: to every sign there


@dataclass(frozen=True, slots=True)
class StopBoard:
    stop_id: str
    stop_name: str
    at: float  # the instant the board shows, Unix s
    lines: tuple[LineBoard, ...]  # every line boarding here, in natural order
    # Every arrival within the horizon, soonest first: on a line boarding here,
    # or of a trip ending here (it boards nobody: on no line).
    arrivals: tuple[Arrival, ...]
    # First and last bus of the two service days that can be running at ``at``:
    # the one of the calendar day before and the one of that calendar day.
    service_days: tuple[ServiceDay, ServiceDay]
    service_day: date  # the one a passenger at ``at`` is in (it turns at 03:00)
    # Freshness: the oldest report behind a predicted arrival (older ones than
    # ``transit.freshness`` allows were left to the timetable); None: timetable only.
    heard_at: float | None
    messages: tuple[StopMessage, ...] = ()


class StopBoards:
    """Builds the board of any stop of one network from the current predictions."""

    def __init__(self, network: Network, timetable: StopTimetable) -> None:
        self.network = network
        self.timetable = timetable
        self.lines = StopLines(network, timetable)
        # A hub round or a burst of polls builds hundreds of boards at one
        # instant: its calendar date and service day are worked out once.
        self._days_at: tuple[float, date, date] = (float("nan"), date.min, date.min)

    def build(self, predictions: PredictionBoard, stop_id: str, now: float,
              crowding: Mapping[str, Crowding] = NO_CROWDING,
              messages: tuple[StopMessage, ...] = ()) -> StopBoard:
        """The board of ``stop_id`` at ``now``, with the buses' ``crowding``
        (the live snapshot's, by vehicle) and the ``messages`` showing there."""
        network, lines = self.network, self.lines
        arrivals = list_arrivals(network, self.timetable, predictions, stop_id, now, HORIZON_S)
        if crowding:
            arrivals = [_with_crowding(a, crowding) for a in arrivals]
        by_line: dict[tuple[str, str], list[Arrival]] = defaultdict(list)
        for a in arrivals:
            if lines.is_boarding(a.trip_id, a.stop_sequence):
                by_line[(a.route_id, a.headsign)].append(a)
        today, service_day = self._days(now)
        stop = network.stops.get(stop_id)
        return StopBoard(
            stop_id,
            stop.name if stop else stop_id,
            now,
            tuple(LineBoard(line, tuple(by_line.get((line.route_id, line.headsign), ())))
                  for line in lines.list_lines(stop_id)),
            tuple(arrivals),
            (lines.service_day(stop_id, today - timedelta(days=1)), lines.service_day(stop_id, today)),
            service_day,
            min((a.made_at for a in arrivals if a.made_at is not None), default=None),
            messages,
        )

    def _days(self, now: float) -> tuple[date, date]:
        """The calendar date of ``now`` and the service day it is in."""
        at, today, service_day = self._days_at
        if at != now:
            today = datetime.fromtimestamp(now, ZoneInfo(self.network.timezone)).date()
            service_day = service_day_of(now, self.network.timezone)
            self._days_at = (now, today, service_day)
        return today, service_day


def _with_crowding(arrival: Arrival, crowding: Mapping[str, Crowding]) -> Arrival:
    found = find_crowding(crowding, arrival.vehicle_id, arrival.trip_id, arrival.service_date)
    return arrival if found is None else replace(arrival, crowding=found)
