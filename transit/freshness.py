"""Is live data fresh? The one answer every channel uses (STYLE.md habit 12).

A bus heard from, or a prediction made, within ``LIVE_MAX_AGE_S`` is live:
shown on /api/vehicles, in the GTFS-RT feeds, on lines and signs. Older, it is
withdrawn and the timetable (marked as such) shows instead; a silent bus is
never shown as if it were running.
"""

from __future__ import annotations

LIVE_MAX_AGE_S = 300.0


def is_fresh(heard_at: float, now: float) -> bool:
    """Whether something heard (or made) at ``heard_at`` is still live at ``now``."""
    return now - heard_at <= LIVE_MAX_AGE_S
