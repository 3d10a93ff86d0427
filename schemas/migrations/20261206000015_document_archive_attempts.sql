-- The archiver's failed attempts: an issued document whose files could not be
-- archived yet (no legal profile, a rule of EN 16931, the blob store away), how
-- often, why, and when it is tried again. Operational state, not a read model:
-- the archive itself is the invoice's DocumentArchived event; a row is removed
-- once its document is archived.

CREATE TABLE document_archive_attempts
(
    tenant_id       uuid        NOT NULL,
    invoice_id      uuid        NOT NULL,
    -- The credit note; the nil UUID for the invoice itself.
    credit_note_id  uuid        NOT NULL,
    attempts        integer     NOT NULL,
    last_error      text        NOT NULL,
    last_attempt_at timestamptz NOT NULL,
    next_attempt_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, invoice_id, credit_note_id)
);

COMMENT ON TABLE document_archive_attempts IS 'Issued documents the archiver failed to archive so far: attempts, the last reason, and when it tries again.';
