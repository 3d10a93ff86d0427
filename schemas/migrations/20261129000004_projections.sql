-- Projections: where each projector stands in the global feed, the wake-up signal
-- for feed readers, the schema the read models live in, and the read-only BI role.
-- The read-model tables themselves are created by their projector (see
-- schemas/read_models/), because a rebuild recreates them in a staging schema and
-- swaps them in.

CREATE TABLE projection_checkpoints
(
    projector       text PRIMARY KEY,
    -- The last event applied, in feed order (transaction_id, global_position).
    transaction_id  xid8        NOT NULL DEFAULT '0',
    global_position bigint      NOT NULL DEFAULT 0,
    -- SHA-256 of the projector's table definitions and code version: when it
    -- changes, the projector is rebuilt before it runs.
    definition_hash text        NOT NULL,
    -- Tables and views the projector owns in folio_read (dropped when swapped out).
    relations       text[]      NOT NULL,
    rebuilt_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    -- Why the projector is stuck, until a batch succeeds again.
    last_error      text,
    last_error_at   timestamptz
);

COMMENT ON TABLE projection_checkpoints IS 'Where each projector stands in the global feed; written in the same transaction as its read models.';

-- Feed readers LISTEN on folio_events; a notification is delivered when the
-- inserting transaction commits. Readers also poll, so a lost wake-up only delays.
CREATE FUNCTION notify_feed_readers() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM pg_notify('folio_events', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER events_wake_feed_readers
    AFTER INSERT ON events
    FOR EACH STATEMENT EXECUTE FUNCTION notify_feed_readers();

CREATE SCHEMA folio_read;
COMMENT ON SCHEMA folio_read IS 'Folio read models for the API and for BI tools; documented in schemas/read_models.md. Read-only role: folio_bi.';

-- Roles are shared by every database of the server; create it once, tolerating a
-- concurrent migration of another database doing the same.
DO
$$
BEGIN
    CREATE ROLE folio_bi NOLOGIN;
    COMMENT ON ROLE folio_bi IS 'Read-only access to the folio_read schema for BI tools; grant it to a login role.';
EXCEPTION
    WHEN duplicate_object OR unique_violation THEN NULL;
END;
$$;

GRANT USAGE ON SCHEMA folio_read TO folio_bi;
