-- Webhook endpoints' secrets, one per endpoint and version: kept apart from
-- the events (which are replayed, exported and published), wrapped by the
-- master key (FOLIO_PERSONAL_DATA_MASTER_KEY) when one is configured. The
-- events say which version signs; the sender reads it here.

CREATE TABLE webhook_secrets
(
    endpoint_id uuid        NOT NULL,
    version     integer     NOT NULL CHECK (version > 0),
    tenant_id   uuid        NOT NULL,
    -- `whsec_...` as bytes; nonce, ciphertext and tag when wrapped_by is set.
    secret      bytea       NOT NULL,
    -- The id of the master key that wraps it; NULL: stored as it is.
    wrapped_by  text,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (endpoint_id, version)
);

COMMENT ON TABLE webhook_secrets IS 'Secrets of webhook endpoints (whsec_...), one per rotation; never in the events.';
