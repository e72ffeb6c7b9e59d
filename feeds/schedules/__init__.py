"""Stored schedules at the edge of the blocking engine: a typical day of a
version as a ``BlockingInput`` (terminals, straight-line deadheads, depots),
the figures to compare blockings by, the new blocks written back as GTFS
block_ids with TODS deadheads, and ``transit blocks --version``."""
