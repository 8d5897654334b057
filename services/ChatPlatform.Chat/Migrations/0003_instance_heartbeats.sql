-- One heartbeat per chat instance instead of one per streaming answer: each instance refreshes its row every few seconds,
-- and each streaming answer names the instance generating it. A sweeper interrupts the streaming answers of instances
-- whose heartbeat is stale. Not led by user_id: instances are the service's own rows, not a user's.
CREATE TABLE chat_instances (
    id           uuid        PRIMARY KEY,
    heartbeat_at timestamptz NOT NULL
);

ALTER TABLE messages ADD COLUMN instance_id uuid;

-- The sweeper's lookup of a stale instance's answers; as small as the number of answers in flight.
-- messages_streaming_by_heartbeat stays for answers started before this migration (instance_id NULL, per-message heartbeats).
CREATE INDEX messages_streaming_by_instance ON messages (instance_id) WHERE status = 'streaming';
