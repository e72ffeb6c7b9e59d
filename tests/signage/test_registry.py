"""The sign registry: CSV load with line-numbered problems, demo registry, tokens."""

from __future__ import annotations

from pathlib import Path

import pytest

from signage.registry import (
    InvalidRegistry, Sign, SignKind, SignRegistry, demo_registry, list_busiest_stops, load_registry,
    write_registry,
)
from tests.signage.fixtures import NETWORK

HEADER = "sign_id,stop_id,kind,token,led_columns,led_rows\n"
TOKEN = "0123456789abcdef0123456789abcdef"


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "signs.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_load_a_valid_registry(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + f"TC-S1,S1,electronic,{TOKEN},24,4\n\nTC-S2,S2,ordinary,{TOKEN}x,0,0\n")
    registry = load_registry(path, NETWORK.stops)
    assert [s.sign_id for s in registry] == ["TC-S1", "TC-S2"]
    assert registry.get_sign("TC-S1") == Sign("TC-S1", "S1", SignKind.ELECTRONIC, TOKEN, 24, 4)
    assert registry.find_sign("nope") is None
    assert [s.sign_id for s in registry.list_signs(SignKind.ORDINARY)] == ["TC-S2"]


def test_every_problem_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER
                 + f"TC-S1,S1,electronic,{TOKEN},24,4\n"
                 + f"TC-S1,S2,ordinary,{TOKEN},0,0\n"  # line 3: duplicate id
                 + f"TC-S3,S3,neon,{TOKEN},24,4\n"  # line 4: kind
                 + "TC-S4,S1,ordinary,short,0,0\n"  # line 5: token
                 + f"TC-S5,S9,electronic,{TOKEN},wide,4\n"  # line 6: stop and columns
                 + f"TC-S6,S1,electronic,{TOKEN},0,4\n"  # line 7: LED size
                 + "TC-S7,S1\n")  # line 8: short row
    with pytest.raises(InvalidRegistry) as raised:
        load_registry(path, NETWORK.stops)
    found = [(p.line, p.field) for p in raised.value.problems]
    assert found == [(3, "sign_id"), (4, "kind"), (5, "token"), (6, "stop_id"), (6, "led_columns"),
                     (7, "led_columns"), (8, "row")]
    assert "line 6: stop_id='S9': no such stop in the network" in str(raised.value)


def test_a_wrong_header_is_a_problem_of_line_1(tmp_path: Path) -> None:
    with pytest.raises(InvalidRegistry) as raised:
        load_registry(write(tmp_path, "id,stop\nA,S1\n"))
    assert [(p.line, p.field) for p in raised.value.problems] == [(1, "header")]


def test_demo_registry_is_deterministic_and_round_trips(tmp_path: Path) -> None:
    registry = demo_registry(NETWORK, seed=7)
    assert len(registry) == len(NETWORK.stops) == 3
    assert demo_registry(NETWORK, seed=7).by_id == registry.by_id
    assert demo_registry(NETWORK, seed=8).get_sign("TC-S1").token != registry.get_sign("TC-S1").token
    electronic = registry.list_signs(SignKind.ELECTRONIC)
    assert len(electronic) == 3  # fewer stops than 4: all electronic
    assert all(s.has_led and len(s.token) == 32 for s in electronic)
    assert load_registry(write_registry(registry, tmp_path / "r.csv"), NETWORK.stops).by_id == registry.by_id


def test_busiest_stops_break_ties_by_stop_id() -> None:
    assert list_busiest_stops(NETWORK, 2) == ["S1", "S2"]
    one = demo_registry(NETWORK, seed=7, electronic=1)
    assert [s.stop_id for s in one.list_signs(SignKind.ELECTRONIC)] == ["S1"]


def test_token_check() -> None:
    sign = Sign("A", "S1", SignKind.ORDINARY, TOKEN, 0, 0)
    assert sign.check_token(TOKEN)
    assert not sign.check_token(TOKEN[:-1] + "0")
    assert not sign.check_token(None)
    assert not sign.check_token("令牌")


def test_duplicate_ids_are_refused_in_code_too() -> None:
    sign = Sign("A", "S1", SignKind.ORDINARY, TOKEN, 0, 0)
    with pytest.raises(ValueError, match="duplicate"):
        SignRegistry([sign, sign])


@pytest.mark.slow
def test_demo_city_has_526_signs_4_electronic() -> None:
    from feeds.democity import build_demo_feed
    from transit.gtfs.feed import load_feed
    from transit.gtfs.tables import write_tables

    network = load_feed(write_tables(build_demo_feed(7)), "demo.zip").network
    registry = demo_registry(network, seed=7)
    assert len(registry) == 526
    electronic = registry.list_signs(SignKind.ELECTRONIC)
    assert len(electronic) == 4
    assert {s.stop_id for s in electronic} == set(list_busiest_stops(network, 4))
