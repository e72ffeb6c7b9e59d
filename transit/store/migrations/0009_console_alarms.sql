-- The console's alarms (issue 14, item 3): each condition the detector finds
-- (bunching, gapping, off route, silent terminal, early departure, sign
-- offline) is one alarm while it lasts: triggered, acknowledged by a
-- dispatcher with a note, resolved. And each line's own headway thresholds.
CREATE TABLE alarms (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind text NOT NULL CHECK (kind IN ('bunching', 'gapping', 'off_route', 'silent_terminal',
                                       'early_departure', 'sign_offline')),
    key text NOT NULL,  -- the condition's key: the same while it lasts
    route_ids text[] NOT NULL DEFAULT '{}',
    subject text NOT NULL,  -- the vehicle, trip or sign
    details jsonb NOT NULL DEFAULT '{}',
    triggered_at timestamptz NOT NULL,
    acknowledged_at timestamptz,
    acknowledged_by text,
    acknowledged_as text,
    note text NOT NULL DEFAULT '',
    resolved_at timestamptz,
    CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL)),
    CHECK ((acknowledged_at IS NULL) = (acknowledged_as IS NULL))
);
-- One open alarm per condition.
CREATE UNIQUE INDEX alarms_open_key ON alarms (key) WHERE resolved_at IS NULL;
CREATE INDEX alarms_resolved_at ON alarms (resolved_at);

-- A line without a row here takes the defaults (75% and 125%).
CREATE TABLE line_alarm_thresholds (
    route_id text PRIMARY KEY,
    bunching double precision NOT NULL CHECK (bunching > 0 AND bunching < 1),
    gapping double precision NOT NULL CHECK (gapping > 1 AND gapping <= 10),
    changed_at timestamptz NOT NULL,
    changed_by text NOT NULL
);
