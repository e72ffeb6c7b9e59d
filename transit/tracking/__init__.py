"""GPS reports to vehicle state: trip and block assignment, distance along the
shape, stop arrival and departure events. Pure: time comes with the reports."""
