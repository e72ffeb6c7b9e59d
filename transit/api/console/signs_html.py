"""The sign screens' HTML: the health of the electronic signs, a sign's own
page, the forms that send a message (to a sign, a line's signs, every sign)
and the messages showing and sent lately, each with the form to withdraw it.
A message is user input like every text here: all of it goes through ``escape``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from signage.health import SignStatus
from signage.registry import Sign, SignKind
from transit.api.console.html import PREFIX, csrf_field, page
from transit.api.console.live_payloads import age_text
from transit.api.console.texts import TEXTS
from transit.boards.messages import MAX_MESSAGE_CHARS, MessageTarget, SignMessage, TargetKind
from transit.console.users import User


@dataclass(frozen=True)
class SignRow:
    sign: Sign
    stop_name: str
    lines: str  # the lines at its stop, by name
    status: SignStatus | None
    health: str  # online, offline, never, ordinary


@dataclass(frozen=True)
class MessageRow:
    message: SignMessage
    target: str  # in words
    may_withdraw: bool


@dataclass(frozen=True)
class SignDeskView:
    """Who is looking, in which language, at which service-clock instant."""

    lang: str
    user: User
    csrf_token: str
    timezone: str
    now: float

    def t(self, key: str, **fields: object) -> str:
        return escape(TEXTS[self.lang][key].format(**fields))

    def when(self, at: float) -> str:
        return datetime.fromtimestamp(at, ZoneInfo(self.timezone)).strftime("%m-%d %H:%M")

    def page(self, title: str, body: str, path: str) -> str:
        return page(self.lang, title, body, path=path, user=self.user, csrf_token=self.csrf_token)


def sign_link(sign_id: str) -> str:
    return f"{PREFIX}/signs/{quote(sign_id, safe='')}"


def target_words(lang: str, target: MessageTarget, line_name: str = "") -> str:
    words = TEXTS[lang]
    if target.kind is TargetKind.ALL:
        return words["target_all"]
    return words[f"target_{target.kind.value}"].format(id=line_name or target.target_id)


def _health_cell(v: SignDeskView, row: SignRow) -> str:
    return f'<td class="health-{row.health}">{v.t("health_" + row.health)}</td>'


def _poll_cell(v: SignDeskView, status: SignStatus | None) -> str:
    if status is None or status.last_poll is None:
        return "<td>—</td>"
    return f'<td>{v.t("poll_ago", time=v.when(status.last_poll), age=age_text(v.lang, v.now - status.last_poll))}</td>'


def health_table(v: SignDeskView, rows: Sequence[SignRow], table_id: str) -> str:
    head = "".join(f"<th>{v.t(k)}</th>" for k in ("col_sign", "col_stop", "col_lines", "col_sign_kind", "col_last_poll",
                                                  "col_sign_version", "col_errors", "col_health"))
    body = "".join(
        f'<tr data-sign="{escape(r.sign.sign_id)}"><td><a href="{escape(sign_link(r.sign.sign_id))}">'
        f'{escape(r.sign.sign_id)}</a></td><td>{escape(r.stop_name)}</td><td>{escape(r.lines)}</td>'
        f'<td>{v.t("kind_" + r.sign.kind.value)}</td>{_poll_cell(v, r.status)}'
        f'<td>{escape((r.status.version if r.status else None) or "—")}</td>'
        f'<td>{escape("; ".join(r.status.errors) if r.status else "")}</td>{_health_cell(v, r)}</tr>'
        for r in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def send_form(v: SignDeskView, kind: TargetKind, target_id: str = "",
              lines: Sequence[tuple[str, str]] = ()) -> str:
    """A form sending to ``kind``: a sign or every sign as given, or a line
    chosen among ``lines`` (route_id, name)."""
    if kind is TargetKind.LINE:
        options = "".join(f'<option value="{escape(r)}">{escape(name)}</option>' for r, name in lines)
        chooser = (f'<label for="line-target">{v.t("col_line")}</label>'
                   f'<select id="line-target" name="target_id">{options}</select>')
    else:
        chooser = f'<input type="hidden" name="target_id" value="{escape(target_id)}">'
    form_id = f"send-{kind.value}"
    return (f'<form class="act" id="{form_id}" method="post" action="{PREFIX}/signs/messages">'
            f'{csrf_field(v.csrf_token)}<input type="hidden" name="target_kind" value="{kind.value}">'
            f'<h3>{v.t("send_to_" + kind.value)}</h3>{chooser}'
            f'<label for="{form_id}-text">{v.t("message_text")}</label>'
            f'<textarea id="{form_id}-text" name="text" rows="2" maxlength="{MAX_MESSAGE_CHARS}" required></textarea>'
            f'<label for="{form_id}-minutes">{v.t("message_minutes")}</label>'
            f'<input type="number" id="{form_id}-minutes" name="minutes" min="1" max="10080" value="60" required>'
            f'<p><button type="submit">{v.t("send")}</button></p></form>')


def _state(v: SignDeskView, message: SignMessage) -> str:
    if message.withdrawn_at is not None:
        return v.t("state_withdrawn", who=message.withdrawn_by or "")
    return v.t("state_showing" if message.is_showing(v.now) else "state_expired")


def _withdraw_cell(v: SignDeskView, row: MessageRow) -> str:
    if not row.may_withdraw or not row.message.is_showing(v.now):
        return "<td></td>"
    return (f'<td><form class="inline" method="post" action="{PREFIX}/signs/messages/{row.message.message_id}'
            f'/withdraw">{csrf_field(v.csrf_token)}<button type="submit">{v.t("withdraw")}</button></form></td>')


def messages_table(v: SignDeskView, rows: Sequence[MessageRow], table_id: str, empty_key: str) -> str:
    if not rows:
        return f'<p class="message" id="{table_id}-none">{v.t(empty_key)}</p>'
    head = "".join(f"<th>{v.t(k)}</th>" for k in ("col_id", "col_target", "col_text", "col_sent", "col_expires",
                                                  "col_state", "col_action"))
    body = "".join(
        f'<tr data-message="{r.message.message_id}"><td>{r.message.message_id}</td><td>{escape(r.target)}</td>'
        f'<td class="message-text">{escape(r.message.text)}</td>'
        f'<td>{v.t("sent_by", time=v.when(r.message.sent_at), who=r.message.sent_by)}</td>'
        f'<td>{escape(v.when(r.message.expires_at))}</td><td>{_state(v, r.message)}</td>{_withdraw_cell(v, r)}</tr>'
        for r in rows)
    return f'<table id="{table_id}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def find_form(v: SignDeskView, query: str) -> str:
    return (f'<form class="picker" method="get" action="{PREFIX}/signs"><label for="q">{v.t("find_sign")}</label>'
            f'<input type="text" id="q" name="q" value="{escape(query)}" maxlength="64">'
            f'<button type="submit">{v.t("find")}</button></form>')


@dataclass(frozen=True)
class SignsList:
    electronic: Sequence[SignRow]
    query: str
    found: Sequence[SignRow] | None  # None: nothing asked
    more_found: bool
    lines: Sequence[tuple[str, str]]  # those the user may send to
    may_send_all: bool
    showing: Sequence[MessageRow]
    recent: Sequence[MessageRow]
    notice: str  # said at the top (a message sent or withdrawn), or empty
    offline_after_min: int


def signs_page(v: SignDeskView, data: SignsList) -> str:
    notice = f'<p class="message" id="notice" role="status">{escape(data.notice)}</p>' if data.notice else ""
    found = ""
    if data.found is not None:
        found = (health_table(v, data.found, "found-signs") if data.found else f'<p>{v.t("found_none")}</p>')
        if data.more_found:
            found += f'<p>{v.t("found_more", count=len(data.found))}</p>'
    forms = ""
    if data.lines:
        forms += send_form(v, TargetKind.LINE, lines=data.lines)
    forms += send_form(v, TargetKind.ALL) if data.may_send_all else f'<p class="note">{v.t("cannot_send_all")}</p>'
    body = (f'<h1>{v.t("signs_title")}</h1>{notice}'
            f'<h2>{v.t("showing_title")}</h2>{messages_table(v, data.showing, "showing", "showing_none")}'
            f'<h2>{v.t("send_title")}</h2><div class="card">{forms}</div>'
            f'<h2>{v.t("signs_health")}</h2><p class="note">{v.t("signs_note", minutes=data.offline_after_min)}</p>'
            f'{health_table(v, data.electronic, "sign-health")}{find_form(v, data.query)}{found}'
            f'<h2>{v.t("recent_title")}</h2>{messages_table(v, data.recent, "recent", "showing_none")}')
    return v.page(TEXTS[v.lang]["signs_title"], body, f"{PREFIX}/signs")


def sign_page(v: SignDeskView, row: SignRow, showing: Sequence[MessageRow], may_send: bool, notice: str) -> str:
    sign = row.sign
    size = (v.t("led_size", columns=sign.led_columns, rows=sign.led_rows) if sign.has_led else v.t("no_led"))
    stop_page = f"/s/{quote(sign.stop_id, safe='')}"
    facts = (f'<table class="facts"><tr><th>{v.t("col_stop")}</th><td>{escape(row.stop_name)} '
             f'({escape(sign.stop_id)}) · <a href="{escape(stop_page)}" id="stop-page">{v.t("stop_page")}</a></td></tr>'
             f'<tr><th>{v.t("col_lines")}</th><td>{escape(row.lines)}</td></tr>'
             f'<tr><th>{v.t("col_sign_kind")}</th><td>{v.t("kind_" + sign.kind.value)} · {size}</td></tr></table>')
    health = health_table(v, [row], "sign-health") if sign.kind is SignKind.ELECTRONIC else ""
    form = send_form(v, TargetKind.SIGN, sign.sign_id) if may_send else f'<p class="note">{v.t("cannot_send")}</p>'
    notice_html = f'<p class="message" id="notice" role="status">{escape(notice)}</p>' if notice else ""
    title = TEXTS[v.lang]["sign_title"].format(sign=sign.sign_id)
    body = (f'<h1>{escape(title)}</h1>{notice_html}<p><a href="{PREFIX}/signs">{v.t("signs_title")}</a></p>'
            f'<div class="card">{facts}</div>{health}'
            f'<h2>{v.t("on_this_sign")}</h2>{messages_table(v, showing, "showing", "showing_none")}'
            f'<h2>{v.t("send_title")}</h2><div class="card">{form}</div>')
    return v.page(title, body, sign_link(sign.sign_id))


def back_with(path: str, **query: object) -> str:
    return f"{path}?{urlencode(query)}"
