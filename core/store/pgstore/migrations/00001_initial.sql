-- The first schema: every record kind of store.Store, the indexes of its
-- lists and of the purge job, the leases, and the compatibility marker.
-- Records are kept as package record encodes them: format + body.
-- Text keys sort by bytes (COLLATE "C"), as the embedded store's keys do.

-- +goose Up
CREATE TABLE acp_schema_compat (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    -- The oldest migration a binary must know to run on this database.
    min_compatible bigint NOT NULL
);
INSERT INTO acp_schema_compat (id, min_compatible) VALUES (true, 1);

CREATE TABLE sessions (
    id text COLLATE "C" PRIMARY KEY,
    format smallint NOT NULL,
    body bytea NOT NULL,
    status text NOT NULL,
    purge_at timestamptz
);
CREATE INDEX sessions_in_progress ON sessions (id) WHERE status = 'complete_in_progress';
CREATE INDEX sessions_purge_at ON sessions (purge_at) WHERE purge_at IS NOT NULL;

CREATE TABLE orders (
    id text COLLATE "C" PRIMARY KEY,
    format smallint NOT NULL,
    body bytea NOT NULL,
    payment_id text COLLATE "C",
    created_ns bigint NOT NULL
);
CREATE INDEX orders_by_time ON orders (created_ns DESC, id DESC);
CREATE INDEX orders_by_payment ON orders (payment_id) WHERE payment_id IS NOT NULL;

CREATE TABLE idempotency_records (
    key text COLLATE "C" PRIMARY KEY,
    fingerprint text NOT NULL,
    status integer NOT NULL,
    body bytea NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX idempotency_records_expires_at ON idempotency_records (expires_at);

CREATE SEQUENCE webhook_seq;
CREATE TABLE webhook_events (
    state text COLLATE "C" NOT NULL,
    seq bigint NOT NULL,
    order_id text COLLATE "C" NOT NULL,
    format smallint NOT NULL,
    body bytea NOT NULL,
    PRIMARY KEY (state, seq)
);
CREATE INDEX webhook_events_by_order ON webhook_events (order_id, seq) WHERE state = 'pending';

CREATE TABLE stock_levels (
    sku text COLLATE "C" PRIMARY KEY,
    on_hand bigint NOT NULL,
    reserved bigint NOT NULL,
    sold bigint NOT NULL,
    updated_at timestamptz NOT NULL,
    format smallint NOT NULL,
    body bytea NOT NULL
);

CREATE TABLE reservations (
    session_id text COLLATE "C" PRIMARY KEY,
    format smallint NOT NULL,
    body bytea NOT NULL
);

CREATE TABLE failed_orders (
    session_id text COLLATE "C" NOT NULL,
    attempt integer NOT NULL,
    key text COLLATE "C" NOT NULL UNIQUE,
    created_ns bigint NOT NULL,
    format smallint NOT NULL,
    body bytea NOT NULL,
    PRIMARY KEY (session_id, attempt)
);
CREATE INDEX failed_orders_by_time ON failed_orders (created_ns DESC, key DESC);

CREATE TABLE first_use (
    key text COLLATE "C" PRIMARY KEY,
    expires_at timestamptz NOT NULL
);
CREATE INDEX first_use_expires_at ON first_use (expires_at);

CREATE SEQUENCE lease_token;
CREATE TABLE leases (
    name text COLLATE "C" PRIMARY KEY,
    owner text NOT NULL,
    token bigint NOT NULL,
    expires_at timestamptz NOT NULL
);
CREATE INDEX leases_expires_at ON leases (expires_at);

-- +goose Down
DROP TABLE leases, first_use, failed_orders, reservations, stock_levels,
    webhook_events, idempotency_records, orders, sessions, acp_schema_compat;
DROP SEQUENCE lease_token, webhook_seq;
