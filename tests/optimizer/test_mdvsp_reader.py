"""The ``.inp`` reader: a network out of good text, a sentence naming the line out of bad."""

from __future__ import annotations

import contextlib

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from optimizer.blocks import MdvspFormatError, parse_mdvsp
from optimizer.blocks.network import NOT_ALLOWED

GOOD = """2 3 4 5
-1 -1 100 101 102
-1 -1 110 111 112
200 210 -1 7 -1
201 211 -1 -1 8
202 212 -1 -1 -1
"""


def test_a_small_instance_reads_into_pull_outs_pull_ins_and_connections() -> None:
    network = parse_mdvsp(GOOD)
    assert network.trip_ids == ("T1", "T2", "T3")
    assert [(d.depot_id, d.capacity) for d in network.depots] == [("D1", 4), ("D2", 5)]
    assert network.pull_out.tolist() == [[100, 101, 102], [110, 111, 112]]
    assert network.pull_in.tolist() == [[200, 210], [201, 211], [202, 212]]
    connections = list(zip(network.connection_from.tolist(), network.connection_to.tolist(),
                           network.connection_cost.tolist(), strict=True))
    assert connections == [(0, 1, 7), (1, 2, 8)]


@pytest.mark.parametrize(("text", "message"), [
    ("", "expected the number of depots and of trips first, found 0 number(s)"),
    ("2 3 4 5\n-1 -1 100 x 102\n", "line 2: 'x' is not a whole number"),
    ("0 3\n", "line 1: 0 depots and 3 trips: both must be at least 1"),
    ("2 3 4 5\n-1 -1 100\n", "2 depots and 3 trips need 29 numbers (2 sizes, 2 capacities, a 5 x 5 "
                             "matrix); the text has 7 and ends at line 2"),
    (GOOD.replace("201 211 -1 -1 8", "201 211 -1 -5 8"),
     "line 5: cost -5 at row 4, column 4: costs are 0 or more, -1 marks a move not allowed"),
    (GOOD.replace("200 210 -1 7 -1", "200 210 0 7 -1"),
     "trip 1 may follow itself (row 3, column 3 is 0, not -1)"),
])
def test_malformed_text_is_explained(text: str, message: str) -> None:
    with pytest.raises(MdvspFormatError) as error:
        parse_mdvsp(text)
    assert str(error.value) == message


@given(st.integers(1, 3), st.integers(1, 5), st.data())
def test_any_well_formed_matrix_reads_back(depots: int, trips: int, data: st.DataObject) -> None:
    size = depots + trips
    cells = data.draw(st.lists(st.integers(-1, 9999), min_size=size * size, max_size=size * size))
    matrix = np.array(cells).reshape(size, size)
    np.fill_diagonal(matrix[depots:, depots:], -1)
    capacities = data.draw(st.lists(st.integers(0, 50), min_size=depots, max_size=depots))
    text = f"{depots} {trips}\n{' '.join(map(str, capacities))}\n" + "\n".join(
        " ".join(map(str, row)) for row in matrix)
    network = parse_mdvsp(text)
    assert network.pull_out.tolist() == matrix[:depots, depots:].tolist()
    assert network.pull_in.tolist() == matrix[depots:, :depots].tolist()
    follows = matrix[depots:, depots:] != NOT_ALLOWED
    assert network.connection_count == int(follows.sum())
    assert [d.capacity for d in network.depots] == capacities


@given(st.text(max_size=200))
def test_any_text_is_read_or_refused_with_a_format_error(text: str) -> None:
    with contextlib.suppress(MdvspFormatError):
        parse_mdvsp(text)
