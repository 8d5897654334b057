-- The event log: rows appended in the writer's own transaction (transactional outbox), read in position order.
-- A position is handed out only after the appending transaction has its id, one at a time (CACHE 1): consumers rely
-- on both to know when every position up to some value is final (see ConsumerStore.ReadAllocatedAsync).
CREATE SEQUENCE events_position_seq CACHE 1;

CREATE FUNCTION next_position() RETURNS bigint LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_current_xact_id();
    RETURN nextval('events.events_position_seq');
END
$$;

CREATE TABLE events (
    position     bigint      PRIMARY KEY DEFAULT next_position(),
    id           uuid        NOT NULL UNIQUE,
    type         text        NOT NULL,
    key          text        NOT NULL,
    payload      jsonb       NOT NULL,
    created_at   timestamptz NOT NULL,
    trace_parent text
);
ALTER SEQUENCE events_position_seq OWNED BY events.position;

-- Where each consumer is: every event up to this position is handled.
CREATE TABLE consumer_offsets (
    consumer   text PRIMARY KEY,
    position   bigint      NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Which events a consumer's handler has applied, written in the handler's own transaction (ProcessedEvents).
CREATE TABLE processed (
    consumer     text        NOT NULL,
    event_id     uuid        NOT NULL,
    processed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
