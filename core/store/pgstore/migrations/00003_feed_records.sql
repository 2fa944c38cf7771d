-- The publishing state of product feeds (record format 5): one row per
-- feed target of acp.yaml, and one per product a target's platform
-- accepted, keyed by target then product id so that a target's products
-- page by product id. Records are kept as package record encodes them:
-- format + body.
--
-- Expand only: two new tables that no earlier release reads or writes, so
-- acp_schema_compat.min_compatible stays 1 and a binary that knows only
-- 00001 and 00002 runs on this database. This release relies on the
-- tables (OldestSchema is 3): it refuses a database not migrated this far.

-- +goose Up
CREATE TABLE feed_targets (
    name text COLLATE "C" PRIMARY KEY,
    format smallint NOT NULL,
    body bytea NOT NULL
);

CREATE TABLE feed_products (
    target text COLLATE "C" NOT NULL,
    product_id text COLLATE "C" NOT NULL,
    format smallint NOT NULL,
    body bytea NOT NULL,
    PRIMARY KEY (target, product_id)
);

-- +goose Down
DROP TABLE feed_products, feed_targets;
