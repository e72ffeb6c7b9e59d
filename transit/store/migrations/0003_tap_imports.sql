-- Fare back-office files (issue 11). A tap's tap_id is its transaction id, and
-- already the primary key, so a file imported twice, or a payment both pushed
-- by its reader and listed in the file, is stored once (ON CONFLICT DO NOTHING).
-- The files name the line, the amount and whether a transfer discount applied,
-- and often carry no position.
ALTER TABLE taps
    ALTER COLUMN lat DROP NOT NULL,
    ALTER COLUMN lon DROP NOT NULL,
    ADD COLUMN line_id text,
    ADD COLUMN amount_fen integer CHECK (amount_fen >= 0),
    ADD COLUMN transfer boolean,
    ADD CONSTRAINT taps_position_whole CHECK ((lat IS NULL) = (lon IS NULL));
