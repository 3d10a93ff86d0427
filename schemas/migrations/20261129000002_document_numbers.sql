-- Gap-free document numbers per tenant and series, enforced where the event is
-- written. The application layer serialises issuers of one series (an advisory lock
-- held around the command) and proposes the next number; this trigger, running inside
-- the same transaction as the event insert, records it and refuses anything but
-- exactly "last committed + 1" (the primary key refuses duplicates outright). A refusal raises
-- unique_violation (23505), which postgres-es reports as an optimistic-lock conflict,
-- so the command layer reloads and retries instead of leaving a gap or a duplicate.

CREATE TABLE document_numbers
(
    tenant_id      uuid   NOT NULL,
    series         text   NOT NULL,
    sequence       bigint NOT NULL CHECK (sequence >= 1),
    aggregate_type text   NOT NULL,
    aggregate_id   text   NOT NULL,
    event_type     text   NOT NULL,
    PRIMARY KEY (tenant_id, series, sequence)
);

COMMENT ON TABLE document_numbers IS 'Every document number handed out, per tenant and series; written only by the events trigger.';

CREATE FUNCTION record_document_number() RETURNS trigger
    LANGUAGE plpgsql AS
$$
DECLARE
    number_json jsonb := NEW.payload -> NEW.event_type -> 'number';
    series_name text;
    proposed    bigint;
    last_issued bigint;
    tenant      uuid;
BEGIN
    IF NEW.event_type NOT IN ('InvoiceIssued', 'CreditNoteIssued') OR number_json IS NULL THEN
        RETURN NEW;
    END IF;
    tenant := (NEW.metadata ->> 'tenant_id')::uuid; -- generated columns are not computed yet in BEFORE triggers
    series_name := number_json ->> 'series';
    proposed := (number_json ->> 'sequence')::bigint;
    SELECT coalesce(max(sequence), 0) INTO last_issued
    FROM document_numbers
    WHERE tenant_id = tenant AND series = series_name;
    IF proposed IS DISTINCT FROM last_issued + 1 THEN
        RAISE EXCEPTION 'document number %-% is not the next in its series (last issued: %)',
            series_name, proposed, last_issued
            USING ERRCODE = 'unique_violation';
    END IF;
    INSERT INTO document_numbers (tenant_id, series, sequence, aggregate_type, aggregate_id, event_type)
    VALUES (tenant, series_name, proposed, NEW.aggregate_type, NEW.aggregate_id, NEW.event_type);
    RETURN NEW;
END;
$$;

CREATE TRIGGER events_record_document_numbers
    BEFORE INSERT ON events
    FOR EACH ROW EXECUTE FUNCTION record_document_number();
