"""What the reports' pages share: their view of the user and the lines, the
page shell, tables, the day and line chooser with the CSV link, and the
reports' index. Every text from the store, the network or the URL is escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from urllib.parse import urlencode

from transit.api.console.html import PREFIX, page
from transit.api.console.texts import TEXTS
from transit.console.users import User

REPORT_STYLE = """
.chart-box{overflow-x:auto;background:#fff;border:1px solid #d0d4da;border-radius:6px;padding:8px;margin-bottom:16px}
svg.chart{width:auto;height:auto;max-width:none;background:#fff}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
ul.days{display:flex;flex-wrap:wrap;gap:6px 14px;list-style:none;padding:0}
.level-A,.level-B{color:#0a5c36}.level-E,.level-F{color:#b91c1c;font-weight:bold}
td.health-offline,td.health-never{color:#b91c1c;font-weight:bold}td.health-online{color:#0a5c36}
td.message-text{max-width:420px;word-break:break-word}
"""

REPORTS = ("accuracy", "adherence", "regularity", "ridership")


@dataclass(frozen=True)
class ReportView:
    lang: str
    user: User
    csrf_token: str
    names: Mapping[str, str]  # route_id -> line name

    def t(self, key: str, **fields: object) -> str:
        return escape(TEXTS[self.lang][key].format(**fields))

    def words(self, key: str, **fields: object) -> str:
        """The text unescaped (for chart labels, which the chart escapes)."""
        return TEXTS[self.lang][key].format(**fields)

    def line(self, route_id: str) -> str:
        return self.names.get(route_id, route_id)

    def page(self, name: str, body: str) -> str:
        title = TEXTS[self.lang][f"report_{name}"] if name in REPORTS else TEXTS[self.lang]["reports_title"]
        path = f"{PREFIX}/reports" + (f"/{name}" if name in REPORTS else "")
        nav = f'<p><a href="{PREFIX}/reports">{self.t("reports_title")}</a></p>' if name in REPORTS else ""
        return page(self.lang, title, f"<h1>{escape(title)}</h1>{nav}{body}", path=path, user=self.user,
                    csrf_token=self.csrf_token)


def share(value: float) -> str:
    return f"{100 * value:.1f}%"


def report_url(name: str, *, csv: bool = False, **query: object) -> str:
    given = {k: v for k, v in query.items() if v not in (None, "")}
    return f"{PREFIX}/reports/{name}{'.csv' if csv else ''}" + (f"?{urlencode(given)}" if given else "")


def table(v: ReportView, table_id: str, heads: Sequence[tuple[str, bool]], rows: Iterable[Sequence[str]]) -> str:
    """``heads``: (text key, numeric); ``rows``: cells already escaped."""
    head = "".join(f'<th{" class=num" if num else ""}>{v.t(key)}</th>' for key, num in heads)
    body = "".join("<tr>" + "".join(f'<td{" class=num" if num else ""}>{cell}</td>'
                                    for cell, (_, num) in zip(row, heads)) + "</tr>" for row in rows)
    return f'<table id="{table_id}" class="figures"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def chart_box(svg: str, box_id: str) -> str:
    return f'<div class="chart-box" id="{box_id}">{svg}</div>'


def picker(v: ReportView, name: str, day: date, lines: Sequence[str] = (), line: str | None = None) -> str:
    """The day (and line) chooser, and the CSV link of what is shown."""
    choose = ""
    if lines:
        options = f'<option value="">{v.t("all_lines")}</option>' + "".join(
            f'<option value="{escape(r)}"{" selected" if r == line else ""}>{escape(v.line(r))}</option>'
            for r in lines)
        choose = f'<label for="line">{v.t("col_line")}</label><select id="line" name="line">{options}</select>'
    csv = report_url(name, csv=True, day=day.isoformat(), line=line)
    return (f'<form class="picker" method="get" action="{PREFIX}/reports/{name}">'
            f'<label for="day">{v.t("day")}</label><input type="date" id="day" name="day" value="{day.isoformat()}">'
            f'{choose}<button type="submit">{v.t("show")}</button>'
            f'<a href="{escape(csv)}" id="csv" download>{v.t("download_csv")}</a></form>')


def index_page(v: ReportView, day: date, event_days: Sequence[date], flow_days: Sequence[date]) -> str:
    items = "".join(f'<div class="card"><h2><a href="{escape(report_url(name, day=day.isoformat()))}" '
                    f'id="to-{name}">{v.t("report_" + name)}</a></h2><p>{v.t("report_" + name + "_about")}</p></div>'
                    for name in REPORTS)

    def days(found: Sequence[date], name: str) -> str:
        if not found:
            return f'<p>{v.t("none_yet")}</p>'
        return '<ul class="days">' + "".join(
            f'<li><a href="{escape(report_url(name, day=d.isoformat()))}">{d.isoformat()}</a></li>'
            for d in found) + "</ul>"

    body = (f'<p>{v.t("reports_intro")}</p>{items}<h2>{v.t("days_with_events")}</h2>{days(event_days, "adherence")}'
            f'<h2>{v.t("days_with_flow")}</h2>{days(flow_days, "ridership")}')
    return v.page("index", body)
