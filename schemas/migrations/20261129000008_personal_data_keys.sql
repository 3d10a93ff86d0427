-- Personal data erasure without breaking the hash chains (crypto-shredding).
-- The event store seals every personal field (see folio_domain::personal_data) with
-- AES-256-GCM under a key of its subject kept here, outside the events; the chains
-- hash the ciphertext. Erasing a subject sets its key to NULL: the ciphertext stays,
-- byte for byte, and nothing can open it any more. See docs/adr/004-audit-chain.md.

CREATE TABLE personal_data_keys
(
    subject_id text        PRIMARY KEY,
    tenant_id  uuid        NOT NULL,
    key        bytea       CHECK (key IS NULL OR octet_length(key) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    erased_at  timestamptz,
    erased_by  text,
    CHECK ((key IS NULL) = (erased_at IS NOT NULL))
);

COMMENT ON TABLE personal_data_keys IS 'One AES-256-GCM key per data subject (a customer), sealing its personal data in events and snapshots; NULL once erased.';
COMMENT ON COLUMN personal_data_keys.subject_id IS 'The subject: the id of the aggregate whose stream holds the personal data (a customer id).';
COMMENT ON COLUMN personal_data_keys.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN personal_data_keys.key IS '256-bit key; NULL after erasure (destroyed, never to be restored).';
COMMENT ON COLUMN personal_data_keys.created_at IS 'When the first personal data of the subject was sealed.';
COMMENT ON COLUMN personal_data_keys.erased_at IS 'When the key was destroyed.';
COMMENT ON COLUMN personal_data_keys.erased_by IS 'Who erased it (the actor of the erasure event).';

-- Keys are for the store alone: not for BI, not for the API's read role.
REVOKE ALL ON personal_data_keys FROM PUBLIC;
