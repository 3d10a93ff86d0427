-- The stamper's failed attempts: an invoice issued under MX whose CFDI could
-- not be stamped yet (the PAC away, no CSD in force, the blob store away), how
-- often, why, and when it is tried again. Operational state, not a read model:
-- the stamp itself is the invoice's CfdiStamped (or CfdiStampRejected) event;
-- a row is removed once the PAC answers.

CREATE TABLE cfdi_stamp_attempts
(
    tenant_id       uuid        NOT NULL,
    invoice_id      uuid        NOT NULL,
    attempts        integer     NOT NULL,
    error_code      text        NOT NULL,
    last_error      text        NOT NULL,
    last_attempt_at timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id)
);

COMMENT ON TABLE cfdi_stamp_attempts IS 'Invoices issued under MX whose CFDI the stamper failed to stamp so far: attempts, the last reason, and when it tries again.';
COMMENT ON COLUMN cfdi_stamp_attempts.error_code IS 'The stable API error code of the last failure (UNAVAILABLE, VALIDATION, CONFLICT, INTERNAL).';
COMMENT ON COLUMN cfdi_stamp_attempts.last_error IS 'The last failure as users see it (no internal detail).';
