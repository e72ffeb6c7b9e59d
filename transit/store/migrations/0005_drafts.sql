-- Draft schedule versions (issue 13): a service day rebuilt from new timetables,
-- as the GTFS zip it would publish, with its KPIs and its diff against the live
-- version frozen at creation, waiting for a dispatcher (issue 14's console moves
-- it through the states). A draft keeps the version it was built from.
CREATE TABLE timetable_drafts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now(),
    base_version_id bigint NOT NULL REFERENCES schedule_versions (id),
    status text NOT NULL DEFAULT 'draft'
        CHECK (status IN ('draft', 'validated', 'approved', 'published', 'superseded')),
    scenario text NOT NULL,
    params jsonb NOT NULL DEFAULT '{}',
    feed_zip bytea NOT NULL,
    kpis jsonb NOT NULL DEFAULT '{}',
    diff jsonb NOT NULL DEFAULT '{}',
    created_by text NOT NULL DEFAULT '',
    notes jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX timetable_drafts_base_version ON timetable_drafts (base_version_id);
