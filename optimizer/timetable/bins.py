"""The time axis shared by a direction's load profile and running times.

Times are GTFS service-day seconds (may pass 86 400). Bins start on a
multiple of ``bin_s`` so that hours read as clock hours (07:00-08:00).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from optimizer.timetable.errors import InputError
from transit.model.service_days import format_gtfs_time


def clock(seconds: int) -> str:
    """Service-day seconds as HH:MM (25:30 after midnight)."""
    return format_gtfs_time(seconds)[:-3]


@dataclass(frozen=True, slots=True)
class TimeBins:
    """``count`` bins of ``bin_s`` seconds from ``start_s``."""

    start_s: int
    bin_s: int
    count: int

    @classmethod
    def covering(cls, first_s: int, last_s: int, bin_s: int) -> TimeBins:
        """The fewest bins that hold every departure from ``first_s`` to ``last_s``."""
        if bin_s <= 0:
            raise InputError(f"bin_s = {bin_s}: give a bin length of 1 s or more", "bin_s")
        if last_s < first_s:
            raise InputError(f"the first departure ({clock(first_s)}) is after the last "
                             f"({clock(last_s)})", "first_last")
        start = first_s // bin_s * bin_s
        return cls(start, bin_s, (last_s - start) // bin_s + 1)

    @property
    def end_s(self) -> int:
        return self.start_s + self.count * self.bin_s

    def index(self, t: float) -> int | None:
        """The bin holding instant ``t``, None outside the axis."""
        if t < self.start_s or t >= self.end_s:
            return None
        return int((t - self.start_s) // self.bin_s)

    def label(self, b: int) -> str:
        start = self.start_s + b * self.bin_s
        return f"{clock(start)}-{clock(start + self.bin_s)}"

    def labels(self, bins: Iterable[int]) -> str:
        """Bins as clock spans, runs of consecutive bins as one: 06:00-08:00, 21:00-22:00."""
        runs: list[list[int]] = []
        for b in sorted(bins):
            if runs and runs[-1][1] == b - 1:
                runs[-1][1] = b
            else:
                runs.append([b, b])
        return ", ".join(f"{clock(self.start_s + first * self.bin_s)}-"
                         f"{clock(self.start_s + (last + 1) * self.bin_s)}" for first, last in runs)
