-- The canceller's attempts: a stamped invoice whose cancellation SAT has not
-- decided (folio_read.cfdi_awaiting_cancellation), how often the canceller
-- tried, why the last attempt failed (NULL when it did not fail: SAT was
-- still deciding), and when it tries again. Operational state, not a read
-- model: the cancellation itself is the invoice's events; a row is removed
-- once a step is recorded on the invoice.

CREATE TABLE cfdi_cancellation_attempts
(
    tenant_id       uuid        NOT NULL,
    invoice_id      uuid        NOT NULL,
    attempts        integer     NOT NULL,
    error_code      text,
    last_error      text,
    last_attempt_at timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id)
);

COMMENT ON TABLE cfdi_cancellation_attempts IS 'Stamped invoices whose cancellation SAT has not decided: the canceller''s attempts since the last step recorded, the last failure, and when it tries again.';
COMMENT ON COLUMN cfdi_cancellation_attempts.attempts IS 'Attempts since the last step recorded on the invoice: failures, and questions SAT answered without deciding.';
COMMENT ON COLUMN cfdi_cancellation_attempts.error_code IS 'The stable API error code of the last attempt''s failure (UNAVAILABLE, VALIDATION, CONFLICT, INTERNAL); NULL when SAT was still deciding.';
COMMENT ON COLUMN cfdi_cancellation_attempts.last_error IS 'The last failure as users see it (no internal detail); NULL when SAT was still deciding.';
