"""What can make trips impossible to block, as data (the transitland-lib way).

Error policy: every problem is an error that stops the solve before any solver
runs, so the operator gets the reason in the input's own terms (a trip, a depot,
a pair of places, a number of vehicles) instead of a bare solver status. All
problems found are reported together, not just the first.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass


class Code(enum.StrEnum):
    DUPLICATE_ID = "duplicate_id"
    UNKNOWN_PLACE = "unknown_place"
    DEPOT_WITHOUT_CAPACITY = "depot_without_capacity"
    TRIP_ENDS_BEFORE_START = "trip_ends_before_start"
    DEADHEAD_MISSING = "deadhead_missing"
    BAD_DEADHEAD = "bad_deadhead"
    BAD_WAIT_CAP = "bad_wait_cap"
    CONNECTION_CYCLE = "connection_cycle"
    TRIP_UNREACHABLE = "trip_unreachable"
    TRIP_STRANDED = "trip_stranded"
    FLEET_OVER_CAPACITY = "fleet_over_capacity"
    DEPOT_SHORT = "depot_short"
    UNTYPED = "untyped"


@dataclass(frozen=True, slots=True)
class InputProblem:
    code: Code
    message: str
    trip_id: str | None = None
    depot_id: str | None = None
    shortfall: int | None = None  # vehicles missing, where the problem is a count

    def __str__(self) -> str:
        return f"{self.code.value}: {self.message}"


class InvalidBlockingInput(Exception):
    """Trips that cannot be blocked; carries every problem found."""

    def __init__(self, problems: list[InputProblem]) -> None:
        self.problems = problems
        shown = "\n  ".join(str(p) for p in problems[:20])
        more = f"\n  ... and {len(problems) - 20} more" if len(problems) > 20 else ""
        super().__init__(f"{len(problems)} problem(s), no blocks made:\n  {shown}{more}")


def raise_if_any(problems: list[InputProblem]) -> None:
    if problems:
        raise InvalidBlockingInput(problems)


def listing(items: list[str], limit: int = 5) -> str:
    """``a, b, c`` or ``a, b, c and 7 more``: messages stay readable on big inputs."""
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit} more"
