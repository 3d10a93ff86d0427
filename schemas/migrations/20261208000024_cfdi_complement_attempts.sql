-- The stamper's failed attempts at payment complements: a payment of a
-- stamped invoice issued PPD whose complement (CFDI of type P) could not be
-- numbered, sealed or stamped yet (the PAC away, no CSD in force, a payment
-- SAT's rules do not let Folio state), how often, why, and when it is tried
-- again. Operational state, not a read model: the complement itself is the
-- invoice's PaymentComplement* events; a row is removed once the PAC answers.

CREATE TABLE cfdi_complement_attempts
(
    tenant_id       uuid        NOT NULL,
    payment_id      uuid        NOT NULL,
    attempts        integer     NOT NULL,
    error_code      text        NOT NULL,
    last_error      text        NOT NULL,
    last_attempt_at timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, payment_id)
);

COMMENT ON TABLE cfdi_complement_attempts IS 'Payments whose complement the stamper failed to stamp so far: attempts, the last reason, and when it tries again.';
COMMENT ON COLUMN cfdi_complement_attempts.error_code IS 'The stable API error code of the last failure (UNAVAILABLE, VALIDATION, CONFLICT, INTERNAL).';
COMMENT ON COLUMN cfdi_complement_attempts.last_error IS 'The last failure as users see it (no internal detail).';
