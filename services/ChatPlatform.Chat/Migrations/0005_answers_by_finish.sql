-- The admin console's figures (issue 18: turns a minute, time to first token, error rate) read the answers finished in
-- the last minutes or hour. This partial index holds finished answers only, ordered by when they finished, and carries
-- what the figures need, so the read is an index-only range scan whatever the table's size.
CREATE INDEX messages_answers_by_finish ON messages (finished_at) INCLUDE (status, time_to_first_token_ms)
    WHERE role = 'assistant' AND finished_at IS NOT NULL;
