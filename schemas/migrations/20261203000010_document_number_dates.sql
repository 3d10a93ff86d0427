-- The issue date of every document number, so numbering is chronological: the
-- application layer reads the date of the last number of a series (under the
-- same advisory lock that serialises its issuers) and the domain refuses a
-- document dated before it. Spain, France and Italy forbid non-chronological
-- numbering; the trigger only records, the domain decides.

ALTER TABLE document_numbers ADD COLUMN issue_date date;

UPDATE document_numbers d
SET issue_date = (e.payload -> e.event_type ->> 'issue_date')::date
FROM events e
WHERE e.aggregate_type = d.aggregate_type
  AND e.aggregate_id = d.aggregate_id
  AND e.event_type = d.event_type
  AND (e.payload -> e.event_type -> 'number' ->> 'series') = d.series
  AND (e.payload -> e.event_type -> 'number' ->> 'sequence')::bigint = d.sequence;

COMMENT ON COLUMN document_numbers.issue_date IS 'The document''s issue date; a later number of the series is never dated before it.';

CREATE OR REPLACE FUNCTION record_document_number() RETURNS trigger
    LANGUAGE plpgsql AS
$$
DECLARE
    document    jsonb := NEW.payload -> NEW.event_type;
    number_json jsonb := document -> 'number';
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
    INSERT INTO document_numbers (tenant_id, series, sequence, aggregate_type, aggregate_id,
                                  event_type, issue_date)
    VALUES (tenant, series_name, proposed, NEW.aggregate_type, NEW.aggregate_id, NEW.event_type,
            (document ->> 'issue_date')::date);
    RETURN NEW;
END;
$$;
