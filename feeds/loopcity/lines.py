"""The loop city's lines: polylines on a 500 m street grid (local metres, x
east, y north), a stop at every grid node they pass. A stop belongs to its
node, so lines (and the two passes of a line) sharing a street share its stops."""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum

LAT0, LON0 = 34.98, 108.95
M_PER_DEG_LAT = 110_574.0
M_PER_DEG_LON = 111_320.0 * math.cos(math.radians(LAT0))
GRID_M = 500.0


class LineKind(Enum):
    LOOP = "loop"  # round the loop and back to the stop it left
    OUT_AND_BACK = "out_and_back"  # out along a street, turn, back along it
    ORDINARY = "ordinary"  # terminal to terminal, both directions


@dataclass(frozen=True)
class Line:
    line_id: str
    short_name: str
    kind: LineKind
    corners: tuple[tuple[float, float], ...]  # the path's turning points, grid-aligned


@dataclass(frozen=True)
class Pattern:
    """One direction of a line: stop nodes, their distances, and the shape."""

    line_id: str
    direction: int
    stops: tuple[tuple[int, int], ...]  # grid nodes (column, row)
    stop_dist_m: tuple[float, ...]
    shape: tuple[tuple[float, float, float], ...]  # (x, y, metres along)


LINES = (
    # Clockwise round a 3 x 2 km block, from and back to the middle of its south side.
    Line("R1", "环1路", LineKind.LOOP,
         ((1500, 0), (0, 0), (0, 2000), (3000, 2000), (3000, 0), (1500, 0))),
    # North along one street across the loop, and back down it.
    Line("R2", "2路", LineKind.OUT_AND_BACK, ((2000, -1500), (2000, 3500), (2000, -1500))),
    # Along the loop's south side, the same way as the loop in direction 1.
    Line("R3", "3路", LineKind.ORDINARY, ((-2000, 0), (5000, 0))),
    # Along the loop's west side.
    Line("R4", "4路", LineKind.ORDINARY, ((0, -2000), (0, 4000))),
    # West to east north of the loop, then south down its east side.
    Line("R5", "5路", LineKind.ORDINARY, ((-2000, 3000), (3000, 3000), (3000, -1500))),
)


def to_lat_lon(x: float, y: float) -> tuple[float, float]:
    return LAT0 + y / M_PER_DEG_LAT, LON0 + x / M_PER_DEG_LON


def build_patterns(line: Line) -> tuple[Pattern, ...]:
    """Direction 0 along the corners; an ordinary line also runs them backwards."""
    paths = [line.corners] if line.kind is not LineKind.ORDINARY else [line.corners, line.corners[::-1]]
    return tuple(_pattern(line.line_id, d, path) for d, path in enumerate(paths))


def _pattern(line_id: str, direction: int, corners: tuple[tuple[float, float], ...]) -> Pattern:
    shape = [(corners[0][0], corners[0][1], 0.0)]
    for (ax, ay), (bx, by) in zip(corners, corners[1:]):
        length = math.hypot(bx - ax, by - ay)
        steps = round(length / GRID_M)
        for k in range(1, steps + 1):
            x, y = ax + (bx - ax) * k / steps, ay + (by - ay) * k / steps
            shape.append((x, y, shape[-1][2] + length / steps))
    stops = tuple((round(x / GRID_M), round(y / GRID_M)) for x, y, _ in shape)
    return Pattern(line_id, direction, stops, tuple(d for _, _, d in shape), tuple(shape))
