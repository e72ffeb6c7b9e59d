-- A sign operator's messages to passengers (issue 14, item 6): to one sign, a
-- line's signs or every sign, shown on the signs, stop pages and app until
-- they expire or are withdrawn. Times are the service's clock (the demo's
-- simulated one); each send and withdrawal has its audit entry.
CREATE TABLE sign_messages (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target_kind text NOT NULL CHECK (target_kind IN ('sign', 'line', 'all')),
    target_id text NOT NULL,  -- the sign id or route id; '' for every sign
    text text NOT NULL,
    sent_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    sent_by text NOT NULL,
    sent_as text NOT NULL,  -- the role it was sent as
    withdrawn_at timestamptz,
    withdrawn_by text,
    CHECK ((target_kind = 'all') = (target_id = '')),
    -- The console checks the same; this holds for any other writer.
    CHECK (char_length(text) BETWEEN 1 AND 140 AND text !~ '[[:cntrl:]]'),
    CHECK (expires_at > sent_at),
    CHECK ((withdrawn_at IS NULL) = (withdrawn_by IS NULL))
);
-- What the service loads every few seconds: the messages not withdrawn nor expired.
CREATE INDEX sign_messages_showing ON sign_messages (expires_at) WHERE withdrawn_at IS NULL;
