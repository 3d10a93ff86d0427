-- Subject keys wrapped by a master key held outside the database
-- (FOLIO_PERSONAL_DATA_MASTER_KEY): a copy of the database alone then opens no
-- personal data. Without a master key, keys are stored as before (wrapped_by NULL).

ALTER TABLE personal_data_keys DROP CONSTRAINT personal_data_keys_key_check;
ALTER TABLE personal_data_keys ADD COLUMN wrapped_by text;
ALTER TABLE personal_data_keys ADD CONSTRAINT personal_data_keys_key_length CHECK (
    key IS NULL
    OR (wrapped_by IS NULL AND octet_length(key) = 32)
    OR (wrapped_by IS NOT NULL AND octet_length(key) = 60));

COMMENT ON COLUMN personal_data_keys.key IS '256-bit key, or 60 bytes (nonce, wrapped key, tag) when wrapped_by is set; NULL after erasure (destroyed, never to be restored).';
COMMENT ON COLUMN personal_data_keys.wrapped_by IS 'Id of the master key that wraps key with AES-256-GCM (the subject id as authenticated data); NULL when key is stored as is.';
