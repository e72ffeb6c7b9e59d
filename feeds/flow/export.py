"""``transit flow export --day D --out DIR``: a built day as files for planners.

Tables as CSV and Parquet (``stop_bins``, ``segment_loads``, ``peak_load_points``;
``od_stops`` per line and hour of boarding, ``od_zones`` over all lines per hour,
``zones`` (which stop is in which zone), ``transfers``), and per line two plots, each as PNG and SVG: the load profile of each direction in
its peak hour (riders across each segment), and boardings per stop and hour (a
heat map). Times in the tables are seconds of the service day (``bin_start``) or
ISO 8601 local (``departure``).
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
import pandas as pd

from transit.flow.peaks import PeakLoadPoint, SegmentHour, hourly_loads
from transit.flow.loads import SegmentLoad, StopFlow
from transit.flow.od import OdFlow
from transit.flow.transfers import TransferFlow
from transit.flow.zones import ZoneOd, zone_od
from transit.model.network import Network


class BadZoneFile(ValueError):
    """A zone file that cannot be used, with the file and line at fault."""


def read_zone_file(path: Path) -> dict[str, str]:
    """stop_id -> zone from a CSV with (at least) the columns ``stop_id`` and ``zone``."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            rows = csv.DictReader(file)
            missing = {"stop_id", "zone"} - set(rows.fieldnames or ())
            if missing:
                raise BadZoneFile(f"{path}: no column {', '.join(sorted(missing))} "
                                  f"(a zone file has the columns stop_id,zone)")
            zones: dict[str, str] = {}
            for line, row in enumerate(rows, start=2):
                stop_id, zone = (row["stop_id"] or "").strip(), (row["zone"] or "").strip()
                if not stop_id or not zone:
                    raise BadZoneFile(f"{path}, line {line}: a stop_id and a zone are both needed")
                if zones.setdefault(stop_id, zone) != zone:
                    raise BadZoneFile(f"{path}, line {line}: stop {stop_id} is already in zone "
                                      f"{zones[stop_id]!r}, not {zone!r}")
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise BadZoneFile(f"{path}: cannot be read as a UTF-8 CSV ({exc})") from None
    return zones


def write_od_tables(out: Path, od: Sequence[OdFlow], zones: Mapping[str, str],
                    transfers: Sequence[TransferFlow]) -> list[Path]:
    """``od_stops``, ``od_zones`` (raises ``UnzonedStops`` before writing
    anything if ``zones`` misses a stop), ``zones`` and ``transfers``."""
    return _write_frames(out, {
        "od_stops": pd.DataFrame([asdict(r) for r in od], columns=list(OdFlow.__slots__)),
        "od_zones": pd.DataFrame([asdict(z) for z in zone_od(od, zones)], columns=list(ZoneOd.__slots__)),
        "zones": pd.DataFrame(sorted(zones.items()), columns=["stop_id", "zone"]),
        "transfers": pd.DataFrame([asdict(t) for t in transfers], columns=list(TransferFlow.__slots__)),
    })


def write_tables(out: Path, stops: Sequence[StopFlow], loads: Sequence[SegmentLoad],
                 peaks: Sequence[PeakLoadPoint], timezone: str) -> list[Path]:
    """CSV and Parquet of each table; returns the files written."""
    return _write_frames(out, {
        "stop_bins": pd.DataFrame([asdict(s) for s in stops]),
        "segment_loads": _with_local_departures(pd.DataFrame([asdict(s) for s in loads]), timezone),
        "peak_load_points": pd.DataFrame([asdict(p) for p in peaks]),
    })


def _write_frames(out: Path, frames: Mapping[str, pd.DataFrame]) -> list[Path]:
    written = []
    for name, frame in frames.items():
        for path, write in ((out / f"{name}.csv", frame.to_csv), (out / f"{name}.parquet", frame.to_parquet)):
            write(path, index=False)
            written.append(path)
    return written


def _with_local_departures(frame: pd.DataFrame, timezone: str) -> pd.DataFrame:
    if not frame.empty:
        frame["departure"] = pd.to_datetime(frame["departure"], unit="s", utc=True).dt.tz_convert(timezone)
    return frame


def write_line_plots(out: Path, network: Network, stops: Sequence[StopFlow],
                     loads: Sequence[SegmentLoad], peaks: Sequence[PeakLoadPoint]) -> list[Path]:
    """Per line: ``profile-{route}`` and ``heatmap-{route}``, PNG and SVG."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display on a server
    from matplotlib import pyplot as plt

    hourly = hourly_loads(loads, network.timezone)  # once, not per line and peak
    written: list[Path] = []
    for route_id in sorted({p.route_id for p in peaks}):
        line_peaks = [p for p in peaks if p.route_id == route_id]
        figures = {
            f"profile-{route_id}": _profile_figure(plt, route_id, line_peaks, hourly),
            f"heatmap-{route_id}": _heatmap_figure(plt, route_id, [s for s in stops if s.route_id == route_id]),
        }
        for name, figure in figures.items():
            for suffix in ("png", "svg"):
                path = out / f"{name}.{suffix}"
                figure.savefig(path, dpi=110)
                written.append(path)
            plt.close(figure)
    return written


def _profile_figure(plt, route_id: str, peaks: Sequence[PeakLoadPoint],
                    hourly: Mapping[SegmentHour, float]):
    figure, axes = plt.subplots(len(peaks), 1, figsize=(9, 2.6 * len(peaks)), squeeze=False)
    for ax, peak in zip(axes[:, 0], peaks):
        segments: dict[int, float] = {}
        for (route, direction, segment, _, _, hour), load in hourly.items():
            if (route, direction, hour) == (route_id, peak.direction_id, peak.hour):
                segments[segment] = segments.get(segment, 0.0) + load
        xs = sorted(segments)
        ax.bar(xs, [segments[x] for x in xs], color="#3a6ea5")
        ax.set_title(f"line {route_id} direction {peak.direction_id}: load in its peak hour "
                     f"{peak.hour:02d}:00-{peak.hour + 1:02d}:00", fontsize=9)
        ax.set_xlabel("segment (stop index along the line)")
        ax.set_ylabel("riders")
    figure.tight_layout()
    return figure


def _heatmap_figure(plt, route_id: str, stops: Sequence[StopFlow]):
    stop_ids = sorted({s.stop_id for s in stops})
    hours = sorted({s.bin_start // 3600 for s in stops})
    grid = np.zeros((len(stop_ids), max(len(hours), 1)))
    row, column = {s: i for i, s in enumerate(stop_ids)}, {h: i for i, h in enumerate(hours)}
    for s in stops:
        grid[row[s.stop_id], column[s.bin_start // 3600]] += s.boardings
    figure, ax = plt.subplots(figsize=(9, 0.18 * len(stop_ids) + 1.5))
    image = ax.imshow(grid, aspect="auto", cmap="viridis")
    ax.set_yticks(range(len(stop_ids)), stop_ids, fontsize=6)
    ax.set_xticks(range(len(hours)), [f"{h:02d}" for h in hours], fontsize=7)
    ax.set_title(f"line {route_id}: boardings per stop and hour (both directions)", fontsize=9)
    figure.colorbar(image, ax=ax, label="boardings")
    figure.tight_layout()
    return figure
