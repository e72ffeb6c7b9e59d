"""Sign payloads: states, timetable marking, first/last bus, LED width in GB2312, voice."""

from __future__ import annotations

import orjson
from hypothesis import given
from hypothesis import strategies as st

from signage.payloads import (
    ArrivalState, Notice, SignBoard, SignLine, display_width, fit, led_lines, render_json, render_led,
    render_voice, sign_board, voice_text,
)
from tests.signage.fixtures import NETWORK, at, snapshot_with_t2
from transit.arrivals import StopTimetable
from transit.boards.board import StopBoards
from transit.live.tracking import LiveSnapshot

BOARDS = StopBoards(NETWORK, StopTimetable(NETWORK))
TZ = NETWORK.timezone


def board(stop_id: str, now: float, snapshot: LiveSnapshot | None = None) -> SignBoard:
    live = snapshot or LiveSnapshot(at=now)
    return sign_board(BOARDS.build(live.predictions, stop_id, now, live.crowding), NETWORK)


def test_timetable_times_are_marked_and_shown_as_clock_times() -> None:
    b = board("S2", at(7.9))
    (line,) = b.lines
    assert (line.line, line.headsign) == ("1路", "七一路口")
    (t2,) = line.arrivals
    assert t2.scheduled_only and t2.state is ArrivalState.COMING and t2.vehicle_id is None
    assert t2.time == at(8) + 240
    assert "计划08:04" in led_lines(b, 24, 2, TZ)[0]
    assert voice_text(b, TZ) == "1路 开往 七一路口 计划08:04到站。"


def test_a_live_bus_counts_down_in_whole_minutes() -> None:
    now = at(8)
    b = board("S2", now, snapshot_with_t2(now, now + 200))
    (t2,) = b.lines[0].arrivals
    assert (t2.minutes, t2.state, t2.scheduled_only, t2.vehicle_id) == (3, ArrivalState.COMING, False, "TC0001")
    assert voice_text(b, TZ) == "1路 开往 七一路口 还有3分钟到站。"
    assert led_lines(b, 24, 1, TZ) == ["1路 七一路口       3分钟"]


def test_arriving_within_a_minute() -> None:
    now = at(8)
    b = board("S2", now, snapshot_with_t2(now, now + 45))
    (t2,) = b.lines[0].arrivals
    assert (t2.minutes, t2.state) == (0, ArrivalState.ARRIVING)
    assert voice_text(b, TZ) == "1路 开往 七一路口 即将进站。"
    assert led_lines(b, 24, 1, TZ)[0].endswith("即将进站")


def test_just_left_within_a_minute_then_gone() -> None:
    now = at(8.1)
    b = board("S2", now, snapshot_with_t2(now, now - 30))
    (t2,) = b.lines[0].arrivals
    assert t2.state is ArrivalState.JUST_LEFT
    assert led_lines(b, 24, 1, TZ)[0].endswith("刚离站")
    later = board("S2", now + 40, snapshot_with_t2(now, now - 30))
    assert [a.state for a in later.lines[0].arrivals] == []


def test_first_bus_before_service_and_last_bus_within_the_hour() -> None:
    (line,) = board("S1", at(6.5)).lines
    assert line.notice is not None and (line.notice.kind, line.notice.text) == (Notice.FIRST_BUS, "首班车 07:00")
    (line,) = board("S1", at(23)).lines
    assert line.notice is None
    # 00:05 next calendar day: the night trip N1 (24:40) of the service day before is the last bus.
    (line,) = board("S1", at(24 + 5 / 60)).lines
    assert line.notice is not None and (line.notice.kind, line.notice.text) == (Notice.LAST_BUS, "末班车 00:40")
    assert [a.scheduled_only for a in line.arrivals] == [True]
    # After it: the next service day's first bus.
    (line,) = board("S1", at(24.8)).lines
    assert line.notice is not None and line.notice.text == "首班车 07:00"


