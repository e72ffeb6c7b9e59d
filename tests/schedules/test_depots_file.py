"""Depots files: what is read, and every problem of a bad one named at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from feeds.schedules.depots import DepotsFileError, DepotSite, demo_city_depots, parse_depots, read_depots


def test_a_depots_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "depots.csv"
    path.write_text("name,lat,lon,capacity\n王益车场,35.0612,109.0590,78\n\nXinqu, 34.9556 ,108.9552,90\n",
                    encoding="utf-8")
    assert read_depots(path) == (DepotSite("王益车场", 35.0612, 109.059, 78), DepotSite("Xinqu", 34.9556, 108.9552, 90))


def test_the_demo_city_has_a_depot_by_each_town() -> None:
    depots = demo_city_depots()
    assert [d.name for d in depots] == ["Wangyi", "Yintai", "Yaozhou", "Xinqu", "Huangbao"]
    assert all(d.capacity > 0 for d in depots)


def test_a_depot_with_no_capacity_is_refused_by_line() -> None:
    with pytest.raises(DepotsFileError) as raised:
        parse_depots("name,lat,lon,capacity\nA,35.0,109.0,4\nB,35.1,109.1,0\n", "depots.csv")
    assert str(raised.value) == ("depots.csv: line 3: capacity=0 for depot B: a depot must hold at least one "
                                 "vehicle (leave out a depot that sends none)")


def test_every_problem_of_a_file_is_named() -> None:
    text = "name,lat,lon,capacity\nA,95.0,109.0,4\nA,35.0,east,4\nB,35.0,109.0,many\n"
    with pytest.raises(DepotsFileError) as raised:
        parse_depots(text, "depots.csv")
    assert raised.value.problems == [
        "line 2: lat='95.0' is not a number of degrees from -90 to 90",
        "line 3: lon='east' is not a number of degrees from -180 to 180",
        "line 4: capacity='many' is not a whole number of vehicles",
    ]


@pytest.mark.parametrize(("text", "problem"), [
    ("name,lat,capacity\nA,35,4\n", "line 1: the header lacks lon (expected name,lat,lon,capacity)"),
    ("name,lat,lon,capacity\n", "no depot in it: give at least one line name,lat,lon,capacity"),
    ("name,lat,lon,capacity\nA,35,109,1\nA,35.1,109,2\n", "depot name 'A' is used 2 times"),
])
def test_a_file_without_usable_depots_says_why(text: str, problem: str) -> None:
    with pytest.raises(DepotsFileError) as raised:
        parse_depots(text, "depots.csv")
    assert raised.value.problems == [problem]


def test_an_unreadable_file_names_itself(tmp_path: Path) -> None:
    with pytest.raises(DepotsFileError, match="missing.csv: cannot read it"):
        read_depots(tmp_path / "missing.csv")
