"""GTFS-Realtime at the edge: the VehiclePositions feed we publish, and the
poller that reads other operators' VehiclePositions into our report records."""
