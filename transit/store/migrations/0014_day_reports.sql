-- A service day's schedule adherence and headway regularity as the console
-- computed them (issue 14, page loads): from the day's stop events against
-- one schedule version's timetable, with the events' count and last write at
-- the time (what changes when the events do: the report is then stale and
-- computed again). Any process reads a day back in milliseconds instead of
-- computing it from its events (seconds on the demo city). The report is the
-- console's own JSON (transit.api.console.report_forms), kept as bytes.
CREATE TABLE console_day_reports (
    service_date date NOT NULL,
    version_id bigint NOT NULL REFERENCES schedule_versions (id) ON DELETE CASCADE,
    events integer NOT NULL,
    events_last_s double precision,  -- last write of the day's events, Unix seconds; NULL with none
    computed_at timestamptz NOT NULL,
    report bytea NOT NULL,
    PRIMARY KEY (service_date, version_id)
);
