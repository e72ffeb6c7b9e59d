"""The classic MDVSP benchmark format (``.inp``, Carpaneto et al. 1989; Pepin et
al. 2009): text in, a blocking network out. Reading the file or zip is the
caller's job (the CLI, the benchmark script).

Whitespace-separated integers: the number of depots m, the number of trips n,
the m depot capacities, then an (m + n) x (m + n) cost matrix, depots first:
depot -> trip is a pull-out, trip -> depot a pull-in, trip -> trip a
connection; -1 means the move is not allowed; depot -> depot is unused.
"""

from __future__ import annotations

import numpy as np

from optimizer.blocks.network import BlockingNetwork, Depot, make_network


class MdvspFormatError(ValueError):
    """A malformed ``.inp`` text; the message names the line and what was expected."""


def parse_mdvsp(text: str) -> BlockingNetwork:
    numbers, lines = _integers(text)
    if len(numbers) < 2:
        raise MdvspFormatError("expected the number of depots and of trips first, found "
                               f"{len(numbers)} number(s)")
    m, n = numbers[0], numbers[1]
    if m < 1 or n < 1:
        raise MdvspFormatError(f"line {lines[0]}: {m} depots and {n} trips: both must be at least 1")
    size = m + n
    expected = 2 + m + size * size
    if len(numbers) != expected:
        where = f"ends at line {lines[-1]}" if lines else "is empty"
        raise MdvspFormatError(
            f"{m} depots and {n} trips need {expected} numbers (2 sizes, {m} capacities, a "
            f"{size} x {size} matrix); the text has {len(numbers)} and {where}")
    matrix = np.array(numbers[2 + m:], dtype=np.int64).reshape(size, size)
    below = np.argwhere(matrix < -1)
    if below.size:
        row, col = (int(v) for v in below[0])
        position = 2 + m + row * size + col
        raise MdvspFormatError(f"line {lines[position]}: cost {matrix[row, col]} at row {row + 1}, "
                               f"column {col + 1}: costs are 0 or more, -1 marks a move not allowed")
    trips = matrix[m:, m:]
    loops = np.flatnonzero(np.diagonal(trips) >= 0)
    if loops.size:
        trip = int(loops[0])
        raise MdvspFormatError(f"trip {trip + 1} may follow itself (row {m + trip + 1}, column "
                               f"{m + trip + 1} is {trips[trip, trip]}, not -1)")
    follow_from, follow_to = np.nonzero(trips >= 0)
    connections = np.column_stack([follow_from, follow_to, trips[follow_from, follow_to]])
    depots = tuple(Depot(f"D{k + 1}", numbers[2 + k]) for k in range(m))
    return make_network(tuple(f"T{i + 1}" for i in range(n)), depots, matrix[:m, m:], matrix[m:, :m],
                        connections)


def _integers(text: str) -> tuple[list[int], list[int]]:
    """Every integer of the text, and the 1-based line each one is on."""
    numbers: list[int] = []
    lines: list[int] = []
    for line_number, line in enumerate(text.splitlines(), start=1):
        for token in line.split():
            try:
                numbers.append(int(token))
            except ValueError:
                raise MdvspFormatError(f"line {line_number}: {token[:20]!r} is not a whole number") from None
            lines.append(line_number)
    return numbers, lines
