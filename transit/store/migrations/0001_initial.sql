-- Schedule versions: every imported GTFS feed, normalized and zipped; at most one live.
CREATE TABLE schedule_versions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    imported_at timestamptz NOT NULL DEFAULT now(),
    source text NOT NULL,
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    feed_zip bytea NOT NULL,
    summary jsonb NOT NULL DEFAULT '{}',
    service_start date,
    service_end date,
    is_live boolean NOT NULL DEFAULT false,
    CHECK (service_start IS NULL OR service_end IS NULL OR service_start <= service_end)
);
CREATE UNIQUE INDEX schedule_versions_one_live ON schedule_versions (is_live) WHERE is_live;

-- Every accepted GPS fix, whatever its feed (append only, written by COPY).
CREATE TABLE vehicle_reports (
    vehicle_id text NOT NULL,
    ts timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    speed_mps real,
    bearing real,
    source text NOT NULL
);
CREATE INDEX vehicle_reports_vehicle_ts ON vehicle_reports (vehicle_id, ts);

-- Arrival and departure of a trip at a stop; a later correction replaces the row.
CREATE TABLE stop_events (
    service_date date NOT NULL,
    trip_id text NOT NULL,
    stop_sequence integer NOT NULL,
    stop_id text NOT NULL,
    vehicle_id text NOT NULL,
    arrival timestamptz,
    departure timestamptz,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (service_date, trip_id, stop_sequence)
);

-- Fare payments on board; account_hash is the keyed hash, never the card number.
CREATE TABLE taps (
    tap_id text PRIMARY KEY,
    vehicle_id text NOT NULL,
    ts timestamptz NOT NULL,
    medium text NOT NULL CHECK (medium IN ('card', 'wechat', 'alipay')),
    account_hash text NOT NULL,
    lat double precision NOT NULL,
    lon double precision NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE INDEX taps_vehicle_ts ON taps (vehicle_id, ts);
CREATE INDEX taps_ts ON taps (ts);
