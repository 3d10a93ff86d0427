-- The webhook reactor's endpoints: each tenant's webhook endpoints as the
-- events left them, filed in feed order beside the events they receive, so an
-- endpoint gets exactly the events committed after its registration. Also
-- what admins list (`webhookEndpoints`). Runs with search_path set to the
-- reactor's schema. Documented for BI in schemas/read_models.md.

CREATE TABLE webhook_endpoints
(
    endpoint_id     uuid        NOT NULL PRIMARY KEY,
    tenant_id       uuid        NOT NULL,
    url             text        NOT NULL,
    event_types     text[]      NOT NULL,
    description     text,
    status          text        NOT NULL CHECK (status IN ('ENABLED', 'DISABLED', 'DELETED')),
    secret_version  integer     NOT NULL,
    disabled_reason text,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    version         bigint      NOT NULL
);
CREATE INDEX webhook_endpoints_by_tenant ON webhook_endpoints (tenant_id, created_at);

COMMENT ON TABLE webhook_endpoints IS 'Webhook endpoints of each tenant: where Folio posts its events, signed (Standard Webhooks).';
COMMENT ON COLUMN webhook_endpoints.endpoint_id IS 'The WebhookEndpoint aggregate''s id.';
COMMENT ON COLUMN webhook_endpoints.tenant_id IS 'Owning tenant.';
COMMENT ON COLUMN webhook_endpoints.url IS 'Where deliveries are posted.';
COMMENT ON COLUMN webhook_endpoints.event_types IS 'Webhook types it receives (invoice.issued, ...); empty: every type.';
COMMENT ON COLUMN webhook_endpoints.description IS 'What it is for.';
COMMENT ON COLUMN webhook_endpoints.status IS 'ENABLED (receives), DISABLED (by an admin, or by Folio after days of failures), DELETED.';
COMMENT ON COLUMN webhook_endpoints.secret_version IS 'Version of the secret that signs now (the secrets themselves are never in the events nor here).';
COMMENT ON COLUMN webhook_endpoints.disabled_reason IS 'Why it is disabled, while it is.';
COMMENT ON COLUMN webhook_endpoints.created_at IS 'When it was registered (event time).';
COMMENT ON COLUMN webhook_endpoints.updated_at IS 'When it last changed (event time).';
COMMENT ON COLUMN webhook_endpoints.version IS 'The WebhookEndpoint aggregate''s version.';
