"""The schedule versions page: the live version, the publication manifest
(which version was made live from which service day, by whom, replacing
which) and the stored versions, each earlier one with a roll-back form for
those who may."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from html import escape

from transit.api.console.drafts_html import Viewer, live_line, refusal_text
from transit.api.console.html import PREFIX, csrf_field
from transit.api.console.review_html import t
from transit.api.console.texts import TEXTS
from transit.console.approval import LiveState, Verdict
from transit.store.publications import Publication
from transit.store.schedules import ScheduleVersion


def _manifest(viewer: Viewer, publications: Sequence[Publication]) -> str:
    lang = viewer.lang
    head = "".join(f"<th>{t(lang, k)}</th>" for k in ("col_version", "col_from", "col_action", "col_by", "col_at",
                                                       "col_applied", "col_previous", "col_reason"))
    rows = []
    for p in publications:
        draft = f' (<a href="{PREFIX}/drafts/{p.draft_id}">#{p.draft_id}</a>)' if p.draft_id is not None else ""
        applied = viewer.when(p.applied_at) if p.applied_at is not None else t(lang, "no")
        cells = [f"{p.version_id}{draft}", str(p.effective_from), t(lang, f"action_{p.action}"),
                 f"{escape(p.published_by)} ({escape(p.role)})", viewer.when(p.published_at), applied,
                 "—" if p.previous_version_id is None else str(p.previous_version_id), escape(p.reason)]
        rows.append(f'<tr data-publication="{p.id}">' + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return (f'<table id="manifest" class="figures"><thead><tr>{head}</tr></thead><tbody>{"".join(rows)}'
            "</tbody></table>")


def _roll_back(viewer: Viewer, version: ScheduleVersion, verdict: Verdict, today: date) -> str:
    lang = viewer.lang
    if version.is_live:
        return t(lang, "col_live")
    if not verdict.allowed:
        return f'<span class="refused">{escape(refusal_text(lang, verdict))}</span>'
    return (f'<form method="post" class="act" action="{PREFIX}/versions/{version.id}/roll-back">'
            f'{csrf_field(viewer.csrf_token)}<input type="date" name="service_date" value="{today.isoformat()}" '
            f'required aria-label="{t(lang, "service_date")}"><input type="text" name="reason" maxlength="1000" '
            f'aria-label="{t(lang, "reason")}" placeholder="{t(lang, "reason")}">'
            f'<button type="submit">{t(lang, "act_roll_back")}</button></form>')


def versions_page(viewer: Viewer, live: LiveState, publications: Sequence[Publication],
                  versions: Sequence[ScheduleVersion], verdicts: Mapping[int, Verdict], today: date,
                  done: str) -> str:
    """``verdicts``: what ``decide_roll_back`` answers the viewer for each version."""
    lang = viewer.lang
    head = "".join(f"<th>{t(lang, k)}</th>" for k in ("col_version", "col_source", "col_imported", "col_service",
                                                       "col_trips", "col_action"))
    rows = "".join(
        f'<tr data-version="{v.id}"><td>{v.id}</td><td>{escape(v.source)}</td><td>{viewer.when(v.imported_at)}</td>'
        f'<td>{v.service_start or "—"} – {v.service_end or "—"}</td><td>{v.summary.get("trips", "—")}</td>'
        f"<td>{_roll_back(viewer, v, verdicts[v.id], today)}</td></tr>" for v in reversed(versions))
    done_note = f'<p class="message" role="status" id="done">{t(lang, "done_" + done)}</p>' if done else ""
    body = (f'<p><a href="{PREFIX}/drafts">{t(lang, "drafts_title")}</a></p><h1>{t(lang, "versions_title")}</h1>'
            f'{done_note}<div class="card">{live_line(viewer, live)}</div>'
            f"{_manifest(viewer, publications)}"
            f'<h2>{t(lang, "col_version")}</h2><table id="versions" class="figures"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")
    return viewer.page(TEXTS[lang]["versions_title"], body, f"{PREFIX}/versions")
