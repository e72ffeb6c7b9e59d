"""Passenger flow from fare taps (issue 11): boarding stops, reader clocks,
alighting stops by trip chaining, expanded loads. Pure; see ``day.infer_flow``."""
