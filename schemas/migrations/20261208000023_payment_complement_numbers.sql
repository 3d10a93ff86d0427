-- A Mexican payment complement (CFDI of type P) is numbered in the tenant's
-- complement series, gap-free like invoices and credit notes: the trigger that
-- records every number handed out now reads PaymentComplementIssued too (its
-- payload carries `number` and `issue_date` as the other two do).

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
    IF NEW.event_type NOT IN ('InvoiceIssued', 'CreditNoteIssued', 'PaymentComplementIssued')
        OR number_json IS NULL THEN
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
