"""A service day's event reports (``report_data.EventReports``) as bytes to
keep in PostgreSQL (``console_day_reports``) and back, equal to what was
computed: every call's delay by cell (the cells' counts are worked out when
a page asks, as for a fresh computation), the per-line counts and the
regularity rows. JSON by orjson: a day of the demo city (63,000 calls,
25,000 cells) is about 1.7 MB and reads back in about 0.1 s (a loaded
2-core machine), against seconds to compute.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson

from transit.console.adherence import DelayCount, Delays
from transit.console.regularity import LineRegularity

FORM = 1  # bumped when the form changes: a stored report of another form is computed again


class BadStoredReport(ValueError):
    """Stored report bytes that do not read back (what is wrong)."""


def report_bytes(day: date, events: int, delays: Delays, lines: dict[str, DelayCount],
                 regularity: tuple[LineRegularity, ...], computed_at: float) -> bytes:
    return orjson.dumps({
        "form": FORM, "day": day.isoformat(), "events": events, "computed_at": computed_at,
        "unmatched": delays.unmatched,
        "cells": [[*key, found] for key, found in delays.by_cell.items()],
        "lines": [[route_id, *_count(c)] for route_id, c in lines.items()],
        "regularity": [[r.route_id, r.direction_id, r.headways, r.mean_actual_s, r.mean_scheduled_s, r.cv_h,
                        r.within, r.bunched, r.gapped] for r in regularity],
    })


def _count(c: DelayCount) -> list[Any]:
    return [c.calls, c.early, c.on_time, c.late, c.median_s, c.p90_s]


Parts = tuple[date, int, Delays, dict[str, DelayCount], tuple[LineRegularity, ...], float]


def report_parts(data: bytes) -> Parts | None:
    """(day, events, delays, lines, regularity, computed_at) from ``report_bytes``;
    None for a report of another form; raises ``BadStoredReport``."""
    try:
        stored = orjson.loads(data)
        if stored.get("form") != FORM:
            return None
        by_cell = {(c[0], c[1], c[2], c[3]): c[4] for c in stored["cells"]}
        lines = {row[0]: DelayCount(*row[1:]) for row in stored["lines"]}
        regularity = tuple(LineRegularity(*row) for row in stored["regularity"])
        return (date.fromisoformat(stored["day"]), stored["events"], Delays(by_cell, stored["unmatched"]), lines,
                regularity, stored["computed_at"])
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError, IndexError, AttributeError) as exc:
        raise BadStoredReport(f"a stored day report does not read back: {exc!r}") from None
