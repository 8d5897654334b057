-- The streaming turn: what the answer cost, how it ended, and the owner's heartbeat while it streams.
ALTER TABLE messages
    ADD COLUMN finish_reason          text,
    ADD COLUMN deployment             text,
    ADD COLUMN provider               text,
    ADD COLUMN input_tokens           bigint,
    ADD COLUMN cached_input_tokens    bigint,
    ADD COLUMN output_tokens          bigint,
    ADD COLUMN usage_estimated        boolean,
    ADD COLUMN cost_usd               numeric(18, 8),
    ADD COLUMN time_to_first_token_ms bigint,
    ADD COLUMN duration_ms            bigint,
    ADD COLUMN error_code             text,
    ADD COLUMN error_detail           text,
    -- The number of the turn's last event (its terminal one once finished), so a late resume can answer it.
    ADD COLUMN last_event_id          bigint,
    ADD COLUMN heartbeat_at           timestamptz,
    ADD COLUMN finished_at            timestamptz;

-- The sweeper's scan: only messages still streaming, oldest heartbeat first. Not led by user_id on purpose: it is a
-- maintenance scan across users, and the partial index stays as small as the number of answers in flight.
CREATE INDEX messages_streaming_by_heartbeat ON messages (heartbeat_at) WHERE status = 'streaming';