def test_json_is_compact_and_carries_every_field() -> None:
    now = at(8)
    rendered = render_json(board("S2", now, snapshot_with_t2(now, now + 200)), "TC-S2")
    assert b" " not in rendered.body.replace("七一路口".encode(), b"")
    payload = orjson.loads(rendered.body)
    assert payload["sign_id"] == "TC-S2" and payload["stop_name"] == "红旗街十字" and payload["messages"] == []
    (line,) = payload["lines"]
    assert line["arrivals"] == [{"minutes": 3, "time": int(now + 200), "state": "coming", "scheduled": False,
                                 "vehicle_id": "TC0001", "crowding": None}]
    assert rendered.etag.startswith('"') and rendered.etag == render_json(
        board("S2", now, snapshot_with_t2(now, now + 200)), "TC-S2").etag


def test_fit_never_splits_a_chinese_character() -> None:
    assert fit("王益汽车站", 5) == "王益 "  # 3rd character would need columns 5-6
    assert fit("王益汽车站", 6) == "王益汽"
    assert fit("1路王益", 4) == "1路 "
    assert fit("A", 3, align_right=True) == "  A"
    assert fit("Ǣ站", 4) == "?站 "  # not in GB2312: shown as '?'


def test_led_rows_have_the_sign_width_in_gb2312_bytes_and_round_trip() -> None:
    b = board("S2", at(7.9))
    long_name = SignBoard(b.stop_id, b.stop_name, b.at,
                          (SignLine(b.lines[0].route_id, "1路", "新区管委会北门铜川职业技术学院",
                                    b.lines[0].arrivals, None),), ())
    rendered = render_led(long_name, 23, 3, TZ)
    rows = rendered.body.split(b"\r\n")
    assert len(rows) == 3 and all(len(r) == 23 for r in rows)
    text = rendered.body.decode("gb2312")
    assert text.split("\r\n")[0] == "1路 新区管委  计划08:04"  # 1 column left over: a space, not half a character
    assert rendered.content_type == "text/plain; charset=gb2312"


@given(st.text(alphabet=st.sampled_from("铜川路站ab1 ·—é\x00𝄞"), max_size=30), st.integers(0, 30))
def test_fit_is_exactly_the_width_and_encodes(text: str, columns: int) -> None:
    fitted = fit(text, columns)
    assert display_width(fitted) == columns == len(fitted.encode("gb2312"))
    assert fitted.encode("gb2312").decode("gb2312") == fitted


def test_voice_payload_is_utf8() -> None:
    rendered = render_voice(board("S2", at(7.9)), TZ)
    assert rendered.body.decode() == "1路 开往 七一路口 计划08:04到站。"


def test_a_crowded_bus_is_marked_on_every_rendering() -> None:
    now = at(8)
    b = board("S2", now, snapshot_with_t2(now, now + 200, load=40.0))  # 50% of 80: standing
    assert led_lines(b, 24, 1, TZ) == ["1路 七一路口  3分钟 较挤"]
    assert voice_text(b, TZ) == "1路 开往 七一路口 还有3分钟到站，车内较挤。"
    (line,) = orjson.loads(render_json(b, "TC-S2").body)["lines"]
    assert line["arrivals"][0]["crowding"] == {"status": "standing_room_only", "percentage": 50,
                                               "label": "较挤", "learned": True}


def test_a_bus_with_seats_left_is_in_the_json_but_not_marked_on_the_led() -> None:
    now = at(8)
    b = board("S2", now, snapshot_with_t2(now, now + 200, load=10.0))
    assert led_lines(b, 24, 1, TZ) == ["1路 七一路口       3分钟"]
    assert voice_text(b, TZ) == "1路 开往 七一路口 还有3分钟到站。"
    (line,) = orjson.loads(render_json(b, "TC-S2").body)["lines"]
    assert line["arrivals"][0]["crowding"]["status"] == "many_seats_available"
