-- Expense e-mails go to directory users, whose addresses the sender looks up
-- when it sends (the events name users, not addresses). It records the
-- addresses then, and whose they are, so that erasing a user's personal data
-- finds them. A message with nobody left to write to (no address recorded,
-- or an expense that no longer waits for a decision) is SKIPPED: not sent,
-- not failed, with the reason in last_error.

ALTER TABLE outbox ADD COLUMN recipient_subjects text[] NOT NULL DEFAULT '{}';

COMMENT ON COLUMN outbox.recipient_subjects IS 'Personal-data subjects (directory users'' User streams) whose addresses recipients holds, recorded when the sender looked them up; erasing one of them empties recipients.';

ALTER TABLE outbox DROP CONSTRAINT outbox_status_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_status_check
    CHECK (status IN ('QUEUED', 'SENDING', 'RETRYING', 'SENT', 'FAILED', 'SKIPPED'));

ALTER TABLE outbox_attempts DROP CONSTRAINT outbox_attempts_outcome_check;
ALTER TABLE outbox_attempts ADD CONSTRAINT outbox_attempts_outcome_check
    CHECK (outcome IN ('SENT', 'RETRY', 'REFUSED', 'GAVE_UP', 'SKIPPED'));

COMMENT ON COLUMN outbox.status IS 'QUEUED (not tried), SENDING (a sender holds it), RETRYING (an attempt failed; tried again at next_attempt_at), SENT, FAILED (refused for good, or out of attempts), SKIPPED (nobody left to write to; last_error says why).';
COMMENT ON COLUMN outbox_attempts.outcome IS 'SENT; RETRY (failed, tried again later); REFUSED (refused for good); GAVE_UP (failed, and it was the last attempt); SKIPPED (nobody to write to).';
