-- Origin-destination matrices and transfers of a built service day (issue 11),
-- written by `transit flow build` in the same transaction as the rest of the day.
-- The OD matrix is kept per line and hour of boarding only: the whole day and
-- the network-wide matrix are sums of these rows, one answer.
CREATE TABLE flow_od (
    service_date date NOT NULL REFERENCES flow_days ON DELETE CASCADE,
    route_id text NOT NULL,
    hour smallint NOT NULL,  -- of the service day, when the riders tapped on boarding
    origin_stop_id text NOT NULL,
    destination_stop_id text NOT NULL,
    riders double precision NOT NULL,  -- every boarding expanded
    chained double precision NOT NULL,  -- of which with an inferred alighting stop
    PRIMARY KEY (service_date, route_id, hour, origin_stop_id, destination_stop_id)
);

CREATE TABLE flow_transfers (
    service_date date NOT NULL REFERENCES flow_days ON DELETE CASCADE,
    from_route_id text NOT NULL,
    to_route_id text NOT NULL,
    from_stop_id text NOT NULL,  -- where the cards got off
    to_stop_id text NOT NULL,  -- where they boarded next
    walk_m double precision NOT NULL,
    transfers integer NOT NULL,  -- cards
    mean_wait_s double precision NOT NULL,
    median_wait_s double precision NOT NULL,
    PRIMARY KEY (service_date, from_route_id, to_route_id, from_stop_id, to_stop_id)
);

-- The day's legs linked into journeys (JourneyCounts): legs, journeys, by_legs.
ALTER TABLE flow_days ADD COLUMN journeys jsonb NOT NULL DEFAULT '{}';
