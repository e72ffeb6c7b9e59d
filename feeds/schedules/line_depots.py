"""Line-depots files: which depot runs which line, what a console role scoped
to depots reaches (``transit.console.line_depots``).

A CSV file, UTF-8, one line-depot pair a row under the header
``route_id,depot`` (a line run from two depots is listed twice)::

    route_id,depot
    L01,Wangyi
    L02,Yintai

Every problem of a file is reported at once, each naming the row, and
nothing is used from a file with a problem.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from feeds.schedules.depots import DepotsFileError, DepotSite
from transit.console.line_depots import LineDepots, nearest_depots
from transit.model.network import Network

COLUMNS = ("route_id", "depot")
# A depot this far from every terminal of a line is taken to run none of it.
# The demo city's farthest line ends 3.4 km from its nearest depot; another
# city lies tens of kilometres or more from the demo's depots.
DEPOT_REACH_M = 5_000.0


def derived_line_depots(network: Network, sites: tuple[DepotSite, ...]) -> LineDepots:
    """Each line's nearest depot to its terminals, within ``DEPOT_REACH_M``."""
    return nearest_depots(network, {d.name: (d.lat, d.lon) for d in sites}, DEPOT_REACH_M)


def read_line_depots(path: Path) -> list[tuple[str, str]]:
    """(route_id, depot) pairs; raises ``DepotsFileError`` listing every problem."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise DepotsFileError(str(path), [f"cannot read it: {exc}"]) from None
    return parse_line_depots(text, str(path))


def parse_line_depots(text: str, source: str) -> list[tuple[str, str]]:
    rows = list(csv.reader(io.StringIO(text)))
    header = [c.strip() for c in rows[0]] if rows else []
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise DepotsFileError(source, [f"line 1: the header lacks {', '.join(missing)} (expected route_id,depot)"])
    pairs: list[tuple[str, str]] = []
    problems = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        fields = dict(zip(header, (cell.strip() for cell in row)))
        route_id, depot = fields.get("route_id", ""), fields.get("depot", "")
        empty = [c for c, value in (("route_id", route_id), ("depot", depot)) if not value]
        if empty:
            problems.append(f"line {number}: {' and '.join(empty)} empty")
        elif (route_id, depot) in pairs:
            problems.append(f"line {number}: line {route_id} and depot {depot} are listed twice")
        else:
            pairs.append((route_id, depot))
    if not pairs and not problems:
        problems.append("no line in it: give at least one row route_id,depot")
    if problems:
        raise DepotsFileError(source, problems)
    return pairs
