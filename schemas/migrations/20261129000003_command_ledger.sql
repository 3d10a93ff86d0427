-- The outcome of every command, by tenant and idempotency key, so that a retried
-- request returns the first outcome and appends nothing. Rows are written after the
-- events commit; if a process dies in between, the events themselves (their
-- metadata carries the key) are the fallback record.

CREATE TABLE command_outcomes
(
    tenant_id       uuid        NOT NULL,
    idempotency_key text        NOT NULL,
    fingerprint     text        NOT NULL,
    aggregate_type  text        NOT NULL,
    aggregate_id    text        NOT NULL,
    outcome         jsonb       NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, idempotency_key)
);

COMMENT ON TABLE command_outcomes IS 'First outcome of each (tenant, idempotency key): replayed to retried requests.';
