-- The Kafka transport (see infra/src/kafka/): where the relay stands in the feed,
-- which Kafka offsets each projector has applied, and what it dead-lettered. All
-- three are written in the same transaction as what they describe, so a crash
-- loses nothing and applies nothing twice.

CREATE TABLE relay_checkpoints
(
    -- The relay's name: its topic prefix (one relay per set of topics).
    relay           text PRIMARY KEY,
    -- The last event the broker acknowledged, in feed order.
    transaction_id  xid8        NOT NULL DEFAULT '0',
    global_position bigint      NOT NULL DEFAULT 0,
    updated_at      timestamptz NOT NULL DEFAULT now()
);

COMMENT ON TABLE relay_checkpoints IS 'Where each Kafka relay stands in the global feed; moved only after the broker acknowledged every event up to it.';

CREATE TABLE kafka_offsets
(
    consumer_group text        NOT NULL,
    topic          text        NOT NULL,
    partition      integer     NOT NULL,
    -- The offset of the next message to consume (Kafka's committed-offset meaning).
    next_offset    bigint      NOT NULL,
    -- Which projector instance wrote it last (host:pid), for operators.
    written_by     text        NOT NULL,
    updated_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer_group, topic, partition)
);

COMMENT ON TABLE kafka_offsets IS 'Kafka offsets each projector consumer group has applied, written in the same transaction as its read models; consumers seek here when partitions are assigned.';

CREATE TABLE kafka_dead_letters
(
    projector       text        NOT NULL,
    topic           text        NOT NULL,
    partition       integer     NOT NULL,
    kafka_offset    bigint      NOT NULL,
    -- The event, when its envelope could be read.
    aggregate_type  text,
    aggregate_id    text,
    sequence        bigint,
    global_position bigint,
    event_type      text,
    -- Why it was not applied.
    reason          text        NOT NULL,
    -- True when the event itself was fine but an earlier event of its aggregate
    -- was dead-lettered: later events wait behind it to keep per-aggregate order.
    parked          boolean     NOT NULL,
    dead_lettered_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (projector, topic, partition, kafka_offset)
);

CREATE INDEX kafka_dead_letters_by_aggregate ON kafka_dead_letters (projector, aggregate_type, aggregate_id);

COMMENT ON TABLE kafka_dead_letters IS 'Events a Kafka-fed projector could not apply (or parked behind one it could not), also sent to the dead-letter topic; cleared by a rebuild of the projector.';
