"""A sign operator's messages, pure: the text a message may hold, its expiry,
which stops and signs it reaches, the board cache showing a new message and
dropping an expired one at once, and its renderings (sign JSON with markup
escaped, LED rows, voice, stop page)."""

from __future__ import annotations

from types import MappingProxyType

import orjson
import pytest

from signage.page_template import render_stop_page
from signage.payloads import led_lines, message_rows, render_json, render_voice, sign_board
from signage.stop_page import page_json, stop_page
from tests.test_boards import BOARDS, NETWORK, at
from transit.boards.board import StopMessage
from transit.boards.cache import BoardCache, Reuse
from transit.boards.messages import (MessageIndex, MessageTarget, SignMessage, SignPlaces, TargetKind, check_duration,
                                     check_message_text, for_sign, json_safe, shown_until, sign_places)
from transit.prediction.publish import EMPTY_BOARD

T0 = at(8.0)
HTML = '<script>alert("x")</script> 红旗街 & 东风路'
PLACES = SignPlaces(MappingProxyType({"TC-S1": "S1", "TC-S2": "S2", "TC-S2B": "S2"}),
                    MappingProxyType({"R1": frozenset({"S1", "S2"}), "R9": frozenset({"S3"})}))


def message(message_id: int, kind: TargetKind, target_id: str = "", *, sent: float = T0, minutes: float = 30,
            text: str = "临时停靠") -> SignMessage:
    return SignMessage(message_id, MessageTarget(kind, target_id), text, sent, sent + minutes * 60, "li")


@pytest.mark.parametrize("text", ["因施工本站暂停使用", "x" * 140, HTML])
def test_printable_text_up_to_140_characters_is_accepted(text: str) -> None:
    assert check_message_text(text) is None


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"), ("   ", "empty"), ("x" * 141, "too_long"), ("第一行\n第二行", "control_character"),
    ("\x1b[2J清屏", "control_character"), ("bell\x07", "control_character"), ("\u202e反向", "control_character"),
])
def test_empty_long_and_control_characters_are_refused(text: str, reason: str) -> None:
    refusal = check_message_text(text)
    assert refusal is not None and refusal.reason == reason


def test_a_message_shows_from_one_minute_to_seven_days() -> None:
    assert check_duration(60) is None and check_duration(7 * 86_400) is None
    assert check_duration(59) is not None and check_duration(7 * 86_400 + 1) is not None


def test_a_target_names_a_sign_or_line_and_every_sign_names_none() -> None:
    with pytest.raises(ValueError):
        MessageTarget(TargetKind.ALL, "TC-S1")
    with pytest.raises(ValueError):
        MessageTarget(TargetKind.SIGN, "")


def test_a_message_shows_until_its_expiry_and_not_once_withdrawn() -> None:
    sent = message(1, TargetKind.ALL)
    assert not sent.is_showing(T0 - 1)
    assert sent.is_showing(T0) and sent.is_showing(sent.expires_at - 0.001)
    assert not sent.is_showing(sent.expires_at)
    withdrawn = SignMessage(1, sent.target, sent.text, sent.sent_at, sent.expires_at, "li", T0 + 5, "wang")
    assert not withdrawn.is_showing(T0 + 10)


def test_messages_reach_their_sign_their_line_or_every_stop_newest_first() -> None:
    index = MessageIndex([message(1, TargetKind.SIGN, "TC-S2"), message(2, TargetKind.LINE, "R9", sent=T0 + 1),
                          message(3, TargetKind.ALL, sent=T0 + 2), message(4, TargetKind.SIGN, "TC-NONE")], PLACES)
    now = T0 + 60
    assert [m.message_id for m in index.at("S1", now)] == [3]
    assert [(m.message_id, m.sign_id) for m in index.at("S2", now)] == [(3, None), (1, "TC-S2")]
    assert [m.message_id for m in index.at("S3", now)] == [3, 2]
    assert index.at("S4", now) == index.at("S1", now)  # a stop without a sign: every-sign messages only


def test_an_expired_message_leaves_the_stop_at_its_expiry() -> None:
    index = MessageIndex([message(1, TargetKind.LINE, "R1", minutes=10), message(2, TargetKind.ALL, minutes=60)],
                         PLACES)
    assert [m.message_id for m in index.at("S1", T0 + 599)] == [2, 1]
    assert [m.message_id for m in index.at("S1", T0 + 600)] == [2]
    assert index.at("S1", T0 + 3600) == ()
    assert shown_until(index.at("S1", T0)) == T0 + 600


