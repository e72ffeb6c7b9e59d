-- Timetable approval in the console (issue 14, item 4): a draft may now be
-- rejected; the version a published draft became; what an approver approved
-- (the KPIs and diff as they stood, frozen with the approval); and the
-- publication manifest: which version was made live, from which service day,
-- by whom, replacing which.
ALTER TABLE timetable_drafts DROP CONSTRAINT timetable_drafts_status_check;
ALTER TABLE timetable_drafts ADD CONSTRAINT timetable_drafts_status_check
    CHECK (status IN ('draft', 'validated', 'approved', 'published', 'superseded', 'rejected'));
ALTER TABLE timetable_drafts ADD COLUMN published_version_id bigint REFERENCES schedule_versions (id);

CREATE TABLE draft_approvals (
    draft_id bigint PRIMARY KEY REFERENCES timetable_drafts (id),
    approved_at timestamptz NOT NULL,
    approved_by text NOT NULL,
    role text NOT NULL,
    live_version_id bigint NOT NULL REFERENCES schedule_versions (id),
    kpis jsonb NOT NULL,
    diff jsonb NOT NULL,
    reason text NOT NULL DEFAULT ''
);

-- One row per publication or roll-back. A row dated today takes effect at
-- once (applied_at); one dated later when the service starts on or after its
-- day. previous_version_id is the version live just before it took effect.
CREATE TABLE schedule_publications (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    version_id bigint NOT NULL REFERENCES schedule_versions (id),
    effective_from date NOT NULL,
    published_at timestamptz NOT NULL,
    published_by text NOT NULL,
    role text NOT NULL,
    action text NOT NULL CHECK (action IN ('publish', 'roll_back')),
    draft_id bigint REFERENCES timetable_drafts (id),
    applied_at timestamptz,
    previous_version_id bigint REFERENCES schedule_versions (id),
    reason text NOT NULL DEFAULT '',
    CHECK ((action = 'publish') = (draft_id IS NOT NULL))
);
CREATE INDEX schedule_publications_pending ON schedule_publications (effective_from, id) WHERE applied_at IS NULL;

-- A draft's page lists the audit entries about it.
CREATE INDEX audit_log_object ON audit_log (object_type, object_id);
