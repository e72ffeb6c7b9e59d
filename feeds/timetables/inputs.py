"""The engine's inputs for a schedule version: which service day's trips, the
demo city's tourist sites, scenario files, and ``direction_inputs``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path

from feeds.democity.names import SITE_NAMES
from feeds.schedules.days import typical_day
from optimizer.timetable.errors import InputError
from optimizer.timetable.inputs import list_direction_inputs
from optimizer.timetable.model import DirectionInput
from optimizer.timetable.policy import InputParams
from optimizer.timetable.scenario_file import parse_scenario
from optimizer.timetable.scenarios import BUILTIN, Scenario, builtin_scenario, check_scenario
from transit.flow.day import DayFlow
from transit.model.network import Network, Trip
from transit.model.service_days import list_trips_on
from transit.records import StopEvent


def service_trips(network: Network, scenario: Scenario) -> tuple[date, tuple[Trip, ...]]:
    """The service day whose trips the scenario times, and its trips: the
    scenario's date, else the schedule's typical day of its day type."""
    if scenario.service_date is not None:
        trips = tuple(list_trips_on(network, scenario.service_date))
        if not trips:
            raise InputError(f"scenario {scenario.name}: the schedule runs no trip on "
                             f"{scenario.service_date}", "date")
        return scenario.service_date, trips
    day = typical_day(network, scenario.day_type)
    return day.day, day.trips


def direction_inputs(network: Network, day_flow: DayFlow | None, stop_events: Iterable[StopEvent],
                     scenario: Scenario, params: InputParams = InputParams()
                     ) -> tuple[list[DirectionInput], list[str]]:
    """The engine's input for every line direction the scenario's service day
    runs, from a day's flow (None: no demand data) and stop events; and notes
    on what stands in for what."""
    day, trips = service_trips(network, scenario)
    flows = day_flow.trips if day_flow is not None else ()
    notes = [f"trips of {day} ({scenario.day_type.value}, scenario {scenario.name})"]
    if day_flow is None:
        notes.append("no passenger flow given: every profile is zero")
    observed_on = sorted({f.key[0] for f in flows})
    if observed_on and not all(scenario.day_type.includes(d) for d in observed_on):
        notes.append(f"flow of {', '.join(map(str, observed_on))}, not a {scenario.day_type.value}: "
                     f"demand is that day's times the scenario's multipliers")
    inputs, more = list_direction_inputs(network, trips, flows, stop_events, scenario, params)
    return inputs, notes + more


def demo_tourist_marks(network: Network) -> tuple[frozenset[str], frozenset[str]]:
    """The demo city's tourist sites (its stops named after them) and its
    tourist lines (the lines serving a site)."""
    names = set(SITE_NAMES.values())
    sites = frozenset(s.stop_id for s in network.stops.values() if s.name in names)
    lines = frozenset(p.route_id for p in network.patterns.values() if sites & set(p.stop_ids))
    return sites, lines


def load_scenario(name_or_path: str, network: Network) -> Scenario:
    """A built-in scenario by name (tourist marks of the demo city) or one read
    from a TOML file, its stops and lines checked against the schedule."""
    if name_or_path in BUILTIN:
        return builtin_scenario(name_or_path, *demo_tourist_marks(network))
    path = Path(name_or_path)
    if not path.is_file():
        raise InputError(f"scenario {name_or_path!r}: neither a file nor one of "
                         f"{', '.join(BUILTIN)}", "scenario")
    scenario = parse_scenario(path.read_text(encoding="utf-8"), str(path))
    check_scenario(scenario, network.stops, network.routes, str(path))
    return scenario
