-- What a draft page's Marey chart draws for each line direction the draft
-- rebuilt or changed (issue 14, page loads): the compared version's trips and
-- the draft's, with their patterns and stop names
-- (transit.console.marey_sides), stored with the draft so its page needs
-- neither version's network built (seconds on the demo city). A draft stored
-- before this table has no rows; its page builds the networks as before.
CREATE TABLE draft_charts (
    draft_id bigint NOT NULL REFERENCES timetable_drafts (id) ON DELETE CASCADE,
    route_id text NOT NULL,
    direction_id smallint NOT NULL,
    sides jsonb NOT NULL,
    PRIMARY KEY (draft_id, route_id, direction_id)
);
