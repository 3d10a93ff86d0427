-- The files of tenants' CSDs (Mexico's certificates for sealing CFDIs), one
-- row per tenant and certificate number: kept apart from the events (which
-- are replayed, exported and published; the settings' CsdInstalled event
-- names the certificate only). The private key as SAT issues it (PKCS#8,
-- encrypted with its password) and the password are each wrapped by the
-- master key (FOLIO_PERSONAL_DATA_MASTER_KEY) when one is configured.

CREATE TABLE csd_files
(
    tenant_id          uuid        NOT NULL,
    certificate_number text        NOT NULL CHECK (certificate_number ~ '^[0-9]{20}$'),
    -- The certificate, DER: public.
    certificate        bytea       NOT NULL,
    -- Nonce, ciphertext and tag when wrapped_by is set; else as given.
    private_key        bytea       NOT NULL,
    password           bytea       NOT NULL,
    -- The id of the master key that wraps the key and the password; NULL:
    -- stored as they are.
    wrapped_by         text,
    created_at         timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, certificate_number)
);

COMMENT ON TABLE csd_files IS 'Files of tenants'' CSDs (certificate, encrypted key, password) for sealing CFDIs; never in the events.';
