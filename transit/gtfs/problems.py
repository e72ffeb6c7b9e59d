"""Problems found in a GTFS feed, as data (the transitland-lib way).

Error policy: every problem of level ERROR stops the import, so nothing is ever
half-imported and the live version stays live; WARNINGs are reported and the
feed is imported. All problems of a feed are collected, not just the first.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Level(enum.StrEnum):
    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class FeedProblem:
    file: str  # "stop_times.txt", or the zip's name for archive-level problems
    line: int | None  # 1-based line in the file, the header being line 1
    field: str | None
    value: str | None
    message: str
    level: Level = Level.ERROR
    entity_id: str | None = None

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line is not None else "")
        what = f" {self.field}={self.value!r}" if self.field else ""
        entity = f" ({self.entity_id})" if self.entity_id else ""
        return f"{self.level.value}: {where}{what}{entity}: {self.message}"


class InvalidFeed(Exception):
    """A feed with at least one ERROR; carries every problem found."""

    def __init__(self, source: str, problems: list[FeedProblem]) -> None:
        self.source = source
        self.problems = problems
        errors = [p for p in problems if p.level is Level.ERROR]
        shown = "\n  ".join(str(p) for p in errors[:20])
        more = f"\n  ... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{source}: {len(errors)} error(s), feed not imported:\n  {shown}{more}")

    @property
    def errors(self) -> list[FeedProblem]:
        return [p for p in self.problems if p.level is Level.ERROR]
