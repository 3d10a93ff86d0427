-- Tamper evidence: every event carries a SHA-256 hash over its predecessor's hash in
-- the same stream and its own canonical content. The hash is computed here, in a
-- BEFORE INSERT trigger, so no writer (postgres-es, a script, psql) can skip it.
-- `folio audit verify` recomputes every chain outside the database, and a second
-- chain over the global feed order (computed by `folio audit digest`, kept by the
-- auditor) detects a whole stream being removed. See docs/adr/004-audit-chain.md.
--
-- The canonical content is the concatenation of length-prefixed fields
-- (`<octet length>:<value>` each), so no field can bleed into the next:
--   aggregate_type, aggregate_id, sequence, event_type, event_version,
--   payload::text, metadata::text, recorded_at in UTC as 2026-11-29T08:10:37.123456Z
-- jsonb's text form is canonical (keys sorted, whitespace fixed), and exports keep
-- it byte for byte, so a file can be checked offline.

ALTER TABLE events
    ADD COLUMN previous_hash bytea,
    ADD COLUMN hash          bytea;

COMMENT ON COLUMN events.previous_hash IS 'Hash of the previous event of the same stream (32 zero bytes for the first).';
COMMENT ON COLUMN events.hash IS 'SHA-256 over previous_hash and the canonical content; set by events_hash_chain.';

CREATE FUNCTION event_canonical_content(e events) RETURNS bytea
    LANGUAGE sql STABLE AS
$$
SELECT convert_to(string_agg(octet_length(field) || ':' || field, '' ORDER BY n), 'UTF8')
  FROM unnest(ARRAY [
           e.aggregate_type, e.aggregate_id, e.sequence::text, e.event_type, e.event_version,
           e.payload::text, e.metadata::text,
           to_char(e.recorded_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')
       ]) WITH ORDINALITY AS fields(field, n)
$$;

COMMENT ON FUNCTION event_canonical_content(events) IS 'The bytes an event hash covers besides its predecessor''s hash.';

CREATE FUNCTION events_hash_chain() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    IF NEW.sequence = 1 THEN
        NEW.previous_hash := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
    ELSE
        SELECT hash INTO NEW.previous_hash
          FROM events
         WHERE aggregate_type = NEW.aggregate_type
           AND aggregate_id = NEW.aggregate_id
           AND sequence = NEW.sequence - 1;
        IF NOT FOUND THEN
            RAISE EXCEPTION 'event % of %/% has no predecessor', NEW.sequence, NEW.aggregate_type, NEW.aggregate_id
                USING ERRCODE = 'foreign_key_violation';
        END IF;
    END IF;
    NEW.hash := sha256(NEW.previous_hash || event_canonical_content(NEW));
    RETURN NEW;
END;
$$;

-- Chain the events already stored, stream by stream, before the trigger takes over.
ALTER TABLE events DISABLE TRIGGER events_no_update_or_delete;
DO
$$
DECLARE
    e        events;
    previous bytea;
    stream   text := NULL;
BEGIN
    FOR e IN SELECT * FROM events ORDER BY aggregate_type, aggregate_id, sequence LOOP
        IF stream IS DISTINCT FROM e.aggregate_type || '/' || e.aggregate_id THEN
            previous := '\x0000000000000000000000000000000000000000000000000000000000000000'::bytea;
            stream := e.aggregate_type || '/' || e.aggregate_id;
        END IF;
        UPDATE events
           SET previous_hash = previous,
               hash = sha256(previous || event_canonical_content(e))
         WHERE aggregate_type = e.aggregate_type AND aggregate_id = e.aggregate_id AND sequence = e.sequence
        RETURNING hash INTO previous;
    END LOOP;
END;
$$;
ALTER TABLE events ENABLE TRIGGER events_no_update_or_delete;

ALTER TABLE events
    ALTER COLUMN previous_hash SET NOT NULL,
    ALTER COLUMN hash SET NOT NULL;

CREATE TRIGGER events_hash_chain
    BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION events_hash_chain();
