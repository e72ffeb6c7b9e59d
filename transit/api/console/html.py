"""The console's HTML, rendered on the server: plain pages with system fonts,
one stylesheet served by the console itself (``/console/console.css``), the
keyboard's script (``keys.js``) on every page of a logged-in user and the
live pages' own (``console.js``), nothing fetched from elsewhere (the
operator's intranet may have no internet). Every text that came from a user, the database or the URL goes
through ``escape``; the fixed texts are escaped too, so no caller has to know.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from html import escape
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from transit.api.console.keys_html import GO_KEYS, help_panel, hint_button
from transit.api.console.texts import TEXTS, role_name, scope_name
from transit.console.access import Grant
from transit.console.audit import AuditEntry, json_text
from transit.console.users import User

PREFIX = "/console"

STYLE = """
*{box-sizing:border-box}
body{margin:0;font-family:system-ui,-apple-system,"PingFang SC","Microsoft YaHei","Noto Sans CJK SC",sans-serif;
font-size:16px;line-height:1.5;color:#111;background:#f4f5f7}
header{display:flex;align-items:center;gap:16px;background:#0a5c36;color:#fff;padding:8px 16px}
header .app{font-weight:bold;font-size:18px;color:#fff;text-decoration:none}
header .who{margin-left:auto}
header a,header button{color:#fff}
header form{display:inline;margin:0}
main{max-width:1100px;margin:24px auto;padding:0 16px}
h1{font-size:24px;margin:0 0 16px}
.card{background:#fff;border:1px solid #d0d4da;border-radius:6px;padding:16px 20px;margin-bottom:16px}
.login{max-width:380px;margin:64px auto}
label{display:block;margin:12px 0 4px}
input[type=text],input[type=password]{width:100%;padding:8px;font-size:16px;border:1px solid #999;border-radius:4px}
button,input{font:inherit}
button{padding:6px 16px;border-radius:4px;border:1px solid #0a5c36;background:#0a5c36;color:#fff;
cursor:pointer}
header button{background:transparent;border-color:#fff;padding:2px 10px}
.message{padding:8px 12px;border-radius:4px;background:#e8f0fe;margin-bottom:12px}
.error{background:#fde2e1;color:#7f1d1d}
table{border-collapse:collapse;width:100%;background:#fff;font-size:14px}
th,td{border:1px solid #d0d4da;padding:4px 8px;text-align:left;vertical-align:top}
td.json{font-family:ui-monospace,monospace;font-size:12px;white-space:pre-wrap;word-break:break-all}
span.json{font-family:ui-monospace,monospace;font-size:12px;color:#555;word-break:break-all}
h2{font-size:19px;margin:24px 0 8px}
table.figures{margin-bottom:16px}
table.figures td{font-variant-numeric:tabular-nums}
table.facts{width:auto}table.facts th{background:#f4f5f7}
.status{display:inline-block;padding:0 8px;border-radius:10px;background:#e3e6ea;font-size:14px}
.status-validated{background:#dbeafe}.status-approved{background:#d1fae5}
.status-published{background:#0a5c36;color:#fff}
.status-rejected{background:#fde2e1}.status-superseded{background:#eee;color:#555}
form.act{display:inline-block;vertical-align:top;margin:0 16px 8px 0;min-width:260px}
textarea{width:100%;font:inherit;padding:6px;border:1px solid #999;border-radius:4px}
input[type=date],select{font:inherit;padding:4px}
form.picker{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin-bottom:8px}
form.picker label{margin:0}
form.picker input[type=text]{width:6em}
.refused{color:#7f1d1d}
.marey-box{overflow-x:auto;padding:8px}
.kind-added{color:#0a5c36}.kind-removed{color:#b91c1c}.kind-moved{color:#92400e}
:focus-visible,tr:focus{outline:3px solid #f59e0b;outline-offset:2px}
tr:focus td{background:#fff7d6}
.skip{position:absolute;left:8px;top:-48px;z-index:10;padding:8px 12px;background:#fff;color:#0a5c36;
border:2px solid #0a5c36;border-radius:4px}
.skip:focus{top:8px}
main:focus{outline:none}
header .keys-hint{font-size:13px;padding:0 8px}
dialog#keys-help{max-width:560px;border:1px solid #d0d4da;border-radius:6px;padding:16px 24px}
dialog#keys-help::backdrop{background:rgba(0,0,0,.35)}
dialog#keys-help h3{font-size:15px;margin:12px 0 4px}
dl.keys{display:grid;grid-template-columns:7em 1fr;gap:4px 12px;margin:0}dl.keys dt{white-space:nowrap}
dl.keys dd{margin:0}
kbd{display:inline-block;min-width:1.6em;padding:0 5px;border:1px solid #999;border-bottom-width:2px;
border-radius:4px;background:#f8f8f8;font-family:ui-monospace,monospace;font-size:13px;text-align:center}
"""


def _t(lang: str, key: str) -> str:
    return escape(TEXTS[lang][key])


def page(lang: str, title: str, body: str, *, path: str, user: User | None = None,
         csrf_token: str | None = None, alarm_count: int | None = None, script: bool = False) -> str:
    """A whole page: a skip link to the content, the header (the app, the
    screens for a logged-in user, with the count of open alarms when given,
    who is logged in, log-out, the language switch to ``path`` in the other
    language, the keyboard hint) around ``body``; for a logged-in user the
    keyboard's help panel and script; with ``script``, the live pages' script
    too. The header's links carry ``data-go``: ``g`` then that letter follows
    them (``keys.js``)."""
    other = "en" if lang == "zh" else "zh"
    switch = f'<a href="{escape(path)}?{urlencode({"lang": other})}" lang="{other}">{_t(lang, "switch")}</a>'
    who = keys = home_go = hint = ""
    if user is not None and csrf_token is not None:
        badge = "" if alarm_count is None else f' <span class="badge" id="alarm-count">{alarm_count}</span>'
        links = "".join(f'<a href="{PREFIX}{key.path}" data-go="{key.letter}">{_t(lang, key.text)}'
                        f'{badge if key.path == "/alarms" else ""}</a>' for key in GO_KEYS[1:])
        who = (f'<nav>{links}</nav>'
               f'<span class="who" id="who">{escape(user.display_name)} ({escape(user.username)})</span>'
               f'<form method="post" action="{PREFIX}/logout">{csrf_field(csrf_token)}'
               f'<button type="submit">{_t(lang, "log_out")}</button></form>')
        keys = help_panel(lang) + f'<script src="{PREFIX}/keys.js" defer></script>'
        home_go, hint = f' data-go="{GO_KEYS[0].letter}"', hint_button(lang)
    return (
        f'<!DOCTYPE html><html lang="{_t(lang, "html_lang")}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<title>{escape(title)} · {_t(lang, "app")}</title>'
        f'<link rel="stylesheet" href="{PREFIX}/console.css"></head><body>'
        f'<a class="skip" href="#main">{_t(lang, "skip_to_content")}</a>'
        f'<header><a class="app" href="{PREFIX}/"{home_go}>{_t(lang, "app")}</a>{who}{switch}{hint}</header>'
        f'<main id="main" tabindex="-1">{body}</main>{keys}'
        + (f'<script src="{PREFIX}/console.js" defer></script>' if script else "")
        + "</body></html>"
    )


def csrf_field(token: str) -> str:
    return f'<input type="hidden" name="csrf_token" value="{escape(token)}">'


def login_page(lang: str, *, csrf_token: str, next_path: str, username: str = "",
               message: str = "", error: bool = False) -> str:
    note = f'<p class="message{" error" if error else ""}" role="alert">{escape(message)}</p>' if message else ""
    body = (
        f'<div class="card login"><h1>{_t(lang, "login_title")}</h1>{note}'
        f'<form method="post" action="{PREFIX}/login">{csrf_field(csrf_token)}'
        f'<input type="hidden" name="next" value="{escape(next_path)}">'
        f'<label for="username">{_t(lang, "username")}</label>'
        f'<input type="text" id="username" name="username" value="{escape(username)}" autocomplete="username"'
        ' autofocus required maxlength="64">'
        f'<label for="password">{_t(lang, "password")}</label>'
        '<input type="password" id="password" name="password" autocomplete="current-password" required>'
        f'<p><button type="submit">{_t(lang, "log_in")}</button></p></form></div>'
    )
    return page(lang, TEXTS[lang]["login_title"], body, path=f"{PREFIX}/login")


def grant_text(lang: str, grant: Grant) -> str:
    return f"{role_name(lang, grant.role)} · {scope_name(lang, grant.scope.kind, grant.scope.ids)}"


def home_page(lang: str, user: User, csrf_token: str, *, can_audit: bool, screens: Sequence[str] = ()) -> str:
    """``screens``: the operational screens this service has (``live``,
    ``alarms``, ``reports``, ``signs``), linked in that order."""
    roles = "".join(f'<li data-role="{escape(g.role)}">{escape(grant_text(lang, g))}</li>' for g in user.grants)
    links = f'<p><a href="{PREFIX}/drafts" id="to-drafts">{_t(lang, "drafts_title")}</a></p>'
    if can_audit:
        links += f'<p><a href="{PREFIX}/audit">{_t(lang, "audit_title")}</a></p>'
    operations = " · ".join(f'<a href="{PREFIX}/{name}" id="to-{name}">{_t(lang, name + "_title")}</a>'
                            for name in screens)
    body = (
        f'<h1>{_t(lang, "home_title")}</h1><div class="card">'
        f'<p>{_t(lang, "logged_in_as")}: <strong id="display-name">{escape(user.display_name)}</strong>'
        f' ({escape(user.username)})</p>'
        f'<h2>{_t(lang, "your_roles")}</h2><ul id="roles">{roles}</ul>{links}</div>'
        + (f'<div class="card"><p>{operations}</p></div>' if operations else "")
    )
    return page(lang, TEXTS[lang]["home_title"], body, path=f"{PREFIX}/", user=user, csrf_token=csrf_token)


def logout_page(lang: str, user: User, csrf_token: str) -> str:
    body = (f'<div class="card login"><p>{_t(lang, "log_out_confirm")}</p>'
            f'<form method="post" action="{PREFIX}/logout">{csrf_field(csrf_token)}'
            f'<button type="submit">{_t(lang, "log_out")}</button></form></div>')
    return page(lang, TEXTS[lang]["log_out"], body, path=f"{PREFIX}/logout", user=user, csrf_token=csrf_token)


def audit_page(lang: str, user: User, csrf_token: str, entries: Sequence[AuditEntry], timezone: str,
               older: int | None) -> str:
    head = "".join(f"<th>{_t(lang, key)}</th>" for key in
                   ("at", "actor", "role", "action", "object", "before", "after", "reason"))
    rows = "".join(_audit_row(entry, timezone) for entry in entries)
    table = (f'<table id="audit"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'
             if entries else f'<p>{_t(lang, "audit_empty")}</p>')
    more = (f'<p><a href="{PREFIX}/audit?{urlencode({"before": older})}">{_t(lang, "older")}</a></p>'
            if older is not None else "")
    body = (f'<h1>{_t(lang, "audit_title")}</h1>'
            f'<p><a href="{PREFIX}/audit.csv" download>{_t(lang, "audit_csv")}</a></p>{table}{more}')
    return page(lang, TEXTS[lang]["audit_title"], body, path=f"{PREFIX}/audit", user=user, csrf_token=csrf_token)


def _audit_row(entry: AuditEntry, timezone: str) -> str:
    at = datetime.fromtimestamp(entry.at, ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M:%S")
    cells = [at, entry.actor, entry.role, entry.action, f"{entry.object_type} {entry.object_id}"]
    changes = "".join(f'<td class="json">{escape(json_text(value))}</td>' for value in (entry.before, entry.after))
    return ("<tr>" + "".join(f"<td>{escape(cell)}</td>" for cell in cells) + changes
            + f"<td>{escape(entry.reason)}</td></tr>")


def message_page(lang: str, title: str, message: str, *, path: str, user: User | None = None,
                 csrf_token: str | None = None) -> str:
    """A page that only says something (not allowed, refused, not found)."""
    body = f'<h1>{escape(title)}</h1><div class="card"><p class="message error">{escape(message)}</p></div>'
    return page(lang, title, body, path=path, user=user, csrf_token=csrf_token)
