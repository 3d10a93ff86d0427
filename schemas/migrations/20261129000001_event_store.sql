-- Folio's event store: postgres-es' events and snapshots tables, extended with the
-- columns the global feed, multi-tenancy and auditors need. postgres-es inserts and
-- selects by column name, so the extra columns (all defaulted or generated) are
-- invisible to it.

CREATE TABLE events
(
    aggregate_type  text   NOT NULL,
    aggregate_id    text   NOT NULL,
    sequence        bigint NOT NULL CHECK (sequence >= 1),
    event_type      text   NOT NULL,
    event_version   text   NOT NULL,
    payload         jsonb  NOT NULL,
    metadata        jsonb  NOT NULL,
    -- Position in the global feed: unique and increasing in insertion order (not in
    -- commit order; readers order by (transaction_id, global_position)).
    global_position bigint GENERATED ALWAYS AS IDENTITY,
    -- The writing transaction, so readers can wait until every earlier writer committed.
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    tenant_id       uuid GENERATED ALWAYS AS ((metadata ->> 'tenant_id')::uuid) STORED,
    PRIMARY KEY (aggregate_type, aggregate_id, sequence),
    CONSTRAINT events_have_a_tenant CHECK (tenant_id IS NOT NULL)
);

CREATE UNIQUE INDEX events_global_position ON events (global_position);
CREATE INDEX events_feed_order ON events (transaction_id, global_position);
CREATE INDEX events_by_tenant ON events (tenant_id, global_position);
CREATE INDEX events_by_idempotency_key ON events (tenant_id, (metadata ->> 'idempotency_key'));

COMMENT ON TABLE events IS 'Append-only event store (postgres-es layout plus feed, tenant and audit columns).';

CREATE TABLE snapshots
(
    aggregate_type   text   NOT NULL,
    aggregate_id     text   NOT NULL,
    last_sequence    bigint NOT NULL CHECK (last_sequence >= 0),
    current_snapshot bigint NOT NULL CHECK (current_snapshot >= 0),
    payload          jsonb  NOT NULL,
    taken_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (aggregate_type, aggregate_id, last_sequence)
);

COMMENT ON TABLE snapshots IS 'Aggregate snapshots every N events; a cache, rebuildable from events.';

-- History is append-only: no UPDATE, DELETE or TRUNCATE, whoever asks.
CREATE FUNCTION events_are_append_only() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    RAISE EXCEPTION 'events are append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER events_no_update_or_delete
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION events_are_append_only();

CREATE TRIGGER events_no_truncate
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION events_are_append_only();
