"""A GTFS feed loaded for import: checked, built into the model, summarised."""

from __future__ import annotations

import hashlib
import tempfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import gtfs_kit

from transit.gtfs.build import Progress, build_network
from transit.gtfs.problems import FeedProblem, InvalidFeed, Level
from transit.gtfs.tables import Tables, read_tables
from transit.gtfs.validate import check_feed
from transit.model.network import Network


@dataclass(frozen=True)
class LoadedFeed:
    source: str
    sha256: str
    data: bytes
    network: Network
    warnings: tuple[FeedProblem, ...]
    start: date | None
    end: date | None

    def summary(self) -> dict[str, int]:
        network = self.network
        return {
            "stops": len(network.stops),
            "routes": len(network.routes),
            "patterns": len(network.patterns),
            "trips": len(network.trips),
            "shapes": len(network.shapes),
            "blocks": len(network.trips_by_block),
            "services": len(network.calendars),
        }


def load_feed(data: bytes, source: str, progress: Progress | None = None) -> LoadedFeed:
    """Check and build a feed; raises ``InvalidFeed`` listing every error."""
    tables, problems = read_tables(data, source)
    note = progress or (lambda _step: None)
    note("read")
    if not any(p.level is Level.ERROR for p in problems):
        problems += check_feed(tables)
    note("checked")
    if any(p.level is Level.ERROR for p in problems):
        raise InvalidFeed(source, problems)
    network = build_network(tables, progress)
    start, end = _service_range(network)
    return LoadedFeed(
        source=source,
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        network=network,
        warnings=tuple(problems),
        start=start,
        end=end,
    )


def load_feed_file(path: Path, progress: Progress | None = None) -> LoadedFeed:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InvalidFeed(str(path), [FeedProblem(path.name, None, None, None, str(exc))]) from exc
    return load_feed(data, path.name, progress)


def _service_range(network: Network) -> tuple[date | None, date | None]:
    days: list[date] = []
    for calendar in network.calendars.values():
        days += [d for d in (calendar.start, calendar.end) if d is not None]
        days += list(calendar.added)
    return (min(days), max(days)) if days else (None, None)


def export_feed(data: bytes, out: Path) -> Path:
    """Write a stored version back out as a GTFS zip, normalised by gtfs-kit."""
    with tempfile.TemporaryDirectory() as scratch:
        source = Path(scratch) / "stored.zip"
        source.write_bytes(data)
        feed = gtfs_kit.read_feed(source, dist_units="m")
        out.parent.mkdir(parents=True, exist_ok=True)
        feed.to_file(out)
    return out


def read_raw_tables(data: bytes, source: str) -> Tables:
    """Raw tables of a feed known to be readable (a stored version)."""
    tables, problems = read_tables(data, source)
    if problems:
        raise InvalidFeed(source, problems)
    return tables
