-- POS readers that push taps live (issue 11, item 1). Each has its own id and
-- secret key; only the key's SHA-256 is kept (the keys are 256-bit random
-- tokens, printed once at creation): the table alone lets nobody push. A
-- reader pushes taps for the bus it is mounted on, and no other. Disabling
-- keeps the row (who it was, when it stopped); the audit log has every change.
CREATE TABLE pos_readers (
    reader_id text PRIMARY KEY CHECK (reader_id ~ '^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$'),
    vehicle_id text NOT NULL CHECK (vehicle_id <> ''),
    key_hash text NOT NULL CHECK (key_hash ~ '^[0-9a-f]{64}$'),
    created_at timestamptz NOT NULL,
    disabled_at timestamptz
);
CREATE INDEX pos_readers_vehicle ON pos_readers (vehicle_id);

-- The reader that pushed a tap live (none: a back-office file, the demo's
-- simulator). Such a tap went live on arrival, position or not, so a restart
-- replays it (store.taps.list_live_taps). No foreign key: readers are never
-- deleted, and the tap path takes no extra lookup per row.
ALTER TABLE taps ADD COLUMN reader_id text;
