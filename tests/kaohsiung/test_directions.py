"""GoBack (route files) -> Direction (shapes and positions), checked against the shapes."""

from __future__ import annotations

import dataclasses

import pytest

from feeds.kaohsiung.directions import DirectionMismatch, match_directions
from feeds.kaohsiung.source import KaohsiungWeek, RouteShape, RouteStop


def test_real_goback_1_is_direction_0_on_every_route(slice_week: KaohsiungWeek) -> None:
    mapping = match_directions(slice_week.stops, slice_week.shapes)
    routes = ("11", "122", "16")
    assert dict(mapping) == {(r, 1): 0 for r in routes} | {(r, 2): 1 for r in routes}


def test_swapped_shapes_swap_the_mapping(slice_week: KaohsiungWeek) -> None:
    swapped = [dataclasses.replace(s, direction=1 - s.direction) for s in slice_week.shapes]
    mapping = match_directions(slice_week.stops, swapped)
    assert mapping[("122", 1)] == 1 and mapping[("122", 2)] == 0


def _stop(go_back: int, seq: int, lat: float, lon: float) -> RouteStop:
    return RouteStop("9", go_back, seq, f"{go_back}{seq}", "站", "stop", lat, lon)


def test_a_route_whose_stop_lists_both_fit_both_shapes_is_refused() -> None:
    # Two directions of a loop both starting and ending at one place: no geometry tells them apart.
    stops = [_stop(g, 1, 22.60, 120.30) for g in (1, 2)] + [_stop(g, 2, 22.60, 120.30) for g in (1, 2)]
    shapes = [RouteShape("9", d, (22.60, 22.61, 22.60), (120.30, 120.31, 120.30)) for d in (0, 1)]
    with pytest.raises(DirectionMismatch, match="route 9: .*no clear pairing"):
        match_directions(stops, shapes)


def test_a_route_without_its_second_shape_is_refused() -> None:
    stops = [_stop(1, 1, 22.60, 120.30), _stop(2, 1, 22.61, 120.31)]
    with pytest.raises(DirectionMismatch, match="two shapes"):
        match_directions(stops, [RouteShape("9", 0, (22.60, 22.61), (120.30, 120.31))])
