"""Passenger flow from fare taps (issue 11): boarding stops, reader clocks,
alighting stops by trip chaining, expanded loads (``day.infer_flow``), and the
origin-destination matrices (``od``, ``zones``) and transfers (``transfers``)
derived from them. Pure."""
