"""GTFS Schedule in and out: checking a feed, building the network model, exporting."""
