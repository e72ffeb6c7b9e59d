-- Reports by time of receipt, for rebuilding today's live state after a restart
-- (transit/live/restore.py). BRIN: the table is appended in receipt order, so a
-- block range index finds a day's reports at almost no cost to ingest.
CREATE INDEX vehicle_reports_received_at ON vehicle_reports USING brin (received_at);
