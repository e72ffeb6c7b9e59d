-- The dispatcher console (issue 14): its users, their roles over lines or depots,
-- their server sessions, and the append-only audit log of every act.
CREATE TABLE users (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{0,63}$'),
    display_name text NOT NULL,
    password_hash text NOT NULL,  -- argon2id, never the password
    created_at timestamptz NOT NULL,
    disabled_at timestamptz
);

-- One row per role and scope kind; scope_ids are route ids or depot names.
CREATE TABLE user_roles (
    user_id bigint NOT NULL REFERENCES users (id),
    role text NOT NULL
        CHECK (role IN ('viewer', 'dispatcher', 'planner', 'approver', 'sign_operator', 'admin')),
    scope_kind text NOT NULL CHECK (scope_kind IN ('all', 'lines', 'depots')),
    scope_ids text[] NOT NULL DEFAULT '{}',
    PRIMARY KEY (user_id, role, scope_kind),
    CHECK ((scope_kind = 'all') = (cardinality(scope_ids) = 0)),
    CHECK (role <> 'admin' OR scope_kind = 'all')
);

-- A session is found by the SHA-256 of its cookie's token: the table alone
-- opens no session. Disabling a user deletes their sessions.
CREATE TABLE user_sessions (
    token_hash bytea PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id),
    csrf_token text NOT NULL,
    started_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    address text NOT NULL DEFAULT ''
);
CREATE INDEX user_sessions_user ON user_sessions (user_id);
CREATE INDEX user_sessions_started ON user_sessions (started_at);

CREATE TABLE audit_log (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at timestamptz NOT NULL,
    actor text NOT NULL,
    role text NOT NULL,
    action text NOT NULL,
    object_type text NOT NULL,
    object_id text NOT NULL,
    before jsonb,
    after jsonb,
    reason text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_at ON audit_log (at);

-- Append-only: any UPDATE or DELETE statement on it is refused, whoever runs it.
CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$;
CREATE TRIGGER audit_log_append_only
    BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change();
