-- The trip a report's feed says its bus runs (GTFS-Realtime's TripDescriptor,
-- issue 10): stored with the report so that rebuilding today's state after a
-- restart (transit/live/restore.py) tracks the buses as live did. Nullable:
-- most feeds (JT/T 808) send none, and rows stored before keep being valid.
ALTER TABLE vehicle_reports
    ADD COLUMN trip_id text,
    ADD COLUMN route_id text,
    ADD COLUMN direction_id smallint CHECK (direction_id IN (0, 1)),
    ADD COLUMN start_date date;
