"""WGS-84 <-> GCJ-02 against known points, and the inverse's round trip."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from transit.geo import distance_m, gcj02_to_wgs84, in_china, wgs84_to_gcj02


def test_tiananmen_moves_by_the_published_offset() -> None:
    lat, lon = wgs84_to_gcj02(39.9087, 116.3975)
    assert abs(lat - 39.9101) < 2e-4 and abs(lon - 116.4037) < 2e-4


def test_tongchuan_offset_is_a_few_hundred_metres() -> None:
    lat, lon = wgs84_to_gcj02(35.0690, 109.0720)
    assert 100 < distance_m(35.0690, 109.0720, lat, lon) < 800


def test_outside_china_nothing_changes() -> None:
    for point in [(51.5007, -0.1246), (-33.8568, 151.2153), (37.5665, 140.0)]:
        assert wgs84_to_gcj02(*point) == point
        assert gcj02_to_wgs84(*point) == point
    assert not in_china(51.5, -0.12) and in_china(35.07, 109.07)


@given(st.floats(18.0, 53.0), st.floats(74.0, 134.0))
def test_inverse_recovers_the_wgs84_point(lat: float, lon: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lat, lon))
    assert abs(back[0] - lat) < 1e-6 and abs(back[1] - lon) < 1e-6


def test_distance_of_one_degree_of_latitude() -> None:
    assert abs(distance_m(35.0, 109.0, 36.0, 109.0) - 111_195) < 10
