-- The stamper's failed attempts at Mexican credit notes: a credit note of a
-- stamped invoice whose CFDI (type E) could not be sealed or stamped yet
-- (the PAC away, no CSD in force), how often, why, and when it is tried
-- again. Operational state, not a read model: the CFDI itself is the
-- invoice's CreditNoteCfdi* events; a row is removed once the PAC answers.

CREATE TABLE cfdi_credit_note_attempts
(
    tenant_id       uuid        NOT NULL,
    credit_note_id  uuid        NOT NULL,
    attempts        integer     NOT NULL,
    error_code      text        NOT NULL,
    last_error      text        NOT NULL,
    last_attempt_at timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, credit_note_id)
);

COMMENT ON TABLE cfdi_credit_note_attempts IS 'Credit notes whose CFDI the stamper failed to stamp so far: attempts, the last reason, and when it tries again.';
COMMENT ON COLUMN cfdi_credit_note_attempts.error_code IS 'The stable API error code of the last failure (UNAVAILABLE, VALIDATION, CONFLICT, INTERNAL).';
COMMENT ON COLUMN cfdi_credit_note_attempts.last_error IS 'The last failure as users see it (no internal detail).';
