-- Each failed attempt keeps the stable error code of its reason (VALIDATION:
-- the document lacks what EN 16931 requires, e.g. no legal profile;
-- UNAVAILABLE: the blob store or event store was away; INTERNAL: a rendering
-- bug), so the API can show the state of an archive without parsing text.
-- last_error now holds the reason as users see it; details are in the log.

ALTER TABLE document_archive_attempts
    ADD COLUMN error_code text NOT NULL DEFAULT 'INTERNAL';

COMMENT ON COLUMN document_archive_attempts.error_code IS 'The stable API error code of the last failure (VALIDATION, UNAVAILABLE, CONFLICT, INTERNAL).';
COMMENT ON COLUMN document_archive_attempts.last_error IS 'The last failure as users see it (no internal detail).';