def test_a_message_to_one_sign_stays_off_its_neighbour_at_the_stop() -> None:
    shown = MessageIndex([message(1, TargetKind.SIGN, "TC-S2"), message(2, TargetKind.ALL)], PLACES).at("S2", T0)
    assert [m.message_id for m in for_sign(shown, "TC-S2")] == [2, 1]
    assert [m.message_id for m in for_sign(shown, "TC-S2B")] == [2]


def test_sign_places_come_from_the_patterns_and_the_registry() -> None:
    places = sign_places(NETWORK, [("TC-S1", "S1")])
    assert places.stop_of_sign == {"TC-S1": "S1"} and places.stops_of_line["R1"] == {"S1", "S2", "S3"}


def test_json_safe_keeps_the_json_and_leaves_no_markup() -> None:
    body = orjson.dumps({"text": HTML})
    safe = json_safe(body)
    assert b"<" not in safe and b">" not in safe and b"&" not in safe
    assert orjson.loads(safe) == {"text": HTML}


class Book:
    """The index a cache reads, swapped by a test."""

    def __init__(self, index: MessageIndex) -> None:
        self.current = index

    def __call__(self) -> MessageIndex:
        return self.current


def test_the_board_cache_shows_a_new_message_at_once_and_drops_it_at_expiry() -> None:
    book = Book(MessageIndex([], PLACES))
    cache = BoardCache(BOARDS, book)
    reuse = Reuse(3600.0, any_predictions=True)
    first = cache.get("S2", EMPTY_BOARD, T0, reuse)
    assert first.messages == () and cache.get("S2", EMPTY_BOARD, T0 + 1, reuse) is first
    book.current = MessageIndex([message(7, TargetKind.LINE, "R1", minutes=5)], PLACES)
    shown = cache.get("S2", EMPTY_BOARD, T0 + 2, reuse)
    assert [m.text for m in shown.messages] == ["临时停靠"]
    assert cache.get("S2", EMPTY_BOARD, T0 + 299, reuse) is shown
    assert cache.get("S2", EMPTY_BOARD, T0 + 300, reuse).messages == ()


def _sign_board(*messages: StopMessage):  # type: ignore[no-untyped-def]
    board = BOARDS.build(EMPTY_BOARD, "S2", at(7.9), messages=messages)
    return sign_board(board, NETWORK)


def test_the_sign_json_carries_the_message_with_its_markup_escaped() -> None:
    rendered = render_json(_sign_board(StopMessage(5, HTML, T0 + 600)), "TC-S2")
    assert b"<script" not in rendered.body and b"\\u003cscript\\u003e" in rendered.body
    assert orjson.loads(rendered.body)["messages"] == [{"message_id": 5, "text": HTML, "expires_at": int(T0 + 600)}]


def test_the_led_gives_the_message_the_bottom_rows_cut_to_fit() -> None:
    board = _sign_board(StopMessage(5, "因道路施工，本站临时迁至东风路口北侧五十米处，请乘客注意安全，给您带来不便敬请谅解", T0 + 600))
    rows = led_lines(board, 24, 4, NETWORK.timezone)
    assert len(rows) == 4 and all(len(r.encode("gb2312")) == 24 for r in rows)
    assert rows[0].startswith("1路 七一路口")
    assert rows[1].startswith("因道路施工，本站临时") and rows[3].rstrip().endswith("…")
    assert message_rows(HTML, 24, 3)[0] == '<script>alert("x")</scri'  # drawn as text: an LED reads no markup
    assert led_lines(board, 24, 1, NETWORK.timezone) == message_rows(board.messages[0].text, 24, 1)


def test_the_voice_says_the_message_first() -> None:
    text = render_voice(_sign_board(StopMessage(5, "本站临时停用。", T0 + 600)), NETWORK.timezone).body.decode()
    assert text.startswith("乘客请注意：本站临时停用。1路 开往 七一路口")


def test_the_stop_page_shows_the_message_as_text() -> None:
    board = BOARDS.build(EMPTY_BOARD, "S2", at(7.9), messages=(StopMessage(5, HTML, at(8.5)),))
    page = stop_page(board, NETWORK.timezone)
    html = render_stop_page(page, 15)
    assert '<p class="notice">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; 红旗街 &amp; 东风路' in html
    assert "<script>alert" not in html and "至 08:30" in html
    body = page_json(page)
    assert b"<script" not in body and orjson.loads(body)["messages"] == [{"message_id": 5, "text": HTML,
                                                                         "until": "08:30"}]
