-- The outbox: what the reactors decided must leave Folio (an e-mail, later a
-- webhook), written in the same transaction as the reactor's checkpoint, and
-- the sender's progress delivering it. Operational state, not a read model: a
-- reactor is never rebuilt, so these rows are never written twice for one
-- event, and a row, once SENT, is the evidence that a message went out.

CREATE TABLE outbox
(
    -- UUIDv5 of (reactor, stream, sequence, intent): the same for a redelivered
    -- event, so it is written once; sent as the e-mail's Message-ID (and a
    -- webhook's webhook-id), so a receiver recognises a repeat.
    message_id      uuid        PRIMARY KEY,
    tenant_id       uuid        NOT NULL,
    channel         text        NOT NULL CHECK (channel IN ('EMAIL', 'WEBHOOK')),
    -- What the message is (`invoice_sent`): the template or event type.
    kind            text        NOT NULL,
    -- Where it goes: e-mail addresses, or a webhook endpoint's id.
    recipients      text[]      NOT NULL,
    -- The event that caused it.
    aggregate_type  text        NOT NULL,
    aggregate_id    text        NOT NULL,
    sequence        bigint      NOT NULL,
    -- What the sender needs besides (ids; the rest is read when it is sent).
    payload         jsonb       NOT NULL,
    status          text        NOT NULL DEFAULT 'QUEUED'
                                CHECK (status IN ('QUEUED', 'SENDING', 'RETRYING', 'SENT', 'FAILED')),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    -- While SENDING: until when the sender that claimed it holds it; past it,
    -- another sender takes it over (the first one stopped mid-send).
    lease_until     timestamptz,
    error_code      text,
    last_error      text,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- What the sender claims: messages still to deliver, soonest first.
CREATE INDEX outbox_due ON outbox (next_attempt_at)
    WHERE status IN ('QUEUED', 'SENDING', 'RETRYING');
-- What /metrics counts: the messages not sent (sent ones are history).
CREATE INDEX outbox_unsent ON outbox (channel, status) WHERE status <> 'SENT';
-- A document's or a tenant's notifications, newest first.
CREATE INDEX outbox_by_subject ON outbox (tenant_id, aggregate_id, created_at);
CREATE INDEX outbox_by_tenant ON outbox (tenant_id, created_at);

COMMENT ON TABLE outbox IS 'Messages the reactors decided to send (e-mails, webhooks), one per event and intent, and where their delivery stands.';
COMMENT ON COLUMN outbox.message_id IS 'Stable id: UUIDv5 of reactor, stream, sequence and intent; the e-mail Message-ID.';
COMMENT ON COLUMN outbox.status IS 'QUEUED (not tried), SENDING (a sender holds it), RETRYING (an attempt failed; tried again at next_attempt_at), SENT, FAILED (refused for good, or out of attempts).';
COMMENT ON COLUMN outbox.error_code IS 'The last failure''s stable code: UNAVAILABLE (the server was away), VALIDATION (refused, e.g. a bad address), INTERNAL.';
COMMENT ON COLUMN outbox.last_error IS 'The last failure as users see it.';

-- One row per delivery attempt: the delivery log.
CREATE TABLE outbox_attempts
(
    message_id  uuid        NOT NULL REFERENCES outbox (message_id),
    attempt     integer     NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz NOT NULL DEFAULT now(),
    outcome     text        NOT NULL CHECK (outcome IN ('SENT', 'RETRY', 'REFUSED', 'GAVE_UP')),
    error_code  text,
    detail      text,
    PRIMARY KEY (message_id, attempt)
);

COMMENT ON TABLE outbox_attempts IS 'Every attempt to deliver an outbox message: when, and what came of it.';
COMMENT ON COLUMN outbox_attempts.outcome IS 'SENT; RETRY (failed, tried again later); REFUSED (refused for good); GAVE_UP (failed, and it was the last attempt).';
