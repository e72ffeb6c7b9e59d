-- Stored passenger flow of a service day (issue 11): what `transit flow build`
-- inferred from the day's taps and stop events. A rebuild replaces the day in one
-- transaction, so readers see the old day or the new one, never a mixture.
CREATE TABLE flow_days (
    service_date date PRIMARY KEY,
    version_id integer NOT NULL REFERENCES schedule_versions (id),
    built_at timestamptz NOT NULL,
    counts jsonb NOT NULL,  -- where the day's taps went (FlowCounts)
    clocks jsonb NOT NULL   -- per vehicle: the POS reader's estimated offset (s)
);

CREATE TABLE flow_stop_bins (
    service_date date NOT NULL REFERENCES flow_days ON DELETE CASCADE,
    route_id text NOT NULL,
    direction_id smallint NOT NULL,
    bin_start integer NOT NULL,  -- seconds of the service day
    stop_id text NOT NULL,
    boardings double precision NOT NULL,
    alightings double precision NOT NULL,
    PRIMARY KEY (service_date, route_id, direction_id, bin_start, stop_id)
);

CREATE TABLE flow_segment_loads (
    service_date date NOT NULL REFERENCES flow_days ON DELETE CASCADE,
    trip_id text NOT NULL,
    segment smallint NOT NULL,
    route_id text NOT NULL,
    direction_id smallint NOT NULL,
    from_stop_id text NOT NULL,
    to_stop_id text NOT NULL,
    departure timestamptz NOT NULL,
    load double precision NOT NULL,
    chained double precision NOT NULL,
    PRIMARY KEY (service_date, trip_id, segment)
);
CREATE INDEX flow_segment_loads_by_line ON flow_segment_loads (service_date, route_id, direction_id);
