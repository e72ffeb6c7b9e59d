"""The transit network as plain immutable data, built once from GTFS; no I/O here."""

from transit.model.network import (
    Network,
    Pattern,
    Route,
    ServiceCalendar,
    Shape,
    Stop,
    Trip,
)

__all__ = ["Network", "Pattern", "Route", "ServiceCalendar", "Shape", "Stop", "Trip"]
