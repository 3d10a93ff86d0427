-- Reads that wait for a consistency token are answered by one watcher per
-- process, which asks how far the projectors are whenever a checkpoint moves:
-- announced on folio_checkpoints when the moving transaction commits (a batch,
-- a rebuild swapped in), in this process or another. The watcher also polls, so
-- a lost wake-up only delays.
CREATE FUNCTION notify_checkpoint_watchers() RETURNS trigger
    LANGUAGE plpgsql AS
$$
BEGIN
    PERFORM pg_notify('folio_checkpoints', '');
    RETURN NULL;
END;
$$;

CREATE TRIGGER projection_checkpoints_wake_watchers
    AFTER INSERT OR UPDATE OF transaction_id, global_position ON projection_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION notify_checkpoint_watchers();
