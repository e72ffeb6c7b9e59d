"""The alarms page: the open alarms a user may see, each with its state and,
for a dispatcher of its lines, the form to acknowledge it with a note; then
the recently resolved ones. Notes are user input like every other text
here: all of it goes through ``escape``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from transit.api.console.html import PREFIX, csrf_field, page
from transit.api.console.live_payloads import clock_text, duration_text
from transit.api.console.texts import TEXTS, role_name
from transit.console.access import Role
from transit.console.alarm_life import Alarm, AlarmState
from transit.console.alarms import AlarmKind, Detail
from transit.console.users import User
from transit.model.line_names import line_order_key
from transit.model.network import Network

RESOLVED_SHOWN = 50


def alarm_text(lang: str, alarm: Alarm, network: Network) -> str:
    """What the alarm is about, in words (its details filled in)."""
    d = alarm.details
    timezone = network.timezone

    def stop(key: str) -> str:
        stop_id = str(d.get(key) or "")
        found = network.stops.get(stop_id)
        return found.name if found else stop_id

    def at(key: str) -> str:
        value = d.get(key)
        return TEXTS[lang]["never"] if not isinstance(value, (int, float)) else clock_text(value, timezone)

    fields: dict[str, object] = {"vehicle": alarm.subject, "trip": d.get("trip_id", alarm.subject)}
    if alarm.kind in (AlarmKind.BUNCHING, AlarmKind.GAPPING):
        fields |= {"ahead": d.get("ahead"), "stop": stop("stop_id"), "actual": duration_text(_n(d, "actual_s")),
                   "scheduled": duration_text(_n(d, "scheduled_s")), "threshold": round(_n(d, "threshold") * 100)}
    elif alarm.kind is AlarmKind.SILENT_TERMINAL:
        fields["since"] = at("heard_at")
    elif alarm.kind is AlarmKind.EARLY_DEPARTURE:
        fields |= {"vehicle": d.get("vehicle_id"), "trip": alarm.subject, "stop": stop("stop_id"),
                   "departed": at("departed"), "planned": at("scheduled"), "early": duration_text(_n(d, "early_s"))}
    elif alarm.kind is AlarmKind.SIGN_OFFLINE:
        fields |= {"sign": alarm.subject, "stop": stop("stop_id"), "since": at("last_poll")}
    return TEXTS[lang][f"alarm_{alarm.kind.value}"].format(**fields)


def _n(details: Mapping[str, Detail], key: str) -> float:
    value = details.get(key)
    return float(value) if isinstance(value, (int, float)) else 0.0


def line_names(network: Network, route_ids: frozenset[str]) -> str:
    names = [network.routes[r].short_name if r in network.routes else r for r in route_ids]
    return "、".join(sorted(names, key=line_order_key))


def _state_cell(lang: str, alarm: Alarm, timezone: str) -> str:
    words = TEXTS[lang]
    text = escape(words[f"alarm_{alarm.state.value}"])
    if alarm.acknowledged_at is not None:
        try:
            role = role_name(lang, Role(alarm.acknowledged_as or ""))
        except ValueError:
            role = alarm.acknowledged_as or ""
        text += '<div class="ack">' + escape(words["acknowledged_by"].format(
            who=alarm.acknowledged_by, role=role, time=clock_text(alarm.acknowledged_at, timezone),
            note=alarm.note)) + "</div>"
    if alarm.resolved_at is not None:
        text += '<div class="ack">' + escape(words["resolved_at"].format(
            time=clock_text(alarm.resolved_at, timezone))) + "</div>"
    return f'<td class="ack">{text}</td>'


def _action_cell(lang: str, alarm: Alarm, may_acknowledge: bool, csrf_token: str) -> str:
    words = TEXTS[lang]
    if alarm.state is not AlarmState.TRIGGERED:
        return "<td></td>"
    if not may_acknowledge:
        return f'<td class="note">{escape(words["cannot_acknowledge"])}</td>'
    return (f'<td><form class="inline" method="post" action="{PREFIX}/alarms/{alarm.id}/ack">'
            f'{csrf_field(csrf_token)}<input type="text" name="note" maxlength="500" required'
            f' placeholder="{escape(words["note"])}" aria-label="{escape(words["note"])}">'
            f'<button type="submit">{escape(words["acknowledge"])}</button></form></td>')


def _row(lang: str, alarm: Alarm, network: Network, action: str) -> str:
    words = TEXTS[lang]
    return (f'<tr data-alarm="{alarm.id}" data-kind="{alarm.kind.value}" class="{alarm.state.value}">'
            f'<td>{escape(words["kind_" + alarm.kind.value])}</td>'
            f'<td>{escape(line_names(network, alarm.route_ids))}</td>'
            f'<td>{escape(alarm_text(lang, alarm, network))}</td>'
            f'<td>{clock_text(alarm.triggered_at, network.timezone)}</td>'
            f'{_state_cell(lang, alarm, network.timezone)}{action}</tr>')


def alarms_page(lang: str, user: User, csrf_token: str, network: Network,
                open_alarms: Sequence[tuple[Alarm, bool]], resolved: Sequence[Alarm], signature: str) -> str:
    """``open_alarms``: each with whether the user may acknowledge it."""
    words = TEXTS[lang]
    head = "".join(f"<th>{escape(words[k])}</th>" for k in
                   ("col_kind", "col_line", "col_what", "col_triggered", "col_state"))
    open_rows = "".join(_row(lang, a, network, _action_cell(lang, a, may, csrf_token)) for a, may in open_alarms)
    open_table = (f'<table id="open-alarms" data-keys-list><thead><tr>{head}<th>{escape(words["col_action"])}</th></tr></thead>'
                  f'<tbody>{open_rows}</tbody></table>' if open_rows
                  else f'<p class="message" id="no-alarms">{escape(words["no_open_alarms"])}</p>')
    resolved_rows = "".join(_row(lang, a, network, "") for a in resolved)
    resolved_table = (f'<h2>{escape(words["recently_resolved"])}</h2><table id="resolved-alarms"><thead>'
                      f'<tr>{head}</tr></thead><tbody>{resolved_rows}</tbody></table>' if resolved_rows else "")
    body = (f'<h1>{escape(words["alarms_title"])}</h1>'
            f'<p class="message" id="alarms-changed" hidden>{escape(words["alarms_changed"])}</p>'
            f'<div id="live-root" data-view="alarms" data-json="{PREFIX}/alarms.json"></div>'
            f'<div id="alarm-list" data-signature="{escape(signature)}">{open_table}{resolved_table}</div>')
    return page(lang, words["alarms_title"], body, path=f"{PREFIX}/alarms", user=user, csrf_token=csrf_token,
                alarm_count=len(open_alarms), script=True)
