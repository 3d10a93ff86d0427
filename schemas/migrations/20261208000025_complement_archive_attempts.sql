-- A stamped payment complement is archived too (its stamped XML and printed
-- form): the archiver's failed attempts name it by its payment, the nil UUID
-- standing for none as it does for credit_note_id.

ALTER TABLE document_archive_attempts
    ADD COLUMN payment_id uuid NOT NULL DEFAULT '00000000-0000-0000-0000-000000000000';

ALTER TABLE document_archive_attempts DROP CONSTRAINT document_archive_attempts_pkey;
ALTER TABLE document_archive_attempts
    ADD PRIMARY KEY (tenant_id, invoice_id, credit_note_id, payment_id);

COMMENT ON COLUMN document_archive_attempts.payment_id IS 'The payment whose complement it is; the nil UUID for an invoice or a credit note.';
