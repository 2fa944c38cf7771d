-- Stock counts are never negative: every write clamps them at zero
-- (ReleaseStock, SellStock) or checks availability (ReserveStock), and the
-- seller's figures are validated before they are stored. The database
-- now refuses a negative count too, so that a bug in any release, or a
-- negative quantity that slipped through, fails its transaction instead
-- of silently making units available that do not exist.
--
-- Expand only: every release that knows 00001 writes only counts the
-- constraint accepts, so acp_schema_compat.min_compatible stays 1 and a
-- binary that knows only 00001 runs on this database. Adding the
-- constraint checks the existing rows under a lock that holds writes to
-- stock_levels back meanwhile: one row per SKU, so a short scan.

-- +goose Up
ALTER TABLE stock_levels ADD CONSTRAINT stock_levels_counts_not_negative
    CHECK (on_hand >= 0 AND reserved >= 0 AND sold >= 0);

-- +goose Down
ALTER TABLE stock_levels DROP CONSTRAINT stock_levels_counts_not_negative;
